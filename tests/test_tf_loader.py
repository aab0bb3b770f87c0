"""course_lib.tf_loader: TensorFlow loads quietly, or explains how to install it."""

from __future__ import annotations

import subprocess
import sys

import pytest

from course_lib.tf_loader import INSTALL_HINT, TensorFlowMissing, load_tensorflow


@pytest.mark.slow
def test_loading_writes_nothing_to_native_stderr():
    """TensorFlow's C++ start-up lines (CUDA probe, absl) never reach the process's stderr."""
    program = (
        "from course_lib.tf_loader import load_tensorflow\n"
        "tf, keras = load_tensorflow()\n"
        "print(float(tf.reduce_sum(tf.ones((2, 2)))))\n"
        "import sys; print('after', file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, timeout=300, check=True
    )
    assert done.stdout.strip() == "4.0"
    assert done.stderr == "after\n", done.stderr


def test_missing_tensorflow_raises_with_install_instructions(monkeypatch):
    """Without TensorFlow the error says how to install it and renders without a traceback."""
    monkeypatch.setitem(sys.modules, "tensorflow", None)
    with pytest.raises(TensorFlowMissing) as missing:
        load_tensorflow()
    assert isinstance(missing.value, ImportError)
    rendered = missing.value._render_traceback_()
    assert "    python -m pip install tensorflow" in rendered
    assert not any("Traceback" in line for line in rendered)
    assert str(missing.value).startswith(INSTALL_HINT)
