"""Subcommands of the ``course`` command line (see :mod:`course_lib.cli`)."""
