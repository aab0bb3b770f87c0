"""The loop-only and course-library rules: one table, read by every check that enforces them.

Three checks enforce what a graded function may use, at three moments:

- the static check (:mod:`course_lib.grading.static`) reads the answer's
  source and refuses a dotted path under a :attr:`Rule.path`;
- the runtime guard (:mod:`course_lib.grading.guard`) replaces the functions
  listed in :attr:`Rule.blocks` while the answer runs, for calls the source
  does not show (an alias made at run time, a helper in another cell); a rule
  without ``blocks`` (``torch``, ``skimage``: not installed with the course)
  is enforced by the static check alone;
- the tampering check (:mod:`course_lib.grader.tamper`) refuses a submission
  that rebinds anything in :data:`PROTECTED_MODULES`, so that neither of the
  other two can be switched off.

To forbid another library function in loop-only exercises, add a
:class:`Rule` to :data:`LIBRARY` (or extend one): the static finding, the
runtime block and the diagnosis all follow from that one row. What one
exercise forbids or allows besides (``numpy.pad`` in the padding exercises,
``course_lib.kernels.get`` in the Sobel one) is said by that exercise
(``forbidden`` and ``allowed`` in ``course_lib/grading/exercises/``).

Examples
--------
>>> [rule.path for rule in COURSE]
['course_lib.reference', 'course_lib.kernels', 'course_lib.grading']
>>> runtime_blocks(LIBRARY)["numpy"]
('convolve', 'correlate')
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["COURSE", "LIBRARY", "PROTECTED_MODULES", "WINDOWS", "Rule", "runtime_blocks"]


@dataclass(frozen=True)
class Rule:
    """One forbidden family of functions.

    Attributes
    ----------
    path : str
        Dotted import path; the static check refuses it and everything under
        it (``"scipy.signal"`` covers ``scipy.signal.convolve2d``).
    what : str
        What the family is, in the words of the student's message.
    blocks : dict of str to tuple of str
        Module name (as in ``sys.modules``) -> function names the runtime
        guard replaces while a graded function runs. Empty for the course's
        own modules, whose public functions are found at run time.
    """

    path: str
    what: str
    blocks: dict[str, tuple[str, ...]] = field(default_factory=dict)


_SCIPY_SIGNAL = ("convolve", "convolve2d", "correlate", "correlate2d", "fftconvolve",
                 "oaconvolve", "sepfir2d")
_SCIPY_NDIMAGE = (
    "convolve", "correlate", "convolve1d", "correlate1d", "uniform_filter", "uniform_filter1d",
    "gaussian_filter", "gaussian_filter1d", "generic_filter", "generic_filter1d",
    "median_filter", "maximum_filter", "maximum_filter1d", "minimum_filter", "minimum_filter1d",
    "rank_filter", "percentile_filter", "sobel", "prewitt", "laplace",
)
_TF_NN = ("conv2d", "convolution", "conv1d", "depthwise_conv2d", "max_pool", "max_pool2d",
          "avg_pool", "avg_pool2d", "pool")
_CV2 = ("filter2D", "sepFilter2D", "blur", "boxFilter", "GaussianBlur", "Sobel", "Laplacian")
_FFT = "an FFT (library convolution by another route)"

LIBRARY: tuple[Rule, ...] = (
    Rule("scipy.signal", "a library convolution/correlation function",
         {"scipy.signal": _SCIPY_SIGNAL}),
    Rule("scipy.ndimage", "a library filtering function",
         {"scipy.ndimage": _SCIPY_NDIMAGE, "scipy.ndimage.filters": _SCIPY_NDIMAGE}),
    Rule("scipy.fft", _FFT),
    Rule("scipy.fftpack", _FFT),
    Rule("numpy.fft", _FFT),
    Rule("numpy.convolve", "a library convolution function", {"numpy": ("convolve",)}),
    Rule("numpy.correlate", "a library correlation function", {"numpy": ("correlate",)}),
    Rule("scipy.convolve", "a library convolution function"),
    # tf.nn is the generated module below; "tensorflow.nn" is not in sys.modules.
    Rule("tensorflow", "TensorFlow", {"tensorflow._api.v2.nn": _TF_NN}),
    Rule("keras", "Keras"),
    Rule("torch", "PyTorch"),
    Rule("jax", "JAX"),
    Rule("cv2", "OpenCV", {"cv2": _CV2}),
    Rule("skimage", "scikit-image"),
    Rule("PIL.ImageFilter", "Pillow's filters"),
    Rule("astropy.convolution", "astropy's convolution"),
)
"""Library convolution, filtering and FFT functions: refused in loop-only exercises
(diagnosis ``library-call``)."""

WINDOWS: tuple[Rule, ...] = (
    Rule("numpy.lib.stride_tricks", "a sliding-window view (stride tricks)",
         {"numpy.lib.stride_tricks": ("sliding_window_view", "as_strided")}),
    Rule("numpy.lib._stride_tricks_impl", "a sliding-window view (stride tricks)"),
)
"""Sliding-window views: refused in loop-only exercises (diagnosis ``not-loop-based``)."""

COURSE: tuple[Rule, ...] = (
    Rule("course_lib.reference", "the course's reference implementations"),
    Rule("course_lib.kernels", "the course's kernel helpers"),
    Rule("course_lib.grading", "the course's grading checks"),
)
"""The course's own modules that hold answers: no graded function may call them
(diagnosis ``course-library``), unless its exercise allows one function by name
(``course_lib.kernels.get``)."""

PROTECTED_MODULES = ("numpy", "scipy", "builtins", "__builtins__", "sys", "importlib", "course_lib")
"""Modules whose objects a submission must leave alone (diagnosis ``tampering``):
rebinding them could switch off the checks above or the comparison of results."""


def runtime_blocks(rules: tuple[Rule, ...]) -> dict[str, tuple[str, ...]]:
    """Module name -> function names the runtime guard blocks, merged over ``rules``."""
    merged: dict[str, tuple[str, ...]] = {}
    for rule in rules:
        for module, names in rule.blocks.items():
            merged[module] = tuple(dict.fromkeys(merged.get(module, ()) + names))
    return merged
