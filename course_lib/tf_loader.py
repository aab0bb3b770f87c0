"""Loading TensorFlow for notebook 05: quietly, or with install instructions.

TensorFlow's native start-up code writes several lines to the process's
standard error before its logging is configured (the CUDA probe on machines
without a GPU, for instance). ``TF_CPP_MIN_LOG_LEVEL`` cannot silence all of
them, and Jupyter shows them as alarming red output. :func:`load_tensorflow`
mutes file descriptor 2 only while TensorFlow loads and runs its first
operation, which is where these messages come from; everything printed later
is shown as usual.

When TensorFlow is not installed, it raises :class:`TensorFlowMissing`, which
Jupyter displays as a short instruction instead of a traceback.
"""

from __future__ import annotations

import contextlib
import os

__all__ = ["INSTALL_HINT", "TensorFlowMissing", "load_tensorflow"]

INSTALL_HINT = (
    "TensorFlow is not installed in this environment. Install it with\n"
    "\n"
    "    python -m pip install tensorflow\n"
    "\n"
    "(or run `make lab`, which installs everything the course uses), then\n"
    "restart the kernel and run the notebook again. The graded exercises of\n"
    "this notebook do not need TensorFlow."
)


class TensorFlowMissing(ImportError):
    """TensorFlow cannot be imported; the message says how to install it."""

    def _render_traceback_(self) -> list[str]:
        # IPython shows these lines instead of a traceback.
        return str(self).splitlines()


@contextlib.contextmanager
def _native_stderr_muted():
    """Send file descriptor 2 to /dev/null for the duration of the block."""
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    try:
        with open(os.devnull, "wb") as sink:
            os.dup2(sink.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def load_tensorflow():
    """Import TensorFlow and Keras without their native start-up chatter.

    Returns
    -------
    (module, module)
        ``tensorflow`` and ``keras``.

    Raises
    ------
    TensorFlowMissing
        If TensorFlow or Keras cannot be imported; the message says how to
        install them.

    Examples
    --------
    >>> tf, keras = load_tensorflow()
    >>> int(tf.reduce_sum(tf.ones((2, 3))))
    6
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    with _native_stderr_muted():
        try:
            import keras
            import tensorflow as tf
        except ImportError as error:
            raise TensorFlowMissing(f"{INSTALL_HINT}\n\n(the import said: {error})") from None
        # The first operation initialises the runtime and probes for GPUs.
        tf.constant(0.0) + 1.0
    return tf, keras
