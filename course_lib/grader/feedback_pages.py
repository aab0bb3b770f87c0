"""Feedback pages that read offline and render fast.

- :class:`FeedbackPageExporter`: the HTML exporter nbgrader's
  ``generate_feedback`` uses for the course (nbconvert's, without a closing
  re-parse that cost half of each page).
- :func:`install_mathjax` and :func:`offline_page`: pages load MathJax from
  the installed ``jupyter_server_mathjax`` package, copied beside them, not
  from a CDN.
"""

from __future__ import annotations

import re
import shutil
import uuid
from pathlib import Path

from nbconvert.exporters import HTMLExporter

__all__ = ["MATHJAX_FOLDER", "FeedbackPageExporter", "install_mathjax", "offline_page"]

MATHJAX_FOLDER = "mathjax"
"""Folder next to the feedback pages that holds the offline copy of MathJax."""
_MATHJAX_CONFIG = "TeX-AMS-MML_HTMLorMML-full,Safe"


class _Unparsed(str):
    """Stands in for ``BeautifulSoup(html, features=...)`` in nbconvert's HTML exporter: the
    page as it is, with nothing to select."""

    def __new__(cls, markup, features=None):
        return super().__new__(cls, markup)

    def select(self, selector):
        return []


class FeedbackPageExporter(HTMLExporter):
    """nbconvert's HTML exporter without its closing BeautifulSoup pass, for feedback pages.

    That pass re-parses the finished page to give images without ``alt`` a
    placeholder text and to make JupyterLab-template cells focusable. A
    feedback page has neither (nbgrader's classic-based template; autograde
    cleared every output but the test cells' text), yet the pass took about
    half the time of each page: hundreds of pages per assignment in a large
    class. The page is otherwise the same (``tests/test_grader_outputs.py``
    compares the two exporters).
    """

    def from_notebook_node(self, nb, resources=None, **kw):
        import nbconvert.exporters.html as html_exporter

        parser = html_exporter.BeautifulSoup
        html_exporter.BeautifulSoup = _Unparsed
        try:
            html, resources = super().from_notebook_node(nb, resources, **kw)
        finally:
            html_exporter.BeautifulSoup = parser
        return str(html), resources


def install_mathjax(folder: Path) -> Path:
    """Copy MathJax from the installed ``jupyter_server_mathjax`` package into ``folder``.

    Feedback pages then show their formulas without a network. The copy is
    made once per output folder.
    """
    import jupyter_server_mathjax

    source = Path(jupyter_server_mathjax.__file__).parent / "static"
    target = Path(folder) / MATHJAX_FOLDER
    if not (target / "MathJax.js").is_file():
        partial = target.with_name(f".{MATHJAX_FOLDER}.{uuid.uuid4().hex[:8]}")
        shutil.copytree(source, partial)
        if (target / "MathJax.js").is_file():
            shutil.rmtree(partial)
        else:
            shutil.rmtree(target, ignore_errors=True)
            partial.rename(target)
    return target


_CDN_MATHJAX = re.compile(r"https://cdnjs\.cloudflare\.com/ajax/libs/mathjax/[^\"']+")


def offline_page(html: str) -> str:
    """A feedback page that loads MathJax from the copy beside it instead of a CDN.

    nbgrader's feedback template names the CDN in its ``mathjax()`` call; pages
    are copied to ``<out>/feedback/<student>/<assignment>.html``, next to
    ``<out>/feedback/mathjax`` (:func:`install_mathjax`).

    Examples
    --------
    >>> offline_page('<script src="https://cdnjs.cloudflare.com/ajax/libs/mathjax/2.7.7/'
    ...              'latest.js?config=TeX-AMS_CHTML-full,Safe"></script>')
    '<script src="../mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full,Safe"></script>'
    """
    local = f"../{MATHJAX_FOLDER}/MathJax.js?config={_MATHJAX_CONFIG}"
    return _CDN_MATHJAX.sub(local, html)
