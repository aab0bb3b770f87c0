"""Feedback pages that read offline and render fast.

- :class:`FeedbackPageExporter`: the HTML exporter nbgrader's
  ``generate_feedback`` uses for the course (nbconvert's, without a closing
  re-parse that cost half of each page, and rendering each distinct cell
  source once per assignment: most cells are the same on every page).
- :func:`install_mathjax` and :func:`offline_page`: pages load MathJax from
  the installed ``jupyter_server_mathjax`` package, copied beside them, not
  from a CDN.
"""

from __future__ import annotations

import json
import re
import shutil
import uuid
from functools import lru_cache
from pathlib import Path

from jinja2 import pass_context
from nbconvert.exporters import HTMLExporter
from nbconvert.filters.highlight import Highlight2HTML

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


_RENDERED_SOURCES = 4096
"""How many distinct cell sources an exporter keeps rendered (highlighted code, Markdown)."""


class _RememberingHighlighter(Highlight2HTML):
    """nbconvert's code highlighter, remembering the HTML of each source it highlighted.

    The HTML depends on the source, the language and the cell's
    ``magics_language`` (nbconvert's :func:`_pygments_highlight`), so those are the key.
    """

    def __init__(self, **kw):
        super().__init__(**kw)
        self._highlight = lru_cache(maxsize=_RENDERED_SOURCES)(self._highlight_once)

    def _highlight_once(self, source, language, lexer, magics_language):
        metadata = {"magics_language": magics_language} if magics_language else None
        return super().__call__(source, language, metadata)

    def __call__(self, source, language=None, metadata=None):
        magics = (metadata or {}).get("magics_language")
        return self._highlight(source, language, self.pygments_lexer, magics)


class FeedbackPageExporter(HTMLExporter):
    """nbconvert's HTML exporter for feedback pages: the same page, made in less time.

    - No closing BeautifulSoup pass. That pass re-parses the finished page to
      give images without ``alt`` a placeholder text and to make
      JupyterLab-template cells focusable. A feedback page has neither
      (nbgrader's classic-based template; autograde cleared every output but
      the test cells' text), yet the pass took about half the time of each page.
    - Each distinct code source is highlighted, and each distinct Markdown
      source rendered, once per exporter: nbgrader's ``generate_feedback``
      uses one exporter for a whole assignment, and every page of it repeats
      the released cells, so most of the highlighting was the same work
      hundreds of times.

    The pages are the same as nbconvert's ``HTMLExporter`` writes
    (``tests/test_grader_outputs.py`` compares the two exporters).
    """

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self._highlighter = _RememberingHighlighter(parent=self)
        if "highlight_code" not in self.filters:  # a highlighter set in the configuration wins
            self.filters = {**self.filters, "highlight_code": self._highlighter}
        self._markdown = lru_cache(maxsize=_RENDERED_SOURCES)(self._markdown_once)

    def _markdown_once(self, source, attachments, path):
        context = {"cell": {"attachments": json.loads(attachments)},
                   "resources": {"metadata": {"path": path}}}
        return HTMLExporter.markdown2html(self, context, source)

    @pass_context
    def markdown2html(self, context, source):
        """nbconvert's Markdown filter, rendering each (source, attachments, path) once.

        The notebook's folder only matters when images are embedded (nbconvert reads them
        from there); otherwise the same source renders the same on every student's page.
        """
        cell = context.get("cell", {})
        attachments = json.dumps(cell.get("attachments", {}), sort_keys=True)
        path = ""
        if self.embed_images:
            path = context.get("resources", {}).get("metadata", {}).get("path", "")
        return self._markdown(source, attachments, path)

    def from_notebook_node(self, nb, resources=None, **kw):
        import nbconvert.exporters.html as html_exporter

        language = nb.metadata.get("language_info", {})
        # As nbconvert makes its highlighter for each notebook: the notebook's lexer, else ipython3.
        lexer = language.get("pygments_lexer", language.get("name"))
        self._highlighter.pygments_lexer = lexer or "ipython3"
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
