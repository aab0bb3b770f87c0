"""nbgrader's autograde converter, taking each notebook through its steps once.

:class:`WholeClassAutograde` is nbgrader's own ``Autograde``: the same
sanitising and autograde steps (:func:`~.nbgrader_plugins.use_course_grader`),
the same gradebook writes, the same autograded notebook, failures handled the
same way. What it leaves out is work that changes nothing in what is written,
and that made nbgrader's bookkeeping of a class cost more than its grading:

- the steps are made once per run, not twice per notebook;
- each notebook is read once and taken through the two passes in memory,
  instead of being copied twice per pass, written between the passes and read
  again (the JSON round trip between the passes is kept, so the second pass
  sees what nbgrader's would);
- it is validated once per pass, after the last step (as nbconvert's
  ``optimistic_validation`` does), not again on reading and on writing.

``tests/test_notebook_grading.py`` holds it to nbgrader's own autograde:
the same gradebook rows and the same autograded notebooks.
"""

from __future__ import annotations

import os

import nbformat
from nbconvert.exporters.exporter import ResourcesDict
from nbformat import validator
from nbgrader.converters import Autograde
from nbgrader.utils import setenv

__all__ = ["WholeClassAutograde"]


class WholeClassAutograde(Autograde):
    """nbgrader's ``Autograde`` for a whole assignment at once, without its per-notebook
    copies, re-reads and repeated validation (see the module docstring).

    Run it as nbgrader runs its converters: ``WholeClassAutograde(coursedir=...,
    parent=api).start()`` with ``coursedir.assignment_id`` set (and ``student_id``
    ``"*"`` for the whole class, or one student).
    """

    def _steps(self, sanitizing: bool) -> list:
        """The steps of one pass, made once (nbconvert makes them again for every notebook)."""
        made = self.__dict__.setdefault("_made_steps", {})
        if sanitizing not in made:
            classes = self.sanitize_preprocessors if sanitizing else self.autograde_preprocessors
            # As the exporter's register_preprocessor makes them: its child, each step keeping
            # its own `enabled` default.
            made[sanitizing] = [step(parent=self.exporter) for step in classes]
        return made[sanitizing]

    def _run_pass(self, nb, filename: str, *, sanitizing: bool):
        """One pass of steps over ``nb``, with the resources nbconvert would give them."""
        self._sanitizing = sanitizing
        resources = ResourcesDict()
        resources.update(self.init_single_notebook_resources(filename))
        resources["metadata"] = ResourcesDict()
        resources["metadata"].update(name=os.path.splitext(os.path.basename(filename))[0],
                                     path=os.path.dirname(filename))
        resources["output_extension"] = self.exporter.file_extension
        _, nb = validator.normalize(nb)
        for step in self._steps(sanitizing):
            nb, resources = step(nb, resources)
        nbformat.validate(nb, relax_add_props=True)
        return nb, resources

    def convert_single_notebook(self, notebook_filename: str) -> None:
        self.log.info("Sanitizing %s", notebook_filename)
        with open(notebook_filename, encoding="utf-8") as handle:
            nb = nbformat.read(handle, as_version=4)
        ids = self.init_single_notebook_resources(notebook_filename)["nbgrader"]
        try:
            nb, _ = self._run_pass(nb, notebook_filename, sanitizing=True)
            # nbgrader writes the sanitised notebook into the autograded folder and reads it
            # back for the second pass: the same JSON round trip, in memory.
            nb = nbformat.reads(nbformat.v4.writes_json(nb), as_version=4)
            autograded = os.path.join(self._format_dest(ids["assignment"], ids["student"]),
                                      os.path.basename(notebook_filename))
            self.log.info("Autograding %s", autograded)
            with setenv(NBGRADER_EXECUTION="autograde"):
                nb, resources = self._run_pass(nb, autograded, sanitizing=False)
        finally:
            self._sanitizing = True
        output = nbformat.v4.writes_json(nb)
        self.write_single_notebook(output if output.endswith("\n") else output + "\n", resources)
