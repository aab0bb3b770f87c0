"""Spot attempts to tamper with the grading in a student's answer cells.

Tampering cannot raise a score (outputs are compared in the grader's own
process), but instructors want to know about it, so the grader adds the
diagnosis ``tampering`` with what was found. The scan is static (AST only):
assignments or ``setattr`` on numpy, builtins, sys.modules or course_lib
objects, and ndarray subclasses that override comparisons.

Examples
--------
>>> find_tampering("import numpy as np\\nnp.allclose = lambda *a, **k: True")
['replaces np.allclose']
>>> find_tampering("def f(x):\\n    return x + 1")
[]
"""

from __future__ import annotations

import ast

__all__ = ["TAMPERING", "find_tampering"]

TAMPERING = "tampering"
"""Diagnosis code added when answer cells try to change the grading machinery."""

_PROTECTED_ROOTS = {
    "np",
    "numpy",
    "builtins",
    "__builtins__",
    "sys",
    "course_lib",
    "grading",
    "reference",
    "kernels",
    "data",
    "display",
    "scipy",
    "importlib",
}
_COMPARISON_METHODS = {
    "__eq__",
    "__ne__",
    "__array_ufunc__",
    "__array_function__",
    "__bool__",
    "__array_finalize__",
    "__array_wrap__",
}


def _dotted(node: ast.AST) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Subscript):
        inner = _dotted(node.value)
        return None if inner is None else f"{inner}[...]" + "".join(f".{p}" for p in parts[::-1])
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def _targets(node: ast.AST) -> list[ast.AST]:
    if isinstance(node, ast.Assign):
        return list(node.targets)
    if isinstance(node, ast.AugAssign | ast.AnnAssign):
        return [node.target]
    if isinstance(node, ast.Delete):
        return list(node.targets)
    return []


def _is_ndarray_base(base: ast.AST) -> bool:
    name = _dotted(base) or ""
    return name.split(".")[-1] in {"ndarray", "matrix", "MaskedArray"}


def find_tampering(source: str) -> list[str]:
    """Return short descriptions of tampering found in ``source`` (empty if none).

    Parameters
    ----------
    source : str
        The student's answer cells, as Python.

    Returns
    -------
    list of str

    Examples
    --------
    >>> find_tampering("import builtins\\nbuiltins.__import__ = None")
    ['replaces builtins.__import__']
    >>> find_tampering("class A(np.ndarray):\\n    def __eq__(self, o):\\n        return True")
    ['defines ndarray subclass A overriding __eq__']
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    found: list[str] = []
    for node in ast.walk(tree):
        for target in _targets(node):
            name = _dotted(target)
            if name and "." in name.replace("[...]", ".") and name.split(".")[0].split("[")[0] in (
                _PROTECTED_ROOTS
            ):
                found.append(f"replaces {name}")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id in {"setattr", "delattr"} and node.args:
                owner = _dotted(node.args[0]) or ""
                if owner.split(".")[0] in _PROTECTED_ROOTS:
                    found.append(f"calls {node.func.id} on {owner}")
        if isinstance(node, ast.ClassDef) and any(_is_ndarray_base(b) for b in node.bases):
            methods = sorted(
                item.name
                for item in node.body
                if isinstance(item, ast.FunctionDef) and item.name in _COMPARISON_METHODS
            )
            if methods:
                overridden = ", ".join(methods)
                found.append(f"defines ndarray subclass {node.name} overriding {overridden}")
    return sorted(set(found), key=found.index)
