"""The one-line status messages every widget shows instead of tracebacks.

Examples
--------
>>> "ValueError" in status_html("error", "ValueError: bad kernel")
True
"""

from __future__ import annotations

import html

_STYLES = {
    "ok": ("#1b5e20", "#e8f5e9", ""),
    "info": ("#0d47a1", "#e3f2fd", ""),
    "warning": ("#6d4c00", "#fff8e1", "Warning: "),
    "error": ("#b71c1c", "#ffebee", "Problem: "),
}


def status_html(kind: str, message: str) -> str:
    """Return an HTML status line; ``kind`` is 'ok', 'info', 'warning' or 'error'.

    The message is escaped, so text from an exception or a file name is shown
    literally.

    Examples
    --------
    >>> status_html("warning", "<slow>").endswith('">Warning: &lt;slow&gt;</div>')
    True
    """
    colour, background, prefix = _STYLES[kind]
    style = (
        f"color:{colour};background:{background};padding:2px 6px;border-radius:3px;font-size:12px;"
    )
    return f'<div class="course-status-{kind}" style="{style}">{prefix}{html.escape(message)}</div>'


def describe_exception(exc: BaseException) -> str:
    """Return ``"TypeName: message"`` for an exception, one line, no traceback.

    Examples
    --------
    >>> describe_exception(ValueError("kernel must be 2-D"))
    'ValueError: kernel must be 2-D'
    """
    text = str(exc).strip().splitlines()
    first = text[0] if text else "(no message)"
    return f"{type(exc).__name__}: {first}"
