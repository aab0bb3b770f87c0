"""The out-of-process grader: authoritative scores computed outside the student's process.

For each graded function, a program built from the submitted notebook (see
:mod:`.program`) runs in a fresh sandboxed child; only plain outputs come
back (raw bytes), and the verdict is made in the grader's own process.

- :func:`course_lib.grader.batch.grade_class` grades a whole class, feeds
  nbgrader's gradebook and feedback and writes the outputs;
- :func:`course_lib.grader.validate.validate` checks one notebook;
- :class:`course_lib.grader.nbgrader_plugins.GradeOutOfProcess` is the same
  grader as plain ``nbgrader autograde``'s grading step.

See ``docs/grading.md``.
"""
