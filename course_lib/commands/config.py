"""``course config``: which configuration file is used, and every course option in it
(nbgrader's ``CourseDirectory``: the folders; ``Course``; ``Sandbox``;
``SandboxedKernelManager``)."""

from __future__ import annotations

import sys
from pathlib import Path

HELP = "show the configuration file in use and the course's options"


def add_arguments(parser) -> None:
    parser.add_argument("--config", type=Path, default=None,
                        help="the course's nbgrader_config.py (default: the repository's)")


def run(args) -> int:
    from course_lib.config import ConfigError, Course, load_course
    from course_lib.sandbox import Sandbox
    from course_lib.sandbox.kernel import SandboxedKernelManager

    try:
        course = load_course(args.config)
    except ConfigError as error:
        print(f"course config: {error}", file=sys.stderr)
        return 2
    print(f"configuration file: {course.config_file or 'none (defaults)'}")
    print(f"course root: {course.root}")
    coursedir = course.coursedir
    configured = {
        type(coursedir): coursedir,
        Course: course.course,
        Sandbox: course.sandbox(),
        SandboxedKernelManager: SandboxedKernelManager(config=course.config),
    }
    for cls, instance in configured.items():
        print(f"\n{cls.__name__} options (c.{cls.__name__}.<option>)")
        for _, trait in sorted(cls.class_own_traits(config=True).items()):
            print(cls.class_get_trait_help(trait, instance))
    return 0
