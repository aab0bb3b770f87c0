"""The course's one corpus of typical answers to its 14 graded functions, with what the
grader must say of each.

- :data:`CORRECT`: a correct answer to every graded function, written plainly (the
  masters hold the other: :func:`sample_class.master_answers`);
- :data:`ANSWERS`, the diagnosis catalogue: the classic bugs of each exercise as small
  edits of :data:`CORRECT` (``wrong()``), pairs of bugs together, and mistakes no model
  covers (which must get a generic code, never a wrong specific one);
- :data:`SAMPLES`: what the students of the sample class hand in, hostile code among
  it (a hang, a crash, tampering).

Each :class:`Answer` carries the diagnosis codes it must get (``expected``; empty:
generic codes only) and the grader's verdict. The sample class
(``autograde/sample_class.py``), the diagnosis catalogue's test
(tests/test_diagnosis_catalogue.py: precision, seed independence, examples), the
sample class's test (tests/test_sample_class.py) and the exercise and grader tests
draw their answers from here: to add a typical mistake, add it here once.
"""

from __future__ import annotations

from dataclasses import dataclass

CORRECT = {
    "output_size": '''
def output_size(image_size, kernel_size):
    if image_size < 1 or kernel_size < 1:
        raise ValueError("sizes must be at least 1")
    if kernel_size > image_size:
        raise ValueError("kernel larger than image")
    return image_size - kernel_size + 1
''',
    "convolve": '''
def convolve(image, kernel):
    image = np.asarray(image, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(image[i:i + kh, j:j + kw] * kernel)
    return out
''',
    "pad_width": '''
def pad_width(kernel_size):
    if kernel_size < 1:
        raise ValueError("kernel_size must be at least 1")
    total = kernel_size - 1
    before = total // 2
    return before, total - before
''',
    "zero_pad": '''
def zero_pad(image, pad):
    image = np.asarray(image, dtype=np.float64)
    if isinstance(pad, (int, np.integer)):
        pad = ((pad, pad), (pad, pad))
    (top, bottom), (left, right) = pad
    if min(top, bottom, left, right) < 0:
        raise ValueError("negative padding")
    height, width = image.shape
    out = np.zeros((height + top + bottom, width + left + right))
    out[top:top + height, left:left + width] = image
    return out
''',
    "convolve_same": '''
def convolve_same(image, kernel):
    image = np.asarray(image, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    kh, kw = kernel.shape
    top, left = (kh - 1) // 2, (kw - 1) // 2
    bottom, right = kh - 1 - top, kw - 1 - left
    padded = np.zeros((image.shape[0] + kh - 1, image.shape[1] + kw - 1))
    padded[top:top + image.shape[0], left:left + image.shape[1]] = image
    out = np.zeros(image.shape)
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(padded[i:i + kh, j:j + kw] * kernel)
    return out
''',
    "conv_output_size": '''
def conv_output_size(n, k, padding=0, stride=1):
    if n < 1 or k < 1 or stride < 1 or padding < 0:
        raise ValueError("bad sizes")
    if k > n + 2 * padding:
        raise ValueError("kernel longer than the padded input")
    return (n + 2 * padding - k) // stride + 1
''',
    "normalize_kernel": '''
def normalize_kernel(kernel):
    kernel = np.array(kernel, dtype=np.float64)
    total = kernel.sum()
    if total == 0:
        return kernel
    return kernel / total
''',
    "clamp": '''
def clamp(image, low=0, high=255):
    if low > high:
        raise ValueError("low must not exceed high")
    image = np.array(image, dtype=np.float64)
    return np.minimum(np.maximum(image, low), high)
''',
    "sobel_magnitude": '''
def sobel_magnitude(image):
    image = np.asarray(image, dtype=np.float64)
    rows, cols = image.shape
    padded = np.zeros((rows + 2, cols + 2))
    padded[1:-1, 1:-1] = image
    right, bottom = kernels.get("sobel_right"), kernels.get("sobel_bottom")
    gx = np.zeros((rows, cols))
    gy = np.zeros((rows, cols))
    for a in range(3):
        for b in range(3):
            gx += right[a, b] * padded[a:a + rows, b:b + cols]
            gy += bottom[a, b] * padded[a:a + rows, b:b + cols]
    return np.sqrt(gx ** 2 + gy ** 2)
''',
    "max_pool": '''
def max_pool(image, size=2, stride=None):
    image = np.asarray(image, dtype=np.float64)
    if stride is None:
        stride = size
    rows = (image.shape[0] - size) // stride + 1
    cols = (image.shape[1] - size) // stride + 1
    out = np.zeros((rows, cols))
    for i in range(rows):
        for j in range(cols):
            out[i, j] = np.max(image[i * stride:i * stride + size, j * stride:j * stride + size])
    return out
''',
    "avg_pool": '''
def avg_pool(image, size=2, stride=None):
    image = np.asarray(image, dtype=np.float64)
    if stride is None:
        stride = size
    rows = (image.shape[0] - size) // stride + 1
    cols = (image.shape[1] - size) // stride + 1
    out = np.zeros((rows, cols))
    for i in range(rows):
        for j in range(cols):
            out[i, j] = np.mean(image[i * stride:i * stride + size, j * stride:j * stride + size])
    return out
''',
    "to_nhwc": '''
def to_nhwc(image):
    image = np.asarray(image)
    if image.ndim != 2:
        raise ValueError("image must be 2-D")
    return image.astype(np.float32)[np.newaxis, :, :, np.newaxis]
''',
    "to_hwio": '''
def to_hwio(kernel):
    kernel = np.asarray(kernel)
    if kernel.ndim != 2:
        raise ValueError("kernel must be 2-D")
    return kernel.astype(np.float32)[:, :, np.newaxis, np.newaxis]
''',
    "tf_same_padding": '''
def tf_same_padding(n, k, stride):
    out = -(-n // stride)
    pad = max((out - 1) * stride + k - n, 0)
    before = pad // 2
    return before, pad - before
''',
}
"""A correct answer to every graded function (checked by the catalogue's own test)."""


@dataclass(frozen=True)
class Answer:
    """A wrong answer, and what the grader must say of it.

    Attributes
    ----------
    function, label : str
        The graded function it answers, and what is wrong, in a few words.
    source : str
        The answer cell's code.
    expected : tuple of str
        The specific diagnosis codes it must get (empty: generic codes only).
    status : str
        The grader's verdict on its hidden test cell: ``"failed"``, or
        ``"timeout"``, ``"crashed"`` and ``"rejected"`` for code that cannot be run
        in the grader's own process.
    """

    function: str
    label: str
    source: str
    expected: tuple[str, ...]
    status: str = "failed"

    @property
    def name(self) -> str:
        """``"<function>: <label>"``, unique in the corpus."""
        return f"{self.function}: {self.label}"


def edit(function: str, *changes: tuple[str, str]) -> str:
    """The correct answer to ``function`` with each ``(old, new)`` of ``changes`` made.

    Raises
    ------
    ValueError
        If an ``old`` text is not in the answer (the edit would silently do nothing).

    Examples
    --------
    >>> print(edit("output_size", ("kernel_size + 1", "kernel_size")).strip().splitlines()[-1])
        return image_size - kernel_size
    """
    source = CORRECT[function]
    for old, new in changes:
        if old not in source:
            raise ValueError(f"{old!r} is not in the correct answer to {function}")
        source = source.replace(old, new)
    return source


def define(source: str, name: str, **names):
    """Run ``source`` as a notebook cell would (``np``, ``kernels``, ``reference`` and
    ``names`` defined) and return its function ``name``."""
    import numpy as np

    from course_lib import kernels, reference

    namespace = {"np": np, "kernels": kernels, "reference": reference, **names}
    exec(compile(source, f"<answer {name}>", "exec"), namespace)  # noqa: S102
    return namespace[name]


def named(name: str) -> Answer:
    """The catalogue's answer called ``name`` (``"<function>: <label>"``); the sample
    class's answers are ``SAMPLES[name]``.

    Raises
    ------
    KeyError
        If the catalogue has no answer of that name.
    """
    for answer in ANSWERS:
        if answer.name == name:
            return answer
    raise KeyError(f"no answer named {name!r} in the catalogue")


ANSWERS: list[Answer] = []
"""The catalogue: wrong answers run in the grader's own process (``wrong()`` adds one)."""


def wrong(function: str, label: str, expected, *changes, source: str | None = None) -> None:
    """Add a wrong answer: the correct one with ``changes`` (old, new), or ``source``."""
    text = source if source is not None else edit(function, *changes)
    expected = (expected,) if isinstance(expected, str) else tuple(expected)
    ANSWERS.append(Answer(function, label, text, expected))


# -- output_size ------------------------------------------------------------------------
wrong("output_size", "forgets the + 1", "off-by-one",
      ("return image_size - kernel_size + 1", "return image_size - kernel_size"))
wrong("output_size", "adds 2", "off-by-one",
      ("return image_size - kernel_size + 1", "return image_size - kernel_size + 2"))
wrong("output_size", "FULL size n + k - 1", "wrong-formula",
      ("return image_size - kernel_size + 1", "return image_size + kernel_size - 1"))
wrong("output_size", "SAME size n", "wrong-formula",
      ("return image_size - kernel_size + 1", "return image_size"))
wrong("output_size", "returns a float", "not-an-int",
      ("return image_size - kernel_size + 1", "return (image_size - kernel_size + 1) / 1"))
wrong("output_size", "no ValueError for a kernel larger than the image", "missing-error",
      ('    if kernel_size > image_size:\n        raise ValueError("kernel larger than image")\n',
       ""))
wrong("output_size", "no ValueError for sizes below 1", "missing-error",
      ('    if image_size < 1 or kernel_size < 1:\n        raise ValueError("sizes must be at '
       'least 1")\n', ""))
wrong("output_size", "raises TypeError instead of ValueError", "wrong-exception",
      ('raise ValueError("kernel larger than image")', 'raise TypeError("kernel too large")'))
wrong("output_size", "the course's reference", "course-library",
      source="def output_size(image_size, kernel_size):\n"
             "    return reference.output_size(image_size, kernel_size)\n")

# -- convolve ---------------------------------------------------------------------------
wrong("convolve", "flips the kernel", "flipped-kernel",
      ("kernel = np.asarray(kernel, dtype=np.float64)",
       "kernel = np.asarray(kernel, dtype=np.float64)[::-1, ::-1]"))
wrong("convolve", "transposed indexing", "transposed",
      ("kernel = np.asarray(kernel, dtype=np.float64)",
       "kernel = np.asarray(kernel, dtype=np.float64).T"))
wrong("convolve", "uint8 output (zeros_like)", "integer-dtype",
      ("    image = np.asarray(image, dtype=np.float64)\n", ""),
      ("out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))",
       "out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1), dtype=image.dtype)"))
wrong("convolve", "output one row and column short", "wrong-shape",
      ("out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))",
       "out = np.zeros((image.shape[0] - kh, image.shape[1] - kw))"))
wrong("convolve", "clamps to 0..255", "clipped",
      ("    return out", "    return np.clip(out, 0, 255)"))
wrong("convolve", "window shifted by one row", "shifted-window",
      ("    for i in range(out.shape[0]):",
       "    below = np.zeros((image.shape[0] + 1, image.shape[1]))\n"
       "    below[:-1] = image\n    for i in range(out.shape[0]):"),
      ("image[i:i + kh, j:j + kw]", "below[i + 1:i + 1 + kh, j:j + kw]"))
wrong("convolve", "square-only (rows for both axes)", "square-only",
      ("out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))",
       "out = np.zeros((image.shape[0] - kh + 1, image.shape[0] - kw + 1))"))
wrong("convolve", "nine products written out (3x3 only)", "fixed-kernel-size", source='''
def convolve(image, kernel):
    image = np.asarray(image, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    out = np.zeros((image.shape[0] - kernel.shape[0] + 1, image.shape[1] - kernel.shape[1] + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            total = 0.0
            for a in range(3):
                for b in range(3):
                    if i + a < image.shape[0] and j + b < image.shape[1]:
                        total += image[i + a, j + b] * kernel[min(a, kernel.shape[0] - 1),
                                                              min(b, kernel.shape[1] - 1)]
            out[i, j] = total
    return out
''')
wrong("convolve", "uint8 output and a fixed 3x3 window", ("integer-dtype", "fixed-kernel-size"),
      source='''
def convolve(image, kernel):
    kernel = np.asarray(kernel, dtype=np.float64)
    out = np.zeros((image.shape[0] - kernel.shape[0] + 1, image.shape[1] - kernel.shape[1] + 1),
                   dtype=image.dtype)
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            total = 0.0
            for a in range(3):
                for b in range(3):
                    if i + a < image.shape[0] and j + b < image.shape[1]:
                        total += float(image[i + a, j + b]) * kernel[
                            min(a, kernel.shape[0] - 1), min(b, kernel.shape[1] - 1)]
            out[i, j] = total
    return out
''')
wrong("convolve", "SAME-sized output", "wrong-shape", source='''
def convolve(image, kernel):
    image = np.asarray(image, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    kh, kw = kernel.shape
    top, left = (kh - 1) // 2, (kw - 1) // 2
    padded = np.zeros((image.shape[0] + kh - 1, image.shape[1] + kw - 1))
    padded[top:top + image.shape[0], left:left + image.shape[1]] = image
    out = np.zeros(image.shape)
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(padded[i:i + kh, j:j + kw] * kernel)
    return out
''')
wrong("convolve", "changes the caller's image", "mutates-input",
      ("image = np.asarray(image, dtype=np.float64)",
       "image = np.asarray(image, dtype=np.float64)\n    if image.flags.writeable:\n"
       "        image *= 1.0\n    original = image"),
      ("    return out", "    if original.flags.writeable and original.size:\n"
       "        original[0, 0] = 0\n    return out"))
wrong("convolve", "returns a list", "not-an-array", ("    return out", "    return out.tolist()"))
wrong("convolve", "library correlation", "library-call",
      source="import scipy.signal\n\ndef convolve(image, kernel):\n    for row in image:\n"
             "        assert len(row)\n"
             "    return scipy.signal.correlate2d(image, kernel, mode='valid')\n")
wrong("convolve", "crops instead of filtering (no model)", (),
      ("out[i, j] = np.sum(image[i:i + kh, j:j + kw] * kernel)", "out[i, j] = image[i, j]"))
wrong("convolve", "flipped and one short (the shape hides the flip)", "wrong-shape",
      ("kernel = np.asarray(kernel, dtype=np.float64)",
       "kernel = np.asarray(kernel, dtype=np.float64)[::-1, ::-1]"),
      ("out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))",
       "out = np.zeros((image.shape[0] - kh, image.shape[1] - kw))"))

# -- pad_width --------------------------------------------------------------------------
wrong("pad_width", "extra pixel before", "wrong-padding",
      ("return before, total - before", "return total - before, before"))
wrong("pad_width", "k // 2 on both sides", "wrong-padding",
      ("return before, total - before", "return kernel_size // 2, kernel_size // 2"))
wrong("pad_width", "(k - 1) // 2 on both sides", "wrong-padding",
      ("return before, total - before", "return before, before"))
wrong("pad_width", "no ValueError below 1", "missing-error",
      ('    if kernel_size < 1:\n        raise ValueError("kernel_size must be at least 1")\n', ""))
wrong("pad_width", "floats", "not-an-int",
      ("return before, total - before", "return float(before), float(total - before)"))
wrong("pad_width", "the course's reference", "course-library",
      source="def pad_width(kernel_size):\n    return reference.same_padding(kernel_size, "
             "kernel_size)\n")

# -- zero_pad ---------------------------------------------------------------------------
wrong("zero_pad", "out[p:-p] slicing", "pad-zero-broken",
      ("out[top:top + height, left:left + width] = image",
       "out[top:-bottom, left:-right] = image"))
wrong("zero_pad", "an int pad only", "ignores-pair-form", source='''
def zero_pad(image, pad):
    image = np.asarray(image, dtype=np.float64)
    if pad < 0:
        raise ValueError("negative padding")
    out = np.zeros((image.shape[0] + 2 * pad, image.shape[1] + 2 * pad))
    out[pad:pad + image.shape[0], pad:pad + image.shape[1]] = image
    return out
''')
wrong("zero_pad", "edge copies instead of zeros", "wrong-padding",
      ("    out = np.zeros((height + top + bottom, width + left + right))\n"
       "    out[top:top + height, left:left + width] = image",
       "    rows = np.clip(np.arange(-top, height + bottom), 0, height - 1)\n"
       "    cols = np.clip(np.arange(-left, width + right), 0, width - 1)\n"
       "    out = image[rows][:, cols]"))
wrong("zero_pad", "reads ((top, left), (bottom, right))", "wrong-padding",
      ("(top, bottom), (left, right) = pad", "(top, left), (bottom, right) = pad"))
wrong("zero_pad", "all the zeros before", "wrong-padding",
      ("out[top:top + height, left:left + width] = image",
       "out[top + bottom:, left + right:] = image"))
wrong("zero_pad", "np.pad", "library-call",
      ("    out = np.zeros((height + top + bottom, width + left + right))\n"
       "    out[top:top + height, left:left + width] = image",
       "    out = np.pad(image, ((top, bottom), (left, right)))"))
wrong("zero_pad", "keeps the image's dtype", "integer-dtype",
      ("    image = np.asarray(image, dtype=np.float64)\n", "    image = np.asarray(image)\n"),
      ("out = np.zeros((height + top + bottom, width + left + right))",
       "out = np.zeros((height + top + bottom, width + left + right), dtype=image.dtype)"))
wrong("zero_pad", "no ValueError for a negative pad", "missing-error",
      ('    if min(top, bottom, left, right) < 0:\n        raise ValueError("negative padding")\n',
       "    top, bottom, left, right = (max(v, 0) for v in (top, bottom, left, right))\n"))
wrong("zero_pad", "returns the image itself for pad 0", "returns-input",
      ("    height, width = image.shape\n",
       "    if top == bottom == left == right == 0:\n        return image\n"
       "    height, width = image.shape\n"))
wrong("zero_pad", "the course's reference", "course-library",
      source="def zero_pad(image, pad):\n    return reference.pad(image, pad)\n")

# -- convolve_same ----------------------------------------------------------------------
wrong("convolve_same", "no padding (VALID)", "wrong-padding", source='''
def convolve_same(image, kernel):
    image = np.asarray(image, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(image[i:i + kh, j:j + kw] * kernel)
    return out
''')
wrong("convolve_same", "extra padding before", "wrong-padding",
      ("top, left = (kh - 1) // 2, (kw - 1) // 2", "top, left = kh // 2, kw // 2"))
wrong("convolve_same", "flips the kernel", "flipped-kernel",
      ("kernel = np.asarray(kernel, dtype=np.float64)",
       "kernel = np.asarray(kernel, dtype=np.float64)[::-1, ::-1]"))
wrong("convolve_same", "transposed kernel", "transposed",
      ("kernel = np.asarray(kernel, dtype=np.float64)",
       "kernel = np.asarray(kernel, dtype=np.float64).T"),
      ("kh, kw = kernel.shape", "kh, kw = kernel.shape"))
wrong("convolve_same", "uint8 arithmetic", "integer-dtype",
      ("    image = np.asarray(image, dtype=np.float64)\n", ""),
      ("out = np.zeros(image.shape)", "out = np.zeros(image.shape, dtype=image.dtype)"))
wrong("convolve_same", "the course's reference", "course-library",
      source="def convolve_same(image, kernel):\n    for row in image:\n"
             "        assert len(row)\n"
             "    return reference.correlate2d(image, kernel, padding='same')\n")
wrong("convolve_same", "p:-p padding breaks for kernels of side 1 or 2", "pad-zero-broken",
      ("padded[top:top + image.shape[0], left:left + image.shape[1]] = image",
       "padded[top:-bottom, left:-right] = image"))

# -- conv_output_size -------------------------------------------------------------------
wrong("conv_output_size", "padding added once", "padding-once",
      ("return (n + 2 * padding - k) // stride + 1", "return (n + padding - k) // stride + 1"))
wrong("conv_output_size", "ignores the stride", "ignores-stride",
      ("return (n + 2 * padding - k) // stride + 1", "return n + 2 * padding - k + 1"))
wrong("conv_output_size", "ignores the padding", "ignores-padding",
      ("return (n + 2 * padding - k) // stride + 1", "return (n - k) // stride + 1"))
wrong("conv_output_size", "true division (a float, not rounded down)", ("no-floor", "not-an-int"),
      ("return (n + 2 * padding - k) // stride + 1", "return (n + 2 * padding - k) / stride + 1"))
wrong("conv_output_size", "rounds up", "ceil-instead-of-floor",
      ("return (n + 2 * padding - k) // stride + 1",
       "return -(-(n + 2 * padding - k) // stride) + 1"))
wrong("conv_output_size", "forgets the + 1", "off-by-one",
      ("return (n + 2 * padding - k) // stride + 1", "return (n + 2 * padding - k) // stride"))
wrong("conv_output_size", "no ValueError for a kernel longer than the padded input",
      "missing-error",
      ('    if k > n + 2 * padding:\n        raise ValueError("kernel longer than the padded '
       'input")\n', ""))

# -- normalize_kernel -------------------------------------------------------------------
wrong("normalize_kernel", "divides by zero", "divides-by-zero",
      ("    if total == 0:\n        return kernel\n", ""))
wrong("normalize_kernel", "zeros for a zero sum", "zero-sum-gives-zeros",
      ("        return kernel\n    return", "        return np.zeros(kernel.shape)\n    return"))
wrong("normalize_kernel", "divides by the count", "divides-by-count",
      ("return kernel / total", "return kernel / kernel.size"))
wrong("normalize_kernel", "divides by the absolute sum", "divides-by-abs-sum",
      ("return kernel / total", "return kernel / np.abs(kernel).sum()"))
wrong("normalize_kernel", "integer division", "integer-division",
      ("return kernel / total", "return kernel // total"))
wrong("normalize_kernel", "divides the caller's kernel in place", "mutates-input", source='''
def normalize_kernel(kernel):
    if kernel.dtype.kind != "f":
        kernel = kernel.astype(float)
    total = kernel.sum()
    if total != 0 and kernel.flags.writeable:
        kernel /= total
    elif total != 0:
        kernel = kernel / total
    return kernel
''')
wrong("normalize_kernel", "the course's kernels", "course-library",
      source="def normalize_kernel(kernel):\n    return kernels.normalize(kernel)\n")

# -- clamp ------------------------------------------------------------------------------
wrong("clamp", "np.clip keeps integer dtypes and accepts low > high",
      ("integer-dtype", "missing-error"),
      source="def clamp(image, low=0, high=255):\n    return np.clip(image, low, high)\n")
wrong("clamp", "swapped minimum and maximum", "swapped-bounds",
      ("return np.minimum(np.maximum(image, low), high)",
       "return np.maximum(np.minimum(image, low), high)"))
wrong("clamp", "no upper bound", "missing-upper-bound",
      ("return np.minimum(np.maximum(image, low), high)", "return np.maximum(image, low)"))
wrong("clamp", "no lower bound", "missing-lower-bound",
      ("return np.minimum(np.maximum(image, low), high)", "return np.minimum(image, high)"))
wrong("clamp", "always 0..255", "fixed-bounds",
      ("return np.minimum(np.maximum(image, low), high)",
       "return np.minimum(np.maximum(image, 0), 255)"))

# -- sobel_magnitude --------------------------------------------------------------------
wrong("sobel_magnitude", "|gx| + |gy|", "abs-sum",
      ("return np.sqrt(gx ** 2 + gy ** 2)", "return np.abs(gx) + np.abs(gy)"))
wrong("sobel_magnitude", "no square root", "missing-sqrt",
      ("return np.sqrt(gx ** 2 + gy ** 2)", "return gx ** 2 + gy ** 2"))
wrong("sobel_magnitude", "only gx", "one-direction",
      ("return np.sqrt(gx ** 2 + gy ** 2)", "return np.abs(gx)"))
wrong("sobel_magnitude", "VALID (two short)", "valid-not-same", source='''
def sobel_magnitude(image):
    image = np.asarray(image, dtype=np.float64)
    rows, cols = image.shape[0] - 2, image.shape[1] - 2
    right, bottom = kernels.get("sobel_right"), kernels.get("sobel_bottom")
    gx = np.zeros((rows, cols))
    gy = np.zeros((rows, cols))
    for a in range(3):
        for b in range(3):
            gx += right[a, b] * image[a:a + rows, b:b + cols]
            gy += bottom[a, b] * image[a:a + rows, b:b + cols]
    return np.sqrt(gx ** 2 + gy ** 2)
''')
wrong("sobel_magnitude", "edge padding", "wrong-padding",
      ("    padded = np.zeros((rows + 2, cols + 2))\n    padded[1:-1, 1:-1] = image\n",
       "    padded = np.pad(image, 1, mode='edge')\n"))
wrong("sobel_magnitude", "the course's reference", "course-library", source='''
def sobel_magnitude(image):
    gx = reference.correlate2d(image, kernels.get("sobel_right"), padding="same")
    gy = reference.correlate2d(image, kernels.get("sobel_bottom"), padding="same")
    return np.sqrt(gx ** 2 + gy ** 2)
''')
wrong("sobel_magnitude", "uint8 arithmetic", "integer-dtype",
      ("return np.sqrt(gx ** 2 + gy ** 2)",
       "return np.sqrt(gx ** 2 + gy ** 2).astype(np.uint8)"))
wrong("sobel_magnitude", "clamps to 0..255", "clipped",
      ("return np.sqrt(gx ** 2 + gy ** 2)", "return np.clip(np.sqrt(gx ** 2 + gy ** 2), 0, 255)"))

# -- max_pool ---------------------------------------------------------------------------
wrong("max_pool", "first pixel of each window (the tutorial's pixels[0])", "first-element",
      ("out[i, j] = np.max(image[i * stride:i * stride + size, j * stride:j * stride + size])",
       "out[i, j] = image[i * stride, j * stride]"))
wrong("max_pool", "always steps by the size", "ignores-stride",
      ("if stride is None:\n        stride = size", "stride = size"))
wrong("max_pool", "running maximum starts at 0", "max-starts-at-zero",
      ("out[i, j] = np.max(image[i * stride:i * stride + size, j * stride:j * stride + size])",
       "best = 0\n            for value in image[i * stride:i * stride + size,"
       " j * stride:j * stride + size].flat:\n                best = max(best, value)\n"
       "            out[i, j] = best"))
wrong("max_pool", "output size H // stride", "wrong-shape",
      ("rows = (image.shape[0] - size) // stride + 1", "rows = image.shape[0] // stride"),
      ("cols = (image.shape[1] - size) // stride + 1", "cols = image.shape[1] // stride"))
wrong("max_pool", "minimum", "min-instead-of-max", ("np.max(image[", "np.min(image["))
wrong("max_pool", "mean", "average-instead-of-max", ("np.max(image[", "np.mean(image["))
wrong("max_pool", "transposed output", "transposed", ("    return out", "    return out.T"))
wrong("max_pool", "reshape trick without loops", "not-loop-based", source='''
def max_pool(image, size=2, stride=None):
    rows, cols = image.shape[0] // size, image.shape[1] // size
    trimmed = image[:rows * size, :cols * size].astype(float)
    return trimmed.reshape(rows, size, cols, size).max(axis=(1, 3))
''')
wrong("max_pool", "square images only and ignores the stride", ("ignores-stride", "square-only"),
      ("if stride is None:\n        stride = size",
       "if image.shape[0] != image.shape[1]:\n        raise ValueError('square images only')\n"
       "    stride = size"))
wrong("max_pool", "keeps the image's dtype", "integer-dtype",
      ("    image = np.asarray(image, dtype=np.float64)\n", "    image = np.asarray(image)\n"),
      ("out = np.zeros((rows, cols))", "out = np.zeros((rows, cols), dtype=image.dtype)"))
wrong("max_pool", "keeps partial windows (rounds up)", "wrong-shape",
      ("rows = (image.shape[0] - size) // stride + 1",
       "rows = -(-(image.shape[0] - size) // stride) + 1"),
      ("cols = (image.shape[1] - size) // stride + 1",
       "cols = -(-(image.shape[1] - size) // stride) + 1"))
wrong("max_pool", "scipy's maximum_filter", "library-call", source='''
from scipy.ndimage import maximum_filter

def max_pool(image, size=2, stride=None):
    stride = size if stride is None else stride
    filtered = maximum_filter(image.astype(float), size=size, origin=-(size // 2))
    out = []
    for r in range(0, image.shape[0] - size + 1, stride):
        out.append(filtered[r, :image.shape[1] - size + 1:stride])
    return np.array(out)
''')

# -- avg_pool ---------------------------------------------------------------------------
wrong("avg_pool", "sum instead of mean", "sum-instead-of-average",
      ("np.mean(image[", "np.sum(image["))
wrong("avg_pool", "divides by size", "wrong-divisor",
      ("out[i, j] = np.mean(image[i * stride:i * stride + size, j * stride:j * stride + size])",
       "out[i, j] = np.sum(image[i * stride:i * stride + size, j * stride:j * stride + size])"
       " / size"))
wrong("avg_pool", "maximum", "max-instead-of-average", ("np.mean(image[", "np.max(image["))
wrong("avg_pool", "divides with //", "integer-division",
      ("out[i, j] = np.mean(image[i * stride:i * stride + size, j * stride:j * stride + size])",
       "out[i, j] = np.sum(image[i * stride:i * stride + size, j * stride:j * stride + size])"
       " // (size * size)"))
wrong("avg_pool", "always steps by the size", "ignores-stride",
      ("if stride is None:\n        stride = size", "stride = size"))
wrong("avg_pool", "first pixel of each window", "first-element",
      ("out[i, j] = np.mean(image[i * stride:i * stride + size, j * stride:j * stride + size])",
       "out[i, j] = image[i * stride, j * stride]"))
wrong("avg_pool", "transposed output", "transposed", ("    return out", "    return out.T"))
wrong("avg_pool", "keeps the image's dtype", "integer-dtype",
      ("    image = np.asarray(image, dtype=np.float64)\n", "    image = np.asarray(image)\n"),
      ("out = np.zeros((rows, cols))", "out = np.zeros((rows, cols), dtype=image.dtype)"))
wrong("avg_pool", "keeps partial windows (rounds up)", "wrong-shape",
      ("rows = (image.shape[0] - size) // stride + 1",
       "rows = -(-(image.shape[0] - size) // stride) + 1"),
      ("cols = (image.shape[1] - size) // stride + 1",
       "cols = -(-(image.shape[1] - size) // stride) + 1"))

# -- to_nhwc, to_hwio, tf_same_padding ---------------------------------------------------
wrong("to_nhwc", "PyTorch's NCHW", "nchw-layout",
      ("[np.newaxis, :, :, np.newaxis]", "[np.newaxis, np.newaxis, :, :]"))
wrong("to_nhwc", "float64", "wrong-dtype", ("image.astype(np.float32)", "image.astype(np.float64)"))
wrong("to_nhwc", "no batch axis", "missing-axis",
      ("[np.newaxis, :, :, np.newaxis]", "[:, :, np.newaxis]"))
wrong("to_nhwc", "no ValueError for 3-D input", "missing-error",
      ('    if image.ndim != 2:\n        raise ValueError("image must be 2-D")\n', ""),
      ("[np.newaxis, :, :, np.newaxis]", "[np.newaxis, ..., np.newaxis]"))
wrong("to_nhwc", "transposed", "transposed",
      ("image.astype(np.float32)[np.newaxis", "image.T.astype(np.float32)[np.newaxis"))
wrong("to_nhwc", "int32", "integer-dtype", ("image.astype(np.float32)", "image.astype(np.int32)"))
wrong("to_nhwc", "the new axes after the image's", "wrong-layout",
      ("[np.newaxis, :, :, np.newaxis]", "[:, :, np.newaxis, np.newaxis]"))
wrong("to_hwio", "flips the kernel", "flipped-kernel",
      ("kernel.astype(np.float32)", "kernel[::-1, ::-1].astype(np.float32)"))
wrong("to_hwio", "PyTorch's OIHW", "oihw-layout",
      ("[:, :, np.newaxis, np.newaxis]", "[np.newaxis, np.newaxis, :, :]"))
wrong("to_hwio", "transposed", "transposed",
      ("kernel.astype(np.float32)", "kernel.T.astype(np.float32)"))
wrong("to_hwio", "the layout of an image (NHWC)", "wrong-layout",
      ("[:, :, np.newaxis, np.newaxis]", "[np.newaxis, :, :, np.newaxis]"))
wrong("to_hwio", "keeps the input's dtype (int stays int, float64 stays float64)",
      ("integer-dtype", "wrong-dtype"), ("kernel.astype(np.float32)", "kernel"))
wrong("tf_same_padding", "extra pixel before", "extra-before",
      ("return before, pad - before", "return pad - before, before"))
wrong("tf_same_padding", "as if the stride were 1", "ignores-stride",
      source="def tf_same_padding(n, k, stride):\n    return (k - 1) // 2, k - 1 - (k - 1) // 2\n")
wrong("tf_same_padding", "negative padding", "negative-padding",
      ("pad = max((out - 1) * stride + k - n, 0)", "pad = (out - 1) * stride + k - n"))
wrong("tf_same_padding", "floor for the output size", "floor-output",
      ("out = -(-n // stride)", "out = n // stride"))
wrong("tf_same_padding", "the same padding on both sides", "wrong-split",
      ("return before, pad - before", "return before, before"))
wrong("tf_same_padding", "the total, not a pair", "wrong-type",
      ("    before = pad // 2\n    return before, pad - before", "    return pad"))


# == The sample class's answers =========================================================
# What the students of autograde/samples hand in (autograde/sample_class.py), kept
# letter for letter: the sample class, and the records it is graded to, depend on it.

_LOOP_HEADER = '''def convolve(image, kernel):
    """Sample answer."""
    image = np.asarray(image, dtype=float)
    kernel = np.asarray(kernel, dtype=float)
'''

_CONVOLVE_FLIPPED = _LOOP_HEADER + '''    kernel = kernel[::-1, ::-1]
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(image[i:i + kh, j:j + kw] * kernel)
    return out
'''

_CONVOLVE_TRANSPOSED = _LOOP_HEADER + '''    kernel = kernel.T
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(image[i:i + kh, j:j + kw] * kernel)
    return out
'''

_CONVOLVE_UINT8 = '''def convolve(image, kernel):
    """Sample answer: keeps the input dtype, so uint8 results wrap around."""
    kernel = np.asarray(kernel)
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1), dtype=image.dtype)
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(image[i:i + kh, j:j + kw] * kernel)
    return out
'''

_CONVOLVE_OFF_BY_ONE = _LOOP_HEADER + '''    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh, image.shape[1] - kw))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(image[i:i + kh, j:j + kw] * kernel)
    return out
'''

_OUTPUT_SIZE_OFF_BY_ONE = '''def output_size(image_size, kernel_size):
    """Sample answer that forgets the + 1."""
    if kernel_size > image_size:
        raise ValueError("kernel_size must not exceed image_size")
    return image_size - kernel_size
'''

_CONVOLVE_HANG = '''def convolve(image, kernel):
    """Sample answer whose loop never ends."""
    i = 0
    while i < 10:
        pass
    return image
'''

_CONVOLVE_CRASH = '''import os


def convolve(image, kernel):
    """Sample answer that ends the process."""
    os._exit(0)
'''

_CONVOLVE_TAMPER = '''import numpy as np
from course_lib import grading

np.allclose = lambda *args, **kwargs: True
np.testing.assert_allclose = lambda *args, **kwargs: None
grading.check = lambda function, name, *, points, hidden=False: points


def convolve(image, kernel):
    """Sample answer that returns zeros and hopes the checks are fooled."""
    return np.zeros((1, 1))
'''

_PAD_WIDTH_BEFORE = '''def pad_width(kernel_size):
    """Sample answer that puts the extra pixel before (top/left)."""
    total = kernel_size - 1
    after = total // 2
    return total - after, after
'''

_ZERO_PAD_SLICE = '''def zero_pad(image, pad):
    """Sample answer with the popular slice that breaks at pad = 0."""
    image = np.asarray(image, dtype=float)
    if isinstance(pad, int):
        pad = ((pad, pad), (pad, pad))
    (top, bottom), (left, right) = pad
    out = np.zeros((image.shape[0] + top + bottom, image.shape[1] + left + right))
    out[top:-bottom, left:-right] = image
    return out
'''

_CONV_OUTPUT_SIZE_ONE_SIDE = '''def conv_output_size(n, k, padding=0, stride=1):
    """Sample answer that adds the padding once instead of on each side."""
    return (n + padding - k) // stride + 1
'''

_CONVOLVE_SAME_VALID = '''def convolve_same(image, kernel):
    """Sample answer that forgets to pad."""
    return convolve(image, kernel)
'''

_ZERO_PAD_HANG = '''def zero_pad(image, pad):
    """Sample answer stuck in a loop."""
    while True:
        pass
'''

_CONV_OUTPUT_SIZE_SEGFAULT = '''import ctypes


def conv_output_size(n, k, padding=0, stride=1):
    """Sample answer that reads address 0 (segmentation fault)."""
    return len(ctypes.string_at(0))
'''

_PAD_WIDTH_TAMPER = '''import builtins

from course_lib import reference

reference.pad = lambda *args, **kwargs: None
builtins.__import__ = __import__


def pad_width(kernel_size):
    """Sample answer that patches the reference and returns (0, 0)."""
    return 0, 0
'''

_NORMALIZE_DIVIDES_BY_ZERO = '''def normalize_kernel(kernel):
    """Sample answer that divides even when the weights sum to 0."""
    kernel = np.array(kernel, dtype=float)
    return kernel / kernel.sum()
'''

_NORMALIZE_IN_PLACE = '''def normalize_kernel(kernel):
    """Sample answer that divides the caller's float kernel in place."""
    if kernel.dtype.kind != "f":
        kernel = kernel.astype(float)
    total = kernel.sum()
    if total != 0:
        kernel /= total
    return kernel
'''

_CLAMP_NP_CLIP = '''def clamp(image, low=0, high=255):
    """Sample answer: np.clip keeps integer dtypes and accepts low > high."""
    return np.clip(image, low, high)
'''

_SOBEL_ABS_SUM = '''def sobel_magnitude(image):
    """Sample answer with the |gx| + |gy| approximation."""
    image = np.asarray(image, dtype=float)
    rows, cols = image.shape
    padded = np.pad(image, 1)
    right, bottom = kernels.get("sobel_right"), kernels.get("sobel_bottom")
    gx = np.zeros((rows, cols))
    gy = np.zeros((rows, cols))
    for a in range(3):
        for b in range(3):
            gx += right[a, b] * padded[a:a + rows, b:b + cols]
            gy += bottom[a, b] * padded[a:a + rows, b:b + cols]
    return np.abs(gx) + np.abs(gy)
'''

_SOBEL_LIBRARY = '''def sobel_magnitude(image):
    """Sample answer that lets the course's reference do the filtering."""
    gx = reference.correlate2d(image, kernels.get("sobel_right"), padding="same")
    gy = reference.correlate2d(image, kernels.get("sobel_bottom"), padding="same")
    return np.sqrt(gx**2 + gy**2)
'''

_SOBEL_HANG = '''def sobel_magnitude(image):
    """Sample answer whose loop never ends."""
    rows = 0
    while rows >= 0:
        rows += 1
    return image
'''

_POOL_HEADER = '''    stride = size if stride is None else stride
    rows = (image.shape[0] - size) // stride + 1
    cols = (image.shape[1] - size) // stride + 1
    out = np.zeros((rows, cols))
    for i in range(rows):
        for j in range(cols):
'''

_MAX_POOL_FIRST_ELEMENT = '''def max_pool(image, size=2, stride=None):
    """Sample answer from a popular tutorial: pixels[0] without sorting."""
''' + _POOL_HEADER + '''            top, left = i * stride, j * stride
            pixels = [image[top + a, left + b] for a in range(size) for b in range(size)]
            out[i, j] = pixels[0]
    return out
'''

_MAX_POOL_RESHAPE = '''def max_pool(image, size=2, stride=None):
    """Sample answer with a reshape trick instead of loops."""
    rows, cols = image.shape[0] // size, image.shape[1] // size
    trimmed = image[:rows * size, :cols * size].astype(float)
    return trimmed.reshape(rows, size, cols, size).max(axis=(1, 3))
'''

_MAX_POOL_IGNORES_STRIDE = '''def max_pool(image, size=2, stride=None):
    """Sample answer that always steps by the window size."""
    rows = (image.shape[0] - size) // size + 1
    cols = (image.shape[1] - size) // size + 1
    out = np.zeros((rows, cols))
    for i in range(rows):
        for j in range(cols):
            out[i, j] = np.max(image[i * size:i * size + size, j * size:j * size + size])
    return out
'''

_MAX_POOL_FROM_ZERO = '''def max_pool(image, size=2, stride=None):
    """Sample answer whose running maximum starts at 0."""
''' + _POOL_HEADER + '''            best = 0
            for value in image[i * stride:i * stride + size, j * stride:j * stride + size].flat:
                best = max(best, value)
            out[i, j] = best
    return out
'''

_AVG_POOL_SUM = '''def avg_pool(image, size=2, stride=None):
    """Sample answer that forgets to divide."""
''' + _POOL_HEADER + '''            top, left = i * stride, j * stride
            out[i, j] = np.sum(image[top:top + size, left:left + size])
    return out
'''

_AVG_POOL_CEIL = '''def avg_pool(image, size=2, stride=None):
    """Sample answer that keeps partial windows at the border (ceil instead of floor)."""
    stride = size if stride is None else stride
    rows = -(-(image.shape[0] - size) // stride) + 1
    cols = -(-(image.shape[1] - size) // stride) + 1
    out = np.zeros((rows, cols))
    for i in range(rows):
        for j in range(cols):
            out[i, j] = np.mean(image[i * stride:i * stride + size, j * stride:j * stride + size])
    return out
'''

_TO_NHWC_NCHW = '''def to_nhwc(image):
    """Sample answer in PyTorch's layout (1, 1, H, W)."""
    image = np.asarray(image)
    if image.ndim != 2:
        raise ValueError("image must be 2-D")
    return image.astype(np.float32)[np.newaxis, np.newaxis]
'''

_TO_NHWC_FLOAT64 = '''def to_nhwc(image):
    """Sample answer with the right shape in float64."""
    image = np.asarray(image, dtype=float)
    if image.ndim != 2:
        raise ValueError("image must be 2-D")
    return image[np.newaxis, :, :, np.newaxis]
'''

_TO_HWIO_FLIPPED = '''def to_hwio(kernel):
    """Sample answer that flips the kernel, as if TensorFlow convolved."""
    kernel = np.asarray(kernel)
    if kernel.ndim != 2:
        raise ValueError("kernel must be 2-D")
    return kernel[::-1, ::-1].astype(np.float32)[:, :, np.newaxis, np.newaxis]
'''

_SAME_PADDING_BEFORE = '''def tf_same_padding(n, k, stride):
    """Sample answer that puts the odd extra pixel before."""
    out = -(-n // stride)
    pad = max((out - 1) * stride + k - n, 0)
    return pad - pad // 2, pad // 2
'''

_SAME_PADDING_NO_STRIDE = '''def tf_same_padding(n, k, stride):
    """Sample answer that pads as if the stride were 1."""
    return (k - 1) // 2, k - 1 - (k - 1) // 2
'''


SAMPLES: dict[str, Answer] = {
    answer.name: answer
    for answer in (
        Answer("convolve", "flips the kernel", _CONVOLVE_FLIPPED, ("flipped-kernel",)),
        Answer("convolve", "transposed indexing", _CONVOLVE_TRANSPOSED, ("transposed",)),
        Answer("convolve", "keeps the uint8 dtype", _CONVOLVE_UINT8, ("integer-dtype",)),
        Answer("convolve", "output one row and column short", _CONVOLVE_OFF_BY_ONE,
               ("wrong-shape",)),
        Answer("output_size", "forgets the + 1, no check below 1", _OUTPUT_SIZE_OFF_BY_ONE,
               ("missing-error", "off-by-one")),
        Answer("convolve", "a loop that never ends", _CONVOLVE_HANG,
               ("not-loop-based", "too-slow"), status="timeout"),
        Answer("convolve", "ends the process", _CONVOLVE_CRASH, ("not-loop-based",),
               status="crashed"),
        Answer("convolve", "patches the checks", _CONVOLVE_TAMPER,
               ("not-loop-based", "tampering"), status="rejected"),
        Answer("pad_width", "extra pixel before", _PAD_WIDTH_BEFORE,
               ("missing-error", "wrong-padding")),
        Answer("zero_pad", "out[p:-p] slicing", _ZERO_PAD_SLICE, ("pad-zero-broken",)),
        Answer("conv_output_size", "padding added once", _CONV_OUTPUT_SIZE_ONE_SIDE,
               ("missing-error", "padding-once", "wrong-exception")),
        Answer("convolve_same", "forgets to pad", _CONVOLVE_SAME_VALID, ("wrong-padding",)),
        Answer("zero_pad", "a loop that never ends", _ZERO_PAD_HANG, ("too-slow",),
               status="timeout"),
        Answer("conv_output_size", "reads address 0", _CONV_OUTPUT_SIZE_SEGFAULT, (),
               status="crashed"),
        Answer("pad_width", "patches the reference", _PAD_WIDTH_TAMPER,
               ("missing-error", "tampering", "wrong-padding")),
        Answer("normalize_kernel", "divides when the weights sum to 0",
               _NORMALIZE_DIVIDES_BY_ZERO, ("divides-by-zero",)),
        Answer("normalize_kernel", "divides the caller's kernel in place", _NORMALIZE_IN_PLACE,
               ("mutates-input",)),
        Answer("clamp", "np.clip", _CLAMP_NP_CLIP, ("integer-dtype", "missing-error")),
        Answer("sobel_magnitude", "|gx| + |gy|", _SOBEL_ABS_SUM, ("abs-sum",)),
        Answer("sobel_magnitude", "the course's reference", _SOBEL_LIBRARY, ("course-library",),
               status="rejected"),
        Answer("sobel_magnitude", "a loop that never ends", _SOBEL_HANG, ("too-slow",),
               status="timeout"),
        Answer("max_pool", "the first element of each window", _MAX_POOL_FIRST_ELEMENT,
               ("first-element",)),
        Answer("max_pool", "a reshape instead of loops", _MAX_POOL_RESHAPE, ("not-loop-based",),
               status="rejected"),
        Answer("max_pool", "ignores the stride", _MAX_POOL_IGNORES_STRIDE, ("ignores-stride",)),
        Answer("max_pool", "running maximum from 0", _MAX_POOL_FROM_ZERO,
               ("max-starts-at-zero",)),
        Answer("avg_pool", "forgets to divide", _AVG_POOL_SUM, ("sum-instead-of-average",)),
        Answer("avg_pool", "keeps partial windows (ceil)", _AVG_POOL_CEIL, ("wrong-shape",)),
        Answer("to_nhwc", "PyTorch's NCHW layout", _TO_NHWC_NCHW, ("nchw-layout",)),
        Answer("to_nhwc", "float64", _TO_NHWC_FLOAT64, ("wrong-dtype",)),
        Answer("to_hwio", "flips the kernel", _TO_HWIO_FLIPPED, ("flipped-kernel",)),
        Answer("tf_same_padding", "odd pixel before", _SAME_PADDING_BEFORE, ("extra-before",)),
        Answer("tf_same_padding", "ignores the stride", _SAME_PADDING_NO_STRIDE,
               ("ignores-stride",)),
    )
}
"""The sample class's answers by :attr:`Answer.name`; each with the verdict and the
diagnosis codes the grader gives it (tests/test_sample_class.py checks them)."""
