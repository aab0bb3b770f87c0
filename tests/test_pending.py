"""course_lib.pending: waiting lines and reference stand-ins for exercises not done yet."""

from __future__ import annotations

import numpy as np
import pytest

from course_lib import reference
from course_lib.pending import try_it, waiting_line, yours_or_reference

STUB = "def {name}(*args, **kwargs):\n    '''Docstring.'''\n    raise NotImplementedError()\n"


def notebook(*sources: str) -> dict:
    """A namespace holding the functions ``sources`` define, as notebook cells would."""
    namespace: dict = {"np": np}
    for source in sources:
        exec(compile(source, "<cell>", "exec"), namespace)
    return namespace


def test_try_it_prints_the_waiting_line_instead_of_a_traceback(capsys):
    """A placeholder function stops the block quietly with one line naming it."""
    cell = notebook(STUB.format(name="output_size"))
    reached = []
    with try_it(cell["output_size"]):
        cell["output_size"](224, 3)
        reached.append(True)
    assert reached == []
    assert capsys.readouterr().out == waiting_line("output_size") + "\n"


def test_try_it_runs_a_written_function_unchanged(capsys):
    """Once the function works, the block runs and prints exactly what it prints."""
    cell = notebook("def output_size(n, k):\n    return n - k + 1\n")
    with try_it(cell["output_size"]):
        print(cell["output_size"](224, 3))
    assert capsys.readouterr().out == "222\n"


def test_try_it_names_the_unwritten_helper_a_written_function_calls(capsys):
    """convolve_same calling a placeholder convolve is waiting for convolve."""
    cell = notebook(
        STUB.format(name="convolve"),
        "def convolve_same(image, kernel):\n    return convolve(image, kernel)\n",
    )
    with try_it(cell["convolve_same"]):
        cell["convolve_same"](np.ones((3, 3)), np.ones((2, 2)))
    assert capsys.readouterr().out == waiting_line("convolve") + "\n"


def test_try_it_shows_real_errors_with_their_traceback_and_lets_run_all_go_on(capsys):
    """A mistake in a written function is shown, traceback and all, on stderr; the block stops
    there but raises nothing, so Run All reaches the exercise's check cell."""
    cell = notebook("def convolve(image, kernel):\n    return image[5, 5]\n")
    reached = []
    with try_it(cell["convolve"]):
        cell["convolve"](np.ones((2, 2)), np.ones((1, 1)))
        reached.append(True)
    said = capsys.readouterr()
    assert reached == [] and said.out == ""
    assert "Traceback" in said.err and "IndexError" in said.err and "in convolve" in said.err
    assert "in try_it" not in said.err
    assert "stopped on the error above while trying your convolve" in said.err


def test_try_it_shows_an_error_after_the_function_returned(capsys):
    """A wrong shape caught by the cell's own comparison is shown the same way."""
    cell = notebook("def convolve(image, kernel):\n    return np.zeros((2, 3))\n")
    with try_it(cell["convolve"]):
        np.allclose(cell["convolve"](None, None), np.zeros((3, 4)))
    err = capsys.readouterr().err
    assert "ValueError" in err and "could not be broadcast" in err


def test_try_it_does_not_take_other_not_implemented_errors_for_a_placeholder(capsys):
    """A NotImplementedError that does not come from the named function is shown, not hidden
    behind a waiting line."""
    cell = notebook("def convolve(image, kernel):\n    return 1.0\n")
    with try_it(cell["convolve"]):
        raise NotImplementedError("elsewhere")
    said = capsys.readouterr()
    assert "Waiting" not in said.out and "NotImplementedError: elsewhere" in said.err


def test_try_it_lets_an_interrupt_through():
    """Interrupting the kernel still interrupts."""
    cell = notebook("def convolve(image, kernel):\n    raise KeyboardInterrupt\n")
    with pytest.raises(KeyboardInterrupt), try_it(cell["convolve"]):
        cell["convolve"](None, None)


@pytest.mark.parametrize(
    ("functions", "words"),
    [((), "at least one function"), ((42,), r"functions\[0\] must be a function, got int")],
)
def test_try_it_checks_its_arguments(functions, words):
    """No function, or something that cannot be called, is refused with a clear message."""
    with pytest.raises(TypeError, match=words), try_it(*functions):
        pass


def test_yours_or_reference_uses_a_written_function_silently(capsys):
    """A working student function is called with the arguments as given, and nothing printed."""
    cell = notebook("def convolve(image, kernel):\n    return 'yours'\n")
    convolve = yours_or_reference(cell["convolve"], reference.correlate2d)
    assert convolve(np.ones((3, 3)), np.ones((2, 2))) == "yours"
    assert convolve.used_reference is False
    assert capsys.readouterr().out == ""


def test_yours_or_reference_stands_in_and_says_so_once(capsys):
    """A placeholder is replaced by the reference, with one line however often it is called."""
    cell = notebook(STUB.format(name="convolve"))
    convolve = yours_or_reference(cell["convolve"], reference.correlate2d)
    image, kernel = np.arange(20.0).reshape(4, 5), np.array([[1.0, 0.0], [0.0, -2.0]])
    results = [convolve(image, kernel) for _ in range(3)]
    for result in results:
        np.testing.assert_array_equal(result, reference.correlate2d(image, kernel))
    assert convolve.used_reference is True
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        "Your convolve is not written yet, so this cell uses the course's "
        "reference.correlate2d in its place."
    ]


def test_yours_or_reference_passes_options_to_the_reference_only(capsys):
    """padding='same' reaches the reference; the student's function never sees it."""
    seen = []
    cell = notebook("def convolve_same(image, kernel):\n    seen.append(1)\n    return image\n")
    cell["seen"] = seen
    same = yours_or_reference(cell["convolve_same"], reference.correlate2d, padding="same")
    assert same(np.ones((3, 3)), np.ones((2, 2))).shape == (3, 3)
    assert seen == [1]
    cell = notebook(STUB.format(name="convolve_same"))
    same = yours_or_reference(cell["convolve_same"], reference.correlate2d, padding="same")
    assert same(np.ones((3, 3)), np.ones((2, 2))).shape == (3, 3)
    assert "reference.correlate2d(padding='same')" in capsys.readouterr().out


def test_yours_or_reference_lets_real_errors_through():
    """A broken (not unwritten) student function raises as usual; the reference is not used."""
    cell = notebook("def max_pool(image, size=2, stride=None):\n    return 1 / 0\n")
    max_pool = yours_or_reference(cell["max_pool"], reference.max_pool)
    with pytest.raises(ZeroDivisionError):
        max_pool(np.ones((4, 4)), 2)
    assert max_pool.used_reference is False


@pytest.mark.parametrize(
    ("function", "stand_in", "words"),
    [(None, reference.max_pool, "function must be a function"), (len, 3, "reference must be")],
)
def test_yours_or_reference_checks_its_arguments(function, stand_in, words):
    """Arguments that cannot be called are named in the message."""
    with pytest.raises(TypeError, match=words):
        yours_or_reference(function, stand_in)


def test_waiting_line_checks_the_name():
    """The waiting line needs a function name."""
    with pytest.raises(TypeError, match="name must be a non-empty string"):
        waiting_line("")
