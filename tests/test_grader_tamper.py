"""Tests for course_lib.grader.tamper: static detection of attempts to fool the grader."""

from __future__ import annotations

import pytest

from course_lib.grader.tamper import find_tampering


@pytest.mark.parametrize(
    "source, expected",
    [
        ("import numpy as np\nnp.allclose = lambda *a, **k: True", "replaces numpy.allclose"),
        ("np.testing.assert_allclose = print", "replaces numpy.testing.assert_allclose"),
        ("from course_lib import grading\ngrading.check = None",
         "replaces course_lib.grading.check"),
        ("import course_lib\ncourse_lib.reference.correlate2d = f",
         "replaces course_lib.reference.correlate2d"),
        ("import builtins\nbuiltins.__import__ = hook", "replaces builtins.__import__"),
        ("setattr(np, 'array_equal', f)", "calls setattr on numpy"),
        ("import sys\nsys.modules['numpy'] = fake", "replaces sys.modules[...]"),
        ("class A(np.ndarray):\n    def __eq__(self, o):\n        return True",
         "defines ndarray subclass A overriding __eq__"),
    ],
)
def test_each_kind_of_tampering_is_named(source, expected):
    """Every known way of patching the grading machinery is reported."""
    assert expected in find_tampering(source)


@pytest.mark.parametrize(
    "source, expected",
    [
        ("import numpy as n\nn.allclose = lambda *a, **k: True", "replaces numpy.allclose"),
        ("import numpy.testing as nt\nnt.assert_allclose = print",
         "replaces numpy.testing.assert_allclose"),
        ("from numpy import testing as t\nt.assert_array_equal = print",
         "replaces numpy.testing.assert_array_equal"),
        ("import course_lib.grading as g\ng.check = None", "replaces course_lib.grading.check"),
        ("from course_lib import reference as r\nsetattr(r, 'pad', f)",
         "calls setattr on course_lib.reference"),
        ("import builtins as b\nb.__import__ = hook", "replaces builtins.__import__"),
        ("__builtins__.__import__ = hook", "replaces builtins.__import__"),
        ("import numpy as n\nclass A(n.ndarray):\n    def __eq__(s, o):\n        return True",
         "defines ndarray subclass A overriding __eq__"),
    ],
)
def test_tampering_through_aliases_is_named(source, expected):
    """Aliases are resolved as the loop-only rule resolves them: `import numpy as n` counts."""
    assert expected in find_tampering(source)


def test_ordinary_answers_are_not_flagged():
    """Local variables, attribute reads and syntax errors are not tampering."""
    source = "def f(image):\n    out = np.zeros(3)\n    out[0] = image.sum()\n    return out"
    assert find_tampering(source) == []
    assert find_tampering("def f(:") == []
    assert find_tampering("n = 3\nn.real = 4") == []
