"""Spot attempts to tamper with the grading in a student's code.

Tampering cannot raise a score (outputs are compared in the grader's own
process), but instructors want to know about it, so the grader adds the
diagnosis ``tampering`` with what was found. The scan is static (AST only)
and names are resolved the way the loop-only rule resolves them
(:class:`course_lib.grading.static.Scope`): ``import numpy as n`` makes
``n.allclose = ...`` a replacement of ``numpy.allclose``. It looks for
assignments, deletions and ``setattr``/``delattr`` on numpy, scipy, builtins,
sys, importlib or course_lib objects, and for ndarray subclasses that
override comparisons.

Examples
--------
>>> find_tampering("import numpy as np\\nnp.allclose = lambda *a, **k: True")
['replaces numpy.allclose']
>>> find_tampering("import numpy as n\\nn.testing.assert_allclose = None")
['replaces numpy.testing.assert_allclose']
>>> find_tampering("def f(x):\\n    return x + 1")
[]
"""

from __future__ import annotations

import ast

from course_lib.grading.rules import PROTECTED_MODULES
from course_lib.grading.static import Scope, chain

__all__ = ["TAMPERING", "find_tampering"]

TAMPERING = "tampering"
"""Diagnosis code added when a submission tries to change the grading machinery."""

_COMPARISON_METHODS = {"__eq__", "__ne__", "__bool__", "__array_ufunc__", "__array_function__",
                       "__array_finalize__", "__array_wrap__"}


def _protected(path: str) -> bool:
    return path.split(".")[0] in PROTECTED_MODULES and "." in path


def _target_path(scope: Scope, target: ast.AST) -> str | None:
    """The resolved dotted name an assignment target changes (``[...]`` for subscripts)."""
    parts: list[str] = []
    node = target
    while not isinstance(node, ast.Name):
        if isinstance(node, ast.Attribute):
            parts.append(node.attr)
        elif isinstance(node, ast.Subscript):
            parts.append("[...]")
        else:
            return None
        node = node.value
    if not parts:
        return None
    root = "builtins" if node.id == "__builtins__" else node.id
    if root not in scope.aliases:
        return None
    path = scope.resolve([root])
    for part in reversed(parts):
        path += part if part == "[...]" else f".{part}"
    return path


def _targets(node: ast.AST) -> list[ast.AST]:
    if isinstance(node, ast.Assign | ast.Delete):
        return list(node.targets)
    if isinstance(node, ast.AugAssign | ast.AnnAssign):
        return [node.target]
    return []


def _is_ndarray_base(scope: Scope, base: ast.AST) -> bool:
    parts = chain(base)
    if not parts:
        return False
    name = scope.resolve(parts) if parts[0] in scope.aliases else ".".join(parts)
    return name.split(".")[-1] in {"ndarray", "matrix", "MaskedArray"}


def find_tampering(source: str) -> list[str]:
    """Return short descriptions of tampering found in ``source`` (empty if none).

    Parameters
    ----------
    source : str
        The student's code, as Python.

    Returns
    -------
    list of str

    Examples
    --------
    >>> find_tampering("import builtins\\nbuiltins.__import__ = None")
    ['replaces builtins.__import__']
    >>> find_tampering("from course_lib import grading as g\\nsetattr(g, 'check', print)")
    ['calls setattr on course_lib.grading']
    >>> find_tampering("class A(np.ndarray):\\n    def __eq__(self, o):\\n        return True")
    ['defines ndarray subclass A overriding __eq__']
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    scope = Scope(tree)
    found: list[str] = []
    for node in ast.walk(tree):
        for target in _targets(node):
            path = _target_path(scope, target)
            if path and _protected(path.replace("[...]", ".item")):
                found.append(f"replaces {path}")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.args:
            if node.func.id in {"setattr", "delattr"}:
                owner = chain(node.args[0])
                if owner and owner[0] in scope.aliases:
                    path = scope.resolve(owner)
                    if path.split(".")[0] in PROTECTED_MODULES:
                        found.append(f"calls {node.func.id} on {path}")
        if isinstance(node, ast.ClassDef) and any(_is_ndarray_base(scope, b) for b in node.bases):
            methods = sorted(
                item.name
                for item in node.body
                if isinstance(item, ast.FunctionDef) and item.name in _COMPARISON_METHODS
            )
            if methods:
                overridden = ", ".join(methods)
                found.append(f"defines ndarray subclass {node.name} overriding {overridden}")
    return list(dict.fromkeys(found))
