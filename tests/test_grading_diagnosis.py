"""Tests for mistake diagnosis: each buggy answer is named by its code and scored as documented.

Every answer is real Python source run with ``exec`` (as a notebook cell would
be) and checked through the whole pipeline: ``call_in_process`` on every case,
then ``Exercise.assess`` with the source, so the static rule sees it too.
"""

from __future__ import annotations

import numpy as np
import pytest
from answers import CORRECT, SAMPLES, named

from course_lib.grading import exercises
from course_lib.grading.assess import MUTATION_PENALTY
from course_lib.grading.calling import call_in_process


def assess(name: str, source: str, *, hidden: bool = False, function_name: str | None = None):
    """Run ``source``'s function through the battery of exercise ``name``; return the Report."""
    namespace = {"np": np}
    exec(compile(source, f"<answer {name}>", "exec"), namespace)
    function = namespace[function_name or name]
    exercise = exercises.get(name)
    cases = exercise.cases(hidden=hidden)
    outcomes = [call_in_process(function, case, guard=exercise.guarded) for case in cases]
    return exercise.assess(cases, outcomes, source=source)


CORRECT_CONVOLVE = {
    "four nested loops": """
def convolve(image, kernel):
    image = np.asarray(image, dtype=float)
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            for a in range(kh):
                for b in range(kw):
                    out[i, j] += image[i + a, j + b] * kernel[a, b]
    return out
""",
    "window slices and np.sum": """
def convolve(image, kernel):
    kh, kw = kernel.shape
    rows, cols = image.shape[0] - kh + 1, image.shape[1] - kw + 1
    out = np.zeros((rows, cols))
    for i in range(rows):
        for j in range(cols):
            out[i, j] = np.sum(np.multiply(image[i:i + kh, j:j + kw], kernel))
    return out
""",
    "shifted slices over kernel offsets": """
def convolve(image, kernel):
    image = image.astype(np.float64)
    kh, kw = kernel.shape
    rows, cols = image.shape[0] - kh + 1, image.shape[1] - kw + 1
    out = np.zeros((rows, cols))
    for a in range(kh):
        for b in range(kw):
            out += kernel[a, b] * image[a:a + rows, b:b + cols]
    return out
""",
    "float32 output, helper, prints and warns": """
import warnings

def _window_sum(window, kernel):
    return float((window * kernel).sum())

def convolve(image, kernel):
    print("convolving", image.shape, "with", kernel.shape)
    warnings.warn("this is slow")
    image = image.astype(np.float32)
    kh, kw = kernel.shape
    out = np.empty((image.shape[0] - kh + 1, image.shape[1] - kw + 1), dtype=np.float32)
    i = 0
    while i < out.shape[0]:
        for j in range(out.shape[1]):
            out[i, j] = _window_sum(image[i:i + kh, j:j + kw], kernel)
        i += 1
    return out
""",
    "comprehension": """
def convolve(image, kernel):
    kh, kw = kernel.shape
    image = image.astype(float)
    return np.array([[np.sum(image[i:i + kh, j:j + kw] * kernel)
                      for j in range(image.shape[1] - kw + 1)]
                     for i in range(image.shape[0] - kh + 1)])
""",
}


@pytest.mark.parametrize("style", sorted(CORRECT_CONVOLVE))
@pytest.mark.parametrize("hidden", [False, True])
def test_correct_convolve_styles_get_full_marks(style, hidden):
    """Correct answers in any reasonable style pass every case, visible and hidden."""
    report = assess("convolve", CORRECT_CONVOLVE[style], hidden=hidden)
    assert report.status == "passed", report.message
    assert report.fraction == 1.0
    assert report.diagnoses == []


def _loop_answer(body: str, *, prelude: str = "") -> str:
    """A loop-based convolve whose per-pixel line is ``body``."""
    return f"""
def convolve(image, kernel):
{prelude}    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
{body}
    return out
"""


def test_flipped_kernel_scores_zero_on_asymmetric_battery():
    """Every visible kernel is asymmetric, so a flipped kernel passes nothing."""
    report = assess("convolve", named("convolve: flips the kernel").source)
    assert (report.passed, report.fraction) == (0, 0.0)


def test_integer_dtype_fails_only_the_uint8_case():
    """Storing results in the image's dtype fails exactly the uint8 case (6 of 7 pass)."""
    report = assess("convolve", SAMPLES["convolve: keeps the uint8 dtype"].source)
    assert (report.passed, report.total) == (6, 7)
    assert report.diagnoses == ["integer-dtype"]


def test_square_only_and_fixed_kernel_size_are_told_apart():
    """The two cross-case patterns are reported exclusively."""
    square = assess("convolve", named("convolve: square-only (rows for both axes)").source)
    fixed = assess("convolve", named("convolve: nine products written out (3x3 only)").source)
    assert square.diagnoses == ["square-only"]
    assert fixed.diagnoses == ["fixed-kernel-size"]
    assert (square.groups_passed, fixed.groups_passed) == (3, 4)


def test_mutating_input_loses_a_share_and_says_so():
    """A right answer that changes its input keeps 75% and is told why."""
    source = (
        CORRECT_CONVOLVE["four nested loops"]
        .replace("    image = np.asarray(image, dtype=float)\n", "")
        .replace("    return out", "    image[0, 0] = 0\n    return out")
    )
    source = source.replace("out[i, j] += image", "out[i, j] += float(image")
    source = source.replace("* kernel[a, b]", ") * kernel[a, b]")
    report = assess("convolve", source)
    assert report.diagnoses == ["mutates-input"]
    assert report.passed == report.total
    assert report.fraction == pytest.approx(1 - MUTATION_PENALTY)
    assert report.status == "failed"
    assert "points are deducted" in report.message


def test_array_subclass_with_fake_equality_is_not_an_array():
    """An ndarray subclass whose == is always True neither fools nor passes the check."""
    source = """
class Always(np.ndarray):
    def __eq__(self, other):
        return True
    def __ne__(self, other):
        return False

def convolve(image, kernel):
    for _ in range(1):
        kernel = kernel[:]
    return np.zeros((1, 1)).view(Always)
"""
    report = assess("convolve", source)
    assert report.diagnoses == ["not-an-array"]
    assert report.fraction == 0.0


def test_returning_none_is_not_an_array():
    """Forgetting the return statement is named not-an-array."""
    source = _loop_answer("            out[i, j] = np.sum(image[i:i + kh, j:j + kw] * kernel)")
    report = assess("convolve", source.replace("    return out", "    out"))
    assert report.diagnoses == ["not-an-array"]
    assert "None" in report.message


def test_not_implemented_is_an_error_with_zero():
    """The untouched placeholder earns 0 with a clear message."""
    source = "def convolve(image, kernel):\n    raise NotImplementedError\n"
    report = assess("convolve", source)
    assert (report.status, report.fraction, report.diagnoses) == ("error", 0.0, ["not-implemented"])
    assert "not implemented yet" in report.message


def test_library_call_is_rejected_by_the_static_rule():
    """An answer calling scipy is rejected with fraction 0."""
    source = """
from scipy import signal as s
def convolve(image, kernel):
    for _ in range(1):
        kernel = kernel[:]
    return s.correlate2d(image, kernel, mode="valid")
"""
    report = assess("convolve", source)
    assert (report.status, report.fraction, report.diagnoses) == ("rejected", 0.0, ["library-call"])


def test_vectorised_answer_without_loops_is_rejected():
    """A correct but loop-free answer breaks the loop-only rule: not-loop-based."""
    source = """
def convolve(image, kernel):
    windows = np.lib.stride_tricks.sliding_window_view(image.astype(float), kernel.shape)
    return np.einsum("ijab,ab->ij", windows, kernel)
"""
    report = assess("convolve", source)
    assert report.status == "rejected"
    assert report.diagnoses == ["not-loop-based"]


def test_library_call_hidden_from_the_source_is_caught_at_run_time():
    """Without source, the run-time guard still rejects a library call."""
    namespace = {"np": np}
    exec(
        "import scipy.signal\n"
        "def convolve(image, kernel):\n"
        "    return scipy.signal.correlate2d(image, kernel, mode='valid')\n",
        namespace,
    )
    exercise = exercises.get("convolve")
    cases = exercise.cases(hidden=False)
    outcomes = [call_in_process(namespace["convolve"], case) for case in cases]
    report = exercise.assess(cases, outcomes)
    assert (report.status, report.diagnoses) == ("rejected", ["library-call"])


OUTPUT_SIZE = {
    "off-by-one": "def output_size(image_size, kernel_size):\n"
    "    if kernel_size > image_size:\n        raise ValueError('too big')\n"
    "    return image_size - kernel_size\n",
    "missing-error": "def output_size(image_size, kernel_size):\n"
    "    return image_size - kernel_size + 1\n",
    "wrong-formula": "def output_size(image_size, kernel_size):\n"
    "    if kernel_size > image_size:\n        raise ValueError('too big')\n"
    "    return image_size + kernel_size - 1\n",
}


@pytest.mark.parametrize("code", sorted(OUTPUT_SIZE))
def test_output_size_mistakes(code):
    """output_size bugs are named: off by one, no ValueError, another padding's formula."""
    report = assess("output_size", OUTPUT_SIZE[code], hidden=True)
    assert report.diagnoses[0] == code, report.message
    assert report.fraction < 1.0


def test_output_size_missing_error_keeps_the_other_cases():
    """Forgetting both ValueErrors (a too-large kernel, a size below 1) loses exactly those two
    groups: 5 of 7 pass."""
    report = assess("output_size", OUTPUT_SIZE["missing-error"])
    assert (report.groups_passed, report.groups_total) == (5, 7)
    assert report.fraction == pytest.approx(5 / 7)


PAD_WIDTH_SYMMETRIC = """
def pad_width(kernel_size):
    if kernel_size < 1:
        raise ValueError("kernel_size must be at least 1")
    return kernel_size // 2, kernel_size // 2
"""
PAD_WIDTH_EXTRA_BEFORE = """
def pad_width(kernel_size):
    if kernel_size < 1:
        raise ValueError("kernel_size must be at least 1")
    total = kernel_size - 1
    return total - total // 2, total // 2
"""


@pytest.mark.parametrize("source", [PAD_WIDTH_SYMMETRIC, PAD_WIDTH_EXTRA_BEFORE])
def test_pad_width_wrong_padding(source):
    """Symmetric or extra-before padding for even kernels is wrong-padding; odd ones pass."""
    report = assess("pad_width", source)
    assert report.diagnoses == ["wrong-padding"], report.message
    assert 0 < report.fraction < 1


def test_pad_width_list_result_is_accepted():
    """Returning [before, after] as a list still counts as the pair."""
    source = PAD_WIDTH_EXTRA_BEFORE.replace(
        "return total - total // 2, total // 2", "return [total // 2, total - total // 2]"
    )
    assert assess("pad_width", source).fraction == 1.0


ZERO_PAD_SLICE_BUG = """
def zero_pad(image, pad):
    if isinstance(pad, int):
        pad = ((pad, pad), (pad, pad))
    (top, bottom), (left, right) = pad
    if min(top, bottom, left, right) < 0:
        raise ValueError("negative padding")
    out = np.zeros((image.shape[0] + top + bottom, image.shape[1] + left + right))
    out[top:-bottom, left:-right] = image
    return out
"""
ZERO_PAD_EDGE = """
def zero_pad(image, pad):
    if isinstance(pad, int):
        pad = ((pad, pad), (pad, pad))
    (top, bottom), (left, right) = pad
    if min(top, bottom, left, right) < 0:
        raise ValueError("negative padding")
    image = np.asarray(image, dtype=float)
    rows = np.clip(np.arange(-top, image.shape[0] + bottom), 0, image.shape[0] - 1)
    cols = np.clip(np.arange(-left, image.shape[1] + right), 0, image.shape[1] - 1)
    return image[rows][:, cols]
"""
ZERO_PAD_MUTATES = """
def zero_pad(image, pad):
    if isinstance(pad, int):
        pad = ((pad, pad), (pad, pad))
    (top, bottom), (left, right) = pad
    if min(top, bottom, left, right) < 0:
        raise ValueError("negative padding")
    out = np.zeros((image.shape[0] + top + bottom, image.shape[1] + left + right))
    out[top:top + image.shape[0], left:left + image.shape[1]] = image
    image[...] = 0
    return out
"""


def test_zero_pad_slice_bug_is_pad_zero_broken():
    """The out[p:-p, p:-p] bug fails exactly when a count is 0 and is named pad-zero-broken."""
    report = assess("zero_pad", ZERO_PAD_SLICE_BUG)
    assert report.diagnoses == ["pad-zero-broken"], report.message
    assert (report.groups_passed, report.groups_total) == (4, 6)


def test_zero_pad_edge_mode_is_wrong_padding():
    """Edge padding instead of zeros is wrong-padding; pad=0 still passes."""
    report = assess("zero_pad", ZERO_PAD_EDGE, hidden=True)
    assert report.diagnoses[0] == "wrong-padding", report.message
    assert report.passed >= 2


def test_zero_pad_mutation_is_reported():
    """Clearing the input array is named mutates-input and costs the penalty."""
    report = assess("zero_pad", ZERO_PAD_MUTATES)
    assert report.diagnoses == ["mutates-input"]
    assert report.fraction == pytest.approx(1 - MUTATION_PENALTY)


CONVOLVE_HELPER = CORRECT["convolve"]


def _convolve_same(before: str, after: str, mode: str = "constant") -> str:
    return (
        CONVOLVE_HELPER
        + f'''
def convolve_same(image, kernel):
    kh, kw = kernel.shape
    rows = ({before.format(k="kh")}, {after.format(k="kh")})
    cols = ({before.format(k="kw")}, {after.format(k="kw")})
    padded = np.pad(np.asarray(image, dtype=float), (rows, cols), mode="{mode}")
    return convolve(padded, kernel)
'''
    )


def test_convolve_same_correct_with_helper():
    """convolve_same built on the answer's own convolve passes, static rule included."""
    report = assess("convolve_same", _convolve_same("({k} - 1) // 2", "{k} // 2"), hidden=True)
    assert report.status == "passed", report.message


@pytest.mark.parametrize(
    ("before", "after", "mode"),
    [("{k} // 2", "({k} - 1) // 2", "constant"), ("({k} - 1) // 2", "{k} // 2", "edge")],
)
def test_convolve_same_wrong_padding(before, after, mode):
    """Extra padding before (even kernels) or edge padding is named wrong-padding."""
    report = assess("convolve_same", _convolve_same(before, after, mode))
    assert report.diagnoses[0] == "wrong-padding", report.message
    assert report.fraction < 1.0


def test_convolve_same_using_the_reference_is_rejected():
    """Calling course_lib.reference from convolve_same is refused as the course's own answer."""
    source = """
def convolve_same(image, kernel):
    for _ in range(1):
        kernel = kernel[:]
    return reference.correlate2d(image, kernel, padding="same")
"""
    report = assess("convolve_same", source)
    assert (report.status, report.diagnoses) == ("rejected", ["course-library"])


CONV_OUTPUT_SIZE = {
    "padding-once": "(n + padding - k) // stride + 1",
    "ignores-stride": "n + 2 * padding - k + 1",
    "no-floor": "(n + 2 * padding - k) / stride + 1",
    "off-by-one": "(n + 2 * padding - k) // stride",
}


@pytest.mark.parametrize("code", sorted(CONV_OUTPUT_SIZE))
def test_conv_output_size_mistakes(code):
    """Formula mistakes in conv_output_size are each named."""
    source = (
        "def conv_output_size(n, k, padding=0, stride=1):\n"
        "    if k > n + 2 * padding:\n        raise ValueError('kernel too long')\n"
        f"    return {CONV_OUTPUT_SIZE[code]}\n"
    )
    report = assess("conv_output_size", source, hidden=True)
    assert report.diagnoses[0] == code, report.message
    assert report.fraction < 1.0


def test_convolve_same_without_padding_is_wrong_padding():
    """Forgetting to pad (the VALID result) is named wrong-padding, not a shifted window."""
    source = (
        CONVOLVE_HELPER + "def convolve_same(image, kernel):\n    return convolve(image, kernel)\n"
    )
    report = assess("convolve_same", source, hidden=True)
    assert report.diagnoses[0] == "wrong-padding", report.message


def test_convolve_same_on_a_broken_zero_pad_is_pad_zero_broken():
    """convolve_same failing exactly where a padding count is 0 points at zero_pad."""
    source = (
        ZERO_PAD_SLICE_BUG
        + CONVOLVE_HELPER
        + """
def convolve_same(image, kernel):
    kh, kw = kernel.shape
    rows = ((kh - 1) // 2, kh // 2)
    cols = ((kw - 1) // 2, kw // 2)
    return convolve(zero_pad(image, (rows, cols)), kernel)
"""
    )
    report = assess("convolve_same", source, hidden=True)
    assert report.diagnoses == ["pad-zero-broken"], report.message


def test_patching_the_reference_does_not_change_expected_results():
    """A notebook that rebinds course_lib.reference functions cannot fake the expected values."""
    from course_lib import reference

    original = reference.pad
    reference.pad = lambda *args, **kwargs: None
    try:
        report = assess("zero_pad", ZERO_PAD_MUTATES.replace("    image[...] = 0\n", ""))
    finally:
        reference.pad = original
    assert report.status == "passed", report.message


def test_explanation_comes_from_the_model_that_matched():
    """Two wrong-padding models for pad_width: the message explains the one the answer made."""
    report = assess("pad_width", PAD_WIDTH_SYMMETRIC)
    assert "k // 2 on both sides" in report.message
    assert "extra pixel of an even kernel before" not in report.message


def test_same_size_output_for_valid_convolve_is_wrong_shape():
    """A zero-padded (SAME) result where VALID is asked is wrong-shape, explained as padding."""
    source = (
        CONVOLVE_HELPER.replace("def convolve(", "def _valid(")
        + """
def convolve(image, kernel):
    kh, kw = kernel.shape
    rows = ((kh - 1) // 2, kh // 2)
    cols = ((kw - 1) // 2, kw // 2)
    return _valid(np.pad(np.asarray(image, dtype=float), (rows, cols)), kernel)
"""
    )
    report = assess("convolve", source)
    assert report.diagnoses[0] == "wrong-shape", report.message
    assert "SAME" in report.message
