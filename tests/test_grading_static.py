"""Tests for course_lib.grading.static: the loop-only rule read from the answer's source."""

from __future__ import annotations

import pytest

from course_lib.grading.static import ALLOWED, Finding, check_source

LOOP = "    total = 0\n    for row in image:\n        total += 1\n"


def codes(source: str, name: str = "convolve") -> list[str]:
    """The finding codes for ``source``'s function ``name`` under the loop-only rule."""
    return [f.code for f in check_source(source, function_name=name, loop_only=True)]


LIBRARY_CALLS = {
    "import as alias": "import scipy.signal as ss\ndef convolve(image, kernel):\n"
    + LOOP
    + "    return ss.correlate2d(image, kernel, mode='valid')\n",
    "from-import module alias": "from scipy import signal as s\ndef convolve(image, kernel):\n"
    + LOOP
    + "    return s.convolve2d(image, kernel[::-1, ::-1], mode='valid')\n",
    "from-import function alias": "from scipy.signal import correlate2d as c\n"
    "def convolve(image, kernel):\n" + LOOP + "    return c(image, kernel, 'valid')\n",
    "scipy.ndimage": "import scipy.ndimage\ndef convolve(image, kernel):\n"
    + LOOP
    + "    return scipy.ndimage.correlate(image, kernel)\n",
    "numpy convolve": "def convolve(image, kernel):\n"
    + LOOP
    + "    return np.array([np.convolve(r, kernel[0]) for r in image])\n",
    "course reference": "def convolve(image, kernel):\n"
    + LOOP
    + "    return reference.correlate2d(image, kernel)\n",
    "from course_lib import": "from course_lib.reference import correlate2d\n"
    "def convolve(image, kernel):\n" + LOOP + "    return correlate2d(image, kernel)\n",
    "importlib": "import importlib\ndef convolve(image, kernel):\n"
    + LOOP
    + "    sig = importlib.import_module('scipy.sig' + 'nal')\n"
    "    return sig.correlate2d(image, kernel, 'valid')\n",
    "dunder import": "def convolve(image, kernel):\n"
    + LOOP
    + "    return __import__('scipy.signal').signal.correlate2d(image, kernel, 'valid')\n",
    "getattr built string": "import scipy.signal\ndef convolve(image, kernel):\n"
    + LOOP
    + "    f = getattr(scipy.signal, 'convol' + 've2d')\n"
    "    return f(image, kernel[::-1, ::-1], 'valid')\n",
    "getattr computed on numpy": "def convolve(image, kernel):\n"
    + LOOP
    + "    name = 'conv' + 'olve'\n    return getattr(np, name)(image[0], kernel[0])\n",
    "eval": "def convolve(image, kernel):\n"
    + LOOP
    + "    return eval('reference.correlate2d')(image, kernel)\n",
    "module-level helper": "import scipy.signal\n"
    "helper = lambda i, k: scipy.signal.correlate2d(i, k, 'valid')\n"
    "def convolve(image, kernel):\n" + LOOP + "    return helper(image, kernel)\n",
    "helper def": "from scipy import ndimage\ndef _do(i, k):\n    return ndimage.correlate(i, k)\n"
    "def convolve(image, kernel):\n" + LOOP + "    return _do(image, kernel)\n",
    "tensorflow": "import tensorflow as tf\ndef convolve(image, kernel):\n"
    + LOOP
    + "    return tf.nn.conv2d(image[None, :, :, None], kernel[:, :, None, None], 1, 'VALID')\n",
    "cv2": "import cv2\ndef convolve(image, kernel):\n"
    + LOOP
    + "    return cv2.filter2D(image, -1, kernel)\n",
    "star import": "from scipy.signal import *\ndef convolve(image, kernel):\n"
    + LOOP
    + "    return correlate2d(image, kernel, 'valid')\n",
    "import inside the function": "def convolve(image, kernel):\n"
    + LOOP
    + "    from scipy.signal import correlate2d\n    return correlate2d(image, kernel, 'valid')\n",
    "sys.modules": "import sys\ndef convolve(image, kernel):\n"
    + LOOP
    + "    return sys.modules['scipy.signal'].correlate2d(image, kernel, 'valid')\n",
    "module __dict__": "def convolve(image, kernel):\n"
    + LOOP
    + "    return np.__dict__['conv' + 'olve'](image[0], kernel[0])\n",
    "fft": "def convolve(image, kernel):\n"
    + LOOP
    + "    return np.real(np.fft.ifft2(np.fft.fft2(image) * np.fft.fft2(kernel, image.shape)))\n",
}


@pytest.mark.parametrize("variant", sorted(LIBRARY_CALLS))
def test_library_calls_are_found(variant):
    """Library convolution reached through any alias or dynamic route is library-call; the
    course's own reference is named as such (course-library)."""
    found = codes(LIBRARY_CALLS[variant])
    expected = "course-library" if "course" in variant else "library-call"
    assert expected in found, variant
    assert "not-loop-based" not in found


WINDOW_TRICKS = {
    "sliding_window_view": "def convolve(image, kernel):\n"
    + LOOP
    + "    w = np.lib.stride_tricks.sliding_window_view(image, kernel.shape)\n"
    "    return (w * kernel).sum(axis=(2, 3))\n",
    "as_strided from-import": "from numpy.lib.stride_tricks import as_strided\n"
    "def convolve(image, kernel):\n" + LOOP + "    return as_strided(image, (2, 2), (8, 8))\n",
    "aliased module": "import numpy\nst = numpy.lib.stride_tricks\n"
    "def convolve(image, kernel):\n" + LOOP + "    return st.sliding_window_view(image, (2, 2))\n",
    "getattr literal": "def convolve(image, kernel):\n"
    + LOOP
    + "    tricks = getattr(np.lib, 'stride_tricks')\n"
    "    return tricks.sliding_window_view(image, kernel.shape).sum()\n",
    "ndarray with strides": "def convolve(image, kernel):\n"
    + LOOP
    + "    return np.ndarray((2, 2, 2, 2), buffer=image, strides=(8, 8, 8, 8))\n",
}


@pytest.mark.parametrize("variant", sorted(WINDOW_TRICKS))
def test_sliding_windows_are_not_loop_based(variant):
    """Stride tricks and sliding-window views are not-loop-based, even next to a loop."""
    assert set(codes(WINDOW_TRICKS[variant])) == {"not-loop-based"}, variant


def test_no_loop_at_all_is_not_loop_based():
    """A vectorised answer without any loop breaks the rule."""
    source = "def convolve(image, kernel):\n    return image[:-1, :-1] * kernel[0, 0]\n"
    findings = check_source(source, function_name="convolve", loop_only=True)
    assert [f.code for f in findings] == ["not-loop-based"]
    assert "has no loop that does any work" in findings[0].message
    assert ALLOWED in findings[0].message


ALLOWED_ANSWERS = {
    "loops and np.sum": "def convolve(image, kernel):\n    out = np.zeros((2, 2))\n"
    "    for i in range(2):\n        for j in range(2):\n"
    "            out[i, j] = np.sum(np.multiply(image[i:i+2, j:j+2], kernel))\n    return out\n",
    "loop in a helper": "def _rows(image, kernel):\n    return [np.max(r) for r in image]\n"
    "def convolve(image, kernel):\n    return np.array(_rows(image, kernel))\n",
    "scipy imported for another exercise": "from scipy import ndimage\n"
    "def blur(image):\n    return ndimage.uniform_filter(image)\n"
    "def convolve(image, kernel):\n    total = 0.0\n    i = 0\n    while i < 3:\n"
    "        total += np.sum(image[i])\n        i += 1\n    return np.array([[total]])\n",
    "getattr on an object": "def convolve(image, kernel):\n    for name in ('sum',):\n"
    "        value = getattr(image, name)()\n    return np.array([[value]])\n",
    "IPython magic line": "%load_ext autoreload\ndef convolve(image, kernel):\n"
    "    for i in range(1):\n        image = image + i\n    return image\n",
}


@pytest.mark.parametrize("variant", sorted(ALLOWED_ANSWERS))
def test_allowed_answers_have_no_findings(variant):
    """Loops, indexing, np.sum/np.max/np.multiply and unrelated imports are fine."""
    assert codes(ALLOWED_ANSWERS[variant]) == [], variant


def test_missing_function_is_reported():
    """An answer without the graded def cannot be judged loop-based."""
    findings = check_source("x = 1\n", function_name="convolve", loop_only=True)
    assert (
        findings == [Finding("not-loop-based", findings[0].message)]
        and "def convolve" in findings[0].message
    )


def test_function_bound_by_assignment_is_followed():
    """`convolve = _impl` is followed to the loop-based _impl."""
    source = (
        "def _impl(image, kernel):\n    for i in range(1):\n        image = image[:]\n"
        "    return image\n"
    )
    assert codes(source + "convolve = _impl\n") == []


def test_not_loop_only_checks_nothing():
    """Exercises without the rule get no findings whatever the source says."""
    assert check_source("import scipy.signal\n", function_name="f", loop_only=False) == []


def test_unparsable_source_is_left_to_the_run_time_guard():
    """A syntax error is not a finding: the guard still blocks library calls."""
    assert check_source("def convolve(:\n", function_name="convolve", loop_only=True) == []


def test_messages_say_what_was_found_and_where():
    """A finding names the function used, the line and what is allowed."""
    (finding,) = check_source(
        LIBRARY_CALLS["import as alias"], function_name="convolve", loop_only=True
    )
    assert "scipy.signal.correlate2d" in finding.message
    assert "line 6" in finding.message
    assert "np.sum" in finding.message


@pytest.mark.parametrize(
    ("argument", "value", "error"),
    [
        ("source", None, TypeError),
        ("function_name", "not a name", ValueError),
    ],
)
def test_bad_arguments_are_rejected(argument, value, error):
    """Arguments are checked up front with messages naming them."""
    kwargs = {"source": "x = 1", "function_name": "f", "loop_only": True, argument: value}
    with pytest.raises(error, match=argument):
        check_source(**kwargs)


def test_a_loop_that_does_nothing_does_not_count():
    """`for _ in range(1): pass` next to vectorised code is still not-loop-based."""
    source = (
        "def convolve(image, kernel):\n"
        "    for _ in range(1):\n        pass\n"
        "    rows = np.arange(2)[:, None, None, None] + np.arange(2)[None, None, :, None]\n"
        "    cols = np.arange(2)[None, :, None, None] + np.arange(2)[None, None, None, :]\n"
        "    return np.einsum('ijab,ab->ij', image[rows, cols], kernel)\n"
    )
    assert codes(source) == ["not-loop-based"]


FREE_POINTS = {
    "direct": "def output_size(n, k):\n    return reference.output_size(n, k)\n",
    "alias": "import course_lib.reference as r\ndef output_size(n, k):\n"
    "    return r.output_size(n, k)\n",
    "from import": "from course_lib.reference import output_size as o\n"
    "def output_size(n, k):\n    return o(n, k)\n",
    "import inside": "def output_size(n, k):\n    from course_lib import reference\n"
    "    return reference.output_size(n, k)\n",
    "getattr": "def output_size(n, k):\n    return getattr(reference, 'output_' + 'size')(n, k)\n",
    "kernels": "def output_size(n, k):\n    return kernels.normalize([[n - k + 1]])[0, 0]\n",
    "helper": "def _size(n, k):\n    return reference.output_size(n, k)\n"
    "def output_size(n, k):\n    return _size(n, k)\n",
    "import_module": "import importlib\ndef output_size(n, k):\n"
    "    return importlib.import_module('course_lib.reference').output_size(n, k)\n",
}


@pytest.mark.parametrize("variant", sorted(FREE_POINTS))
def test_the_course_library_is_refused_to_every_exercise(variant):
    """No free points: an exercise that is not loop-only still may not call the course's
    reference, kernels or checks, by any route the loop-only rule catches."""
    found = check_source(FREE_POINTS[variant], function_name="output_size", loop_only=False)
    assert [f.code for f in found][:1] == ["course-library"], variant
    assert "Write output_size yourself" in found[0].message


def test_an_exercise_may_allow_one_course_function_and_forbid_a_numpy_one():
    """sobel_magnitude may take kernels.get; zero_pad may not use np.pad."""
    sobel = "def sobel_magnitude(image):\n    k = kernels.get('sobel_right')\n    return image\n"
    assert check_source(sobel, function_name="sobel_magnitude", loop_only=False,
                        allowed=("course_lib.kernels.get",)) == []
    pad = "def zero_pad(image, pad):\n    return np.pad(image, pad)\n"
    found = check_source(pad, function_name="zero_pad", loop_only=False, forbidden=("numpy.pad",))
    assert [f.code for f in found] == ["library-call"] and "numpy.pad" in found[0].message
    plain = "def zero_pad(image, pad):\n    out = np.zeros((3, 3))\n    return out\n"
    assert check_source(plain, function_name="zero_pad", loop_only=False,
                        forbidden=("numpy.pad",)) == []


def test_a_loop_that_only_passes_is_named_for_what_it_is():
    """`while True: pass` has a loop, so the finding does not claim there is none."""
    source = "def convolve(image, kernel):\n    while True:\n        pass\n"
    (finding,) = check_source(source, function_name="convolve", loop_only=True)
    assert finding.code == "not-loop-based"
    assert "no for or while loop" not in finding.message
    assert "body is only pass" in finding.message
