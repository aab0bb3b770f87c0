"""Generate the sample class (``Course.sample_class``, ``autograde/samples/``) from the masters.

The sample class is the grading demo (``course grade`` without collected
submissions), the class the benchmarks grade, and a fixture of the tests. It
is instructor tooling, deliberately outside ``course_lib``: its answers are
one edit away from the solutions, and nothing students receive may hold them.

A student's submission is the master notebook as a student would hand it in:
hidden tests removed, and each answer cell holding either the master solution
or a variant from :data:`VARIANTS` (typical mistakes, hostile code). Some
students instead submit a broken file (:data:`BROKEN`). The tables are
data: to add samples for another assignment, add its entry to ``VARIANTS``
(function name -> answer source) and run ``python autograde/sample_class.py``.

Examples
--------
>>> sorted(VARIANTS["01_convolution"])[:3]
['alice', 'bob', 'carol']
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import shutil
from pathlib import Path

__all__ = ["BROKEN", "VARIANTS", "answer_released", "generate", "master_answers",
           "student_notebook"]

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

VARIANTS: dict[str, dict[str, dict[str, str]]] = {
    "01_convolution": {
        "alice": {},
        "bob": {"convolve": _CONVOLVE_FLIPPED},
        "carol": {"convolve": _CONVOLVE_TRANSPOSED},
        "dave": {"convolve": _CONVOLVE_UINT8},
        "erin": {"convolve": _CONVOLVE_OFF_BY_ONE, "output_size": _OUTPUT_SIZE_OFF_BY_ONE},
        "frank": {"convolve": _CONVOLVE_HANG},
        "grace": {"convolve": _CONVOLVE_CRASH},
        "heidi": {"convolve": _CONVOLVE_TAMPER},
    },
    "02_padding": {
        "alice": {},
        "bob": {"pad_width": _PAD_WIDTH_BEFORE},
        "carol": {"zero_pad": _ZERO_PAD_SLICE},
        "dave": {"conv_output_size": _CONV_OUTPUT_SIZE_ONE_SIDE},
        "erin": {"convolve_same": _CONVOLVE_SAME_VALID},
        "frank": {"zero_pad": _ZERO_PAD_HANG},
        "grace": {"conv_output_size": _CONV_OUTPUT_SIZE_SEGFAULT},
        "heidi": {"pad_width": _PAD_WIDTH_TAMPER},
    },
    "03_filters": {
        "alice": {},
        "bob": {"normalize_kernel": _NORMALIZE_DIVIDES_BY_ZERO},
        "carol": {"sobel_magnitude": _SOBEL_ABS_SUM},
        "dave": {"clamp": _CLAMP_NP_CLIP},
        "erin": {"sobel_magnitude": _SOBEL_LIBRARY},
        "frank": {"sobel_magnitude": _SOBEL_HANG},
        "grace": {"normalize_kernel": _NORMALIZE_IN_PLACE},
    },
    "04_pooling": {
        "alice": {},
        "bob": {"max_pool": _MAX_POOL_FIRST_ELEMENT},
        "carol": {"max_pool": _MAX_POOL_RESHAPE},
        "dave": {"avg_pool": _AVG_POOL_SUM},
        "erin": {"max_pool": _MAX_POOL_IGNORES_STRIDE, "avg_pool": _AVG_POOL_CEIL},
        "grace": {"max_pool": _MAX_POOL_FROM_ZERO},
    },
    "05_tensorflow": {
        "alice": {},
        "bob": {"to_nhwc": _TO_NHWC_NCHW},
        "carol": {"to_hwio": _TO_HWIO_FLIPPED},
        "dave": {"tf_same_padding": _SAME_PADDING_BEFORE},
        "erin": {"tf_same_padding": _SAME_PADDING_NO_STRIDE, "to_nhwc": _TO_NHWC_FLOAT64},
    },
}
"""Per assignment: student -> {function: answer source}; functions not listed get the
master solution."""

BROKEN: dict[str, dict[str, str]] = {
    "01_convolution": {"ivan": "invalid-json", "judy": "missing", "erin": "renamed"},
    "02_padding": {"ivan": "empty", "judy": "missing"},
    "04_pooling": {"judy": "missing"},
}
"""Per assignment: student -> how the submission is broken ('invalid-json', 'empty',
'missing', 'renamed' = graded under a wrong file name)."""

_SOLUTION = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n?", re.MULTILINE)
_HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS\n?", re.DOTALL)


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def student_notebook(master: dict, answers: dict[str, str]) -> dict:
    """Return the notebook a student would submit: solutions or ``answers``, no hidden tests.

    Parameters
    ----------
    master : dict
        The master notebook (JSON).
    answers : dict
        Function name -> answer cell source replacing the master solution.

    Examples
    --------
    >>> cell = {"cell_type": "code", "source": "def f():\\n    ### BEGIN SOLUTION\\n    return 1\\n"
    ...         "    ### END SOLUTION\\n", "metadata": {"nbgrader": {"grade_id": "f_answer"}},
    ...         "outputs": [], "execution_count": None}
    >>> student_notebook({"cells": [cell]}, {})["cells"][0]["source"]
    'def f():\\n    return 1\\n'
    """
    notebook = copy.deepcopy(master)
    for cell in notebook["cells"]:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")
        if grade_id.endswith("_answer"):
            function = grade_id[: -len("_answer")]
            cell["source"] = answers.get(function, _SOLUTION.sub("", _source(cell)))
        elif "BEGIN HIDDEN TESTS" in _source(cell):
            cell["source"] = _HIDDEN.sub("", _source(cell)).rstrip("\n")
    return notebook


def master_answers(master: dict) -> dict[str, str]:
    """Function name -> the master's solution as a student would write it (no markers)."""
    answers = {}
    for cell in master["cells"]:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")
        if grade_id.endswith("_answer"):
            answers[grade_id[: -len("_answer")]] = _SOLUTION.sub("", _source(cell))
    return answers


def answer_released(notebook: dict, answers: dict[str, str]) -> dict:
    """The released (student) notebook with some answer cells filled in, as a student who
    fetched it would save it: ``answers`` maps a function to its answer cell's source;
    the other cells stay as released.

    Examples
    --------
    >>> cell = {"cell_type": "code", "source": "raise NotImplementedError()",
    ...         "metadata": {"nbgrader": {"grade_id": "f_answer"}}}
    >>> answered = answer_released({"cells": [cell]}, {"f": "def f():\\n    return 1\\n"})
    >>> answered["cells"][0]["source"]
    'def f():\\n    return 1\\n'
    """
    notebook = copy.deepcopy(notebook)
    for cell in notebook["cells"]:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")
        function = grade_id[: -len("_answer")] if grade_id.endswith("_answer") else None
        if function in answers:
            cell["source"] = answers[function]
    return notebook


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def generate(*, course=None, out: Path | None = None, assignments=None) -> list[Path]:
    """Write the sample submissions for every assignment that has a master and variants.

    Parameters
    ----------
    course : course_lib.config.LoadedCourse, optional
        The course (default: the repository's); its masters are the source.
    out : Path, optional
        Where the class goes (default: ``Course.sample_class``).
    assignments : list of str, optional
        Only these assignments.

    Returns
    -------
    list of Path
        The files written (missing notebooks leave an empty assignment folder).
    """
    from course_lib.config import load_course

    course = course or load_course()
    out = Path(out) if out is not None else course.path("sample_class")
    written = []
    for assignment, students in VARIANTS.items():
        master_path = course.master(assignment)
        if (assignments and assignment not in assignments) or not master_path.is_file():
            continue
        master = json.loads(master_path.read_text(encoding="utf-8"))
        broken = BROKEN.get(assignment, {})
        for student in sorted({*students, *broken}):
            folder = out / student / assignment
            if folder.exists():
                shutil.rmtree(folder)
            folder.mkdir(parents=True)
            text = json.dumps(student_notebook(master, students.get(student, {})), indent=1)
            kind = broken.get(student)
            target = folder / f"{assignment}.ipynb"
            if kind == "missing":
                (folder / "README.txt").write_text("forgot to upload the notebook\n")
                written.append(folder / "README.txt")
                continue
            if kind == "invalid-json":
                text = text[: len(text) // 2]
            elif kind == "empty":
                text = ""
            elif kind == "renamed":
                target = folder / f"{assignment.title()}(1).ipynb"
            _write(target, text + ("\n" if text else ""))
            written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python autograde/sample_class.py [--out DIR] [ASSIGNMENT ...]``."""
    parser = argparse.ArgumentParser(description="Generate the sample class of submissions.")
    parser.add_argument("assignments", nargs="*")
    parser.add_argument("--out", type=Path, default=None,
                        help="where the class goes (default: Course.sample_class)")
    args = parser.parse_args(argv)
    files = generate(out=args.out, assignments=args.assignments or None)
    print(f"wrote {len(files)} files")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
