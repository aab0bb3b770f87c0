"""Tests for the 05_tensorflow exercises: layouts in float32 and TensorFlow's SAME padding.

Answers are source strings run with ``exec`` like notebook cells and judged
through ``call_in_process`` and ``Exercise.assess``. The last test checks the
exercise's reference against real TensorFlow.
"""

from __future__ import annotations

import numpy as np
import pytest
from answers import named

from course_lib.grading import exercises
from course_lib.grading.calling import call_in_process


def assess(name: str, source: str, *, hidden: bool = False):
    """Run the function ``name`` defined by ``source`` through its battery; return the Report."""
    namespace = {"np": np}
    exec(compile(source, f"<answer {name}>", "exec"), namespace)
    exercise = exercises.get(name)
    cases = exercise.cases(hidden=hidden)
    outcomes = [call_in_process(namespace[name], case, guard=exercise.guarded) for case in cases]
    return exercise.assess(cases, outcomes, source=source)


def test_exercises_are_registered_in_notebook_order():
    """The registry lists the three graded functions of 05_tensorflow in order."""
    names = [e.name for e in exercises.for_assignment("05_tensorflow")]
    assert names == ["to_nhwc", "to_hwio", "tf_same_padding"]


CHECK_2D = """
    array = np.asarray({arg})
    if array.ndim != 2:
        raise ValueError("{arg} must be 2-D")
"""


def layout(name: str, arg: str, expression: str) -> str:
    """Source of a converter that validates its argument and returns ``expression``."""
    return f"def {name}({arg}):{CHECK_2D.format(arg=arg)}    return {expression}\n"


CORRECT = {
    ("to_nhwc", "newaxis"): layout(
        "to_nhwc", "image", "array.astype(np.float32)[np.newaxis, :, :, np.newaxis]"
    ),
    ("to_nhwc", "reshape"): layout(
        "to_nhwc", "image", "array.reshape(1, *array.shape, 1).astype('float32')"
    ),
    ("to_hwio", "newaxis"): layout(
        "to_hwio", "kernel", "array.astype(np.float32)[:, :, None, None]"
    ),
    ("to_hwio", "expand_dims"): layout(
        "to_hwio", "kernel", "np.expand_dims(array, (2, 3)).astype(np.float32)"
    ),
}

@pytest.mark.parametrize(("name", "style"), sorted(CORRECT))
@pytest.mark.parametrize("hidden", [False, True])
def test_correct_layout_converters_pass(name, style, hidden):
    """Correct converters (new axes, reshape, expand_dims) get full marks."""
    report = assess(name, CORRECT[name, style], hidden=hidden)
    assert report.status == "passed", report.message
    assert report.fraction == 1.0


def test_float64_layout_message_says_float32():
    """The dtype diagnosis tells the student which dtype TensorFlow wants."""
    report = assess("to_nhwc", named("to_nhwc: float64").source)
    assert "float32" in report.message
    assert report.passed == 2  # only the cases that must raise ValueError (3-D and 1-D)


def test_reshaping_the_argument_in_place_is_penalised():
    """Setting image.shape changes the caller's array and is reported as mutation."""
    source = """
def to_nhwc(image):
    if image.ndim != 2:
        raise ValueError("image must be 2-D")
    image.shape = (1, image.shape[0], image.shape[1], 1)
    return image.astype(np.float32)
"""
    report = assess("to_nhwc", source)
    assert "mutates-input" in report.diagnoses, report.message
    assert report.fraction < 1.0


CORRECT_PADDING = {
    "ceil by negation": """
def tf_same_padding(n, k, stride):
    out = -(-n // stride)
    pad = max((out - 1) * stride + k - n, 0)
    return (pad // 2, pad - pad // 2)
""",
    "math.ceil, list result": """
import math

def tf_same_padding(n, k, stride):
    pad = max((math.ceil(n / stride) - 1) * stride + k - n, 0)
    before = pad // 2
    return [before, pad - before]
""",
    "modulo rule": """
def tf_same_padding(n, k, stride):
    if n % stride == 0:
        pad = max(k - stride, 0)
    else:
        pad = max(k - n % stride, 0)
    return pad // 2, pad - pad // 2
""",
}

@pytest.mark.parametrize("style", sorted(CORRECT_PADDING))
@pytest.mark.parametrize("hidden", [False, True])
def test_correct_tf_same_padding_passes(style, hidden):
    """Correct SAME-padding rules in several forms get full marks."""
    report = assess("tf_same_padding", CORRECT_PADDING[style], hidden=hidden)
    assert report.status == "passed", report.message
    assert report.fraction == 1.0


def test_spec_examples_are_in_the_visible_battery():
    """The course's worked examples are checked in the visible test."""
    exercise = exercises.get("tf_same_padding")
    expected = {(8, 3, 2): (0, 1), (28, 5, 2): (1, 2), (7, 3, 2): (1, 1), (5, 2, 1): (0, 1)}
    battery = {case.args: exercise.reference(*case.args) for case in exercise.cases(hidden=False)}
    for args, pair in expected.items():
        assert battery[args] == pair


@pytest.mark.slow
def test_tf_same_padding_reference_matches_real_tensorflow():
    """For every hidden case, explicit padding from the reference reproduces TF's SAME."""
    import os

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    exercise = exercises.get("tf_same_padding")
    rng = np.random.default_rng(0)
    for case in exercise.cases(hidden=True):
        n, k, stride = case.args
        x = rng.normal(size=(1, n, 1, 1)).astype(np.float32)
        w = rng.normal(size=(k, 1, 1, 1)).astype(np.float32)
        before, after = exercise.reference(n, k, stride)
        same = tf.nn.conv2d(x, w, strides=[1, stride, 1, 1], padding="SAME").numpy()
        explicit = [[0, 0], [before, after], [0, 0], [0, 0]]
        mine = tf.nn.conv2d(x, w, strides=[1, stride, 1, 1], padding=explicit).numpy()
        np.testing.assert_allclose(mine, same, rtol=1e-5, atol=1e-5, err_msg=case.label)
