"""The loop-only rule, checked on the answer's source code.

Exercises such as ``convolve`` and the pooling functions must be written with
loops: library convolution, correlation or filtering functions, sliding-window
helpers and stride tricks are not allowed. :func:`check_source` reads the
answer with :mod:`ast` (nothing is executed) and reports what it finds as
:class:`Finding` records with two codes:

- ``library-call``: a library convolution/filter/FFT function is used, or the
  code hides what it calls (dynamic imports, ``getattr`` with a computed name
  on a module, ``eval``/``exec``);
- ``not-loop-based``: sliding-window views or stride tricks, or no ``for`` /
  ``while`` loop (or comprehension) at all.

Only the graded function and what it can reach are judged: module-level
helpers it calls, names it uses that are bound at module level, and imports
anywhere in the answer that bind those names. Importing scipy for another
exercise in the same notebook is therefore fine.

Examples
--------
>>> source = '''
... import scipy.signal as ss
... def convolve(image, kernel):
...     return ss.correlate2d(image, kernel, mode="valid")
... '''
>>> [f.code for f in check_source(source, function_name="convolve", loop_only=True)]
['library-call', 'not-loop-based']
>>> loops = '''
... def convolve(image, kernel):
...     out = np.zeros((1, 1))
...     for i in range(1):
...         out[i, 0] = np.sum(image[:2, :2] * kernel)
...     return out
... '''
>>> check_source(loops, function_name="convolve", loop_only=True)
[]
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from .rules import COURSE, LIBRARY, PROTECTED_MODULES, WINDOWS

__all__ = ["ALLOWED", "COURSE_LIBRARY", "Finding", "Policy", "Scope", "chain", "check_source"]

ALLOWED = "loops, indexing and slicing, np.sum, np.max, np.multiply on windows"
"""What a loop-only answer may use, quoted in every finding."""

_DYNAMIC_CALLS = {"__import__", "eval", "exec", "compile", "importlib.import_module", "vars",
                  "globals", "locals", "sys.modules"}
COURSE_LIBRARY = {rule.path: rule.what for rule in COURSE}
"""The course's own modules that hold answers, from :data:`course_lib.grading.rules.COURSE`."""
_LOOP_ONLY_ROOTS = [(rule.path, "not-loop-based", rule.what) for rule in WINDOWS] + [
    (rule.path, "library-call", rule.what) for rule in LIBRARY]

_DEFAULT_ALIASES = {
    "np": "numpy",
    "tf": "tensorflow",
    **{name: f"course_lib.{name}"
       for name in ("reference", "kernels", "grading", "data", "display", "diagrams")},
    **{name: name for name in ("numpy", "scipy", "course_lib", "tensorflow", "keras", "torch",
                               "cv2", "skimage", "importlib", "sys", "builtins")},
}
_MODULE_LIKE = tuple(dict.fromkeys(
    path.split(".")[0]
    for path in (*COURSE_LIBRARY, *(rule.path for rule in LIBRARY + WINDOWS), *PROTECTED_MODULES)
    if path != "__builtins__"  # a name, not an importable module
))
"""Top-level modules whose names, bound in a cell, stand for the module (``getattr`` with a
computed name on them is refused): every root of :mod:`.rules`."""


@dataclass(frozen=True)
class Finding:
    """One breach of the loop-only rule: a diagnosis code and a plain-words message."""

    code: str
    message: str


def _strip_magics(source: str) -> str:
    """Blank out IPython-only lines (``%timeit``, ``!ls``) so the rest parses."""
    return re.sub(r"(?m)^[ \t]*[%!].*$", "", source)


def _under(path: str, root: str) -> bool:
    return path == root or path.startswith(root + ".")


@dataclass(frozen=True)
class Policy:
    """What a graded function may call: the loop-only rule, and the course's own answers.

    Attributes
    ----------
    loop_only : bool
        Library convolution, filtering and sliding-window functions are
        refused, and the function must loop.
    forbidden : tuple of str
        Further dotted paths refused for this exercise (``"numpy.pad"``); the
        course's own modules (:data:`COURSE_LIBRARY`) are always refused.
    allowed : tuple of str
        Dotted paths allowed although under a refused root
        (``"course_lib.kernels.get"``).
    """

    loop_only: bool = False
    forbidden: tuple[str, ...] = ()
    allowed: tuple[str, ...] = ()

    def verdict(self, path: str) -> tuple[str, str] | None:
        """``(code, what)`` when ``path`` may not be used, else None."""
        if any(_under(path, allowed) for allowed in self.allowed):
            return None
        refused = [(root, "course-library", what) for root, what in COURSE_LIBRARY.items()]
        refused += [(root, "library-call", "which this exercise asks you to write yourself")
                    for root in self.forbidden]
        refused += _LOOP_ONLY_ROOTS if self.loop_only else []
        return next(((code, what) for root, code, what in refused if _under(path, root)), None)


def _getattr_args(node: ast.AST) -> tuple[ast.AST, ast.AST] | None:
    """``(obj, name)`` of a call ``getattr(obj, name, ...)``, else None."""
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id == "getattr" and len(node.args) >= 2):
        return node.args[0], node.args[1]
    return None


def _is_text(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def chain(node: ast.AST) -> list[str] | None:
    """``a.b.c`` -> ['a', 'b', 'c']; ``getattr(a, "b")`` with a literal counts as ``a.b``."""
    parts: list[str] = []
    while True:
        if isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        elif (found := _getattr_args(node)) and _is_text(found[1]):
            parts.extend(reversed(found[1].value.split(".")))
            node = found[0]
        elif isinstance(node, ast.Name):
            parts.append(node.id)
            return parts[::-1]
        else:
            return None


def _does_work(node: ast.AST) -> bool:
    """Whether ``node`` is a loop whose body does something.

    A loop whose body is only ``pass``, ``continue``, ``break`` or a constant
    is not what the loop-only rule asks for.
    """
    if isinstance(node, ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp):
        return True
    if not isinstance(node, ast.For | ast.AsyncFor | ast.While):
        return False
    idle = (ast.Pass, ast.Continue, ast.Break)
    return not all(
        isinstance(statement, idle)
        or (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant))
        for statement in node.body
    )


class Scope:
    """Module-level bindings and the aliases that name modules or their members.

    Names the notebook's setup cell provides (``np``, ``reference``) are known
    without an import; ``import numpy as n`` or ``alias = np.testing`` add
    aliases, so ``n.allclose`` resolves to ``numpy.allclose``.

    Examples
    --------
    >>> scope = Scope(ast.parse("import numpy as n\\nt = n.testing"))
    >>> scope.resolve(["t", "assert_allclose"])
    'numpy.testing.assert_allclose'
    """

    def __init__(self, tree: ast.Module) -> None:
        self.aliases: dict[str, str] = dict(_DEFAULT_ALIASES)
        self.bindings: dict[str, list[ast.AST]] = {}
        self.star_imports: list[tuple[ast.AST, str]] = []
        for node in tree.body:
            self._bind(node)
        for node in ast.walk(tree):
            self._alias(node)

    def _bind(self, node: ast.AST) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            self.bindings.setdefault(node.name, []).append(node)
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for name in ast.walk(target):
                    if isinstance(name, ast.Name):
                        self.bindings.setdefault(name.id, []).append(node)
        elif isinstance(node, ast.If | ast.Try | ast.With | ast.For | ast.While):
            for child in ast.iter_child_nodes(node):
                self._bind(child)
            for handler in getattr(node, "handlers", ()):
                for child in handler.body:
                    self._bind(child)

    def _alias(self, node: ast.AST) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    self.aliases[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    self.aliases[top] = top
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                if alias.name == "*":
                    self.star_imports.append((node, node.module))
                else:
                    self.aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            parts = chain(node.value)
            if isinstance(target, ast.Name) and parts and parts[0] in self.aliases:
                self.aliases[target.id] = self.resolve(parts)

    def resolve(self, parts: list[str]) -> str:
        base = self.aliases.get(parts[0], parts[0])
        return ".".join([base, *parts[1:]])

    def is_module_alias(self, name: str) -> bool:
        return name in self.aliases and self.aliases[name].split(".")[0] in _MODULE_LIKE


class _Inspector:
    """Walks the graded function and everything it reaches, collecting findings."""

    def __init__(self, scope: Scope, function_name: str, policy: Policy, where=None) -> None:
        self.where = where or (lambda line: f"line {line}")
        self.scope = scope
        self.function_name = function_name
        self.policy = policy
        self.findings: list[Finding] = []
        self.has_loop = False
        self._visited: set[int] = set()

    def add(self, code: str, node: ast.AST, text: str) -> None:
        line = getattr(node, "lineno", None)
        where = f" ({self.where(line)})" if line else ""
        if code == "course-library":
            advice = f"Write {self.function_name} yourself: that is the exercise."
        elif self.policy.loop_only:
            advice = f"Allowed: {ALLOWED}."
        else:
            advice = "Write it yourself with numpy's basic operations."
        finding = Finding(code, f"{self.function_name} {text}{where}. {advice}")
        if finding not in self.findings:
            self.findings.append(finding)

    def visit_binding(self, name: str) -> None:
        for node in self.scope.bindings.get(name, []):
            self.visit(node)

    def visit(self, root: ast.AST) -> None:
        if id(root) in self._visited:
            return
        self._visited.add(id(root))
        inner: set[int] = set()
        for node in ast.walk(root):
            # Only the outermost part of ``a.b.c`` is judged, once.
            if isinstance(node, ast.Attribute):
                inner.add(id(node.value))
            self._inspect(node, outermost=id(node) not in inner)

    def _inspect(self, node: ast.AST, *, outermost: bool) -> None:
        if _does_work(node):
            self.has_loop = True
        if isinstance(node, ast.Import | ast.ImportFrom):
            self._check_import(node)
        elif isinstance(node, ast.Call):
            self._check_call(node)
            if outermost and _getattr_args(node):
                self._check_reference(node)
        elif outermost and isinstance(node, ast.Attribute | ast.Name):
            self._check_reference(node)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            if node.id in self.scope.bindings:
                self.visit_binding(node.id)

    def _check_import(self, node: ast.Import | ast.ImportFrom) -> None:
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        else:
            modules = [f"{node.module}.{alias.name}" for alias in node.names if node.module]
        for module in modules:
            verdict = self.policy.verdict(module)
            if verdict:
                self.add(verdict[0], node, f"imports {module}, {verdict[1]}")

    def _check_reference(self, node: ast.AST) -> None:
        parts = chain(node)
        if not parts or parts[0] not in self.scope.aliases:
            return
        path = self.scope.resolve(parts)
        verdict = self.policy.verdict(path)
        loop_only = self.policy.loop_only
        if verdict:
            self.add(verdict[0], node, f"uses {path}, {verdict[1]}")
        elif loop_only and path in _DYNAMIC_CALLS:
            self.add("library-call", node, f"uses {path}, which can hide a library call")
        elif parts[-1] == "__dict__" and (loop_only or _under(path, "course_lib")):
            code = "library-call" if loop_only else "course-library"
            self.add(code, node, f"looks names up in {path}, which hides what is called")

    def _computed_getattr(self, node: ast.Call) -> list[str] | None:
        """``obj`` of ``getattr(obj, name)`` with a computed name, as parts, when it is known."""
        found = _getattr_args(node)
        if found is None or _is_text(found[1]):
            return None
        target = chain(found[0])
        return target if target and target[0] in self.scope.aliases else None

    def _check_call(self, node: ast.Call) -> None:
        parts = chain(node.func)
        path = self.scope.resolve(parts) if parts else ""
        target = self._computed_getattr(node)
        if not self.policy.loop_only:
            self._check_course_lookup(node, parts, path, target)
            return
        if path in _DYNAMIC_CALLS or (parts and parts[0] in _DYNAMIC_CALLS and len(parts) == 1):
            self.add("library-call", node, f"calls {path}(), which can hide a library call")
            return
        if parts and parts[-1] == "import_module":
            self.add("library-call", node, "imports a module dynamically")
        if target and self.scope.is_module_alias(target[0]):
            self.add("library-call", node, f"looks up a computed name on "
                     f"{self.scope.resolve(target)} with getattr, which hides what is called")
        if path == "numpy.ndarray" and any(k.arg == "strides" for k in node.keywords):
            self.add("not-loop-based", node, "builds a strided view with np.ndarray(strides=...)")

    def _check_course_lookup(self, node: ast.Call, parts, path: str, target) -> None:
        """Outside the loop-only rule: dynamic routes to the course's own modules."""
        if target and _under(owner := self.scope.resolve(target), "course_lib"):
            self.add("course-library", node, f"looks up a computed name on {owner} with getattr")
        if path in ("__import__", "importlib.import_module") or (
            parts and parts[-1] in ("import_module", "__import__")
        ):
            literal = node.args[0] if node.args else None
            if not isinstance(literal, ast.Constant) or _under(str(literal.value), "course_lib"):
                self.add("course-library", node,
                         "imports a module dynamically (the course's modules are off limits)")

    def check_star_imports(self) -> None:
        for node, module in self.scope.star_imports:
            verdict = self.policy.verdict(module)
            if verdict:
                self.add(verdict[0], node, f"star-imports {module}, {verdict[1]}")


def _joined(cells) -> tuple[str, object]:
    """One text for cells ``(label, source)``, and a function naming a line of it by its cell."""
    starts, texts, line = [], [], 1
    for label, text in cells:
        starts.append((line, str(label)))
        texts.append(text)
        line += text.count("\n") + 2  # the blank line between cells

    def where(number: int) -> str:
        first, label = next((s for s in reversed(starts) if s[0] <= number), (1, ""))
        return f"{label}, line {number - first + 1}" if label else f"line {number}"

    return "\n\n".join(texts), where


def check_source(
    source,
    *,
    function_name: str,
    loop_only: bool,
    forbidden: tuple[str, ...] = (),
    allowed: tuple[str, ...] = (),
) -> list[Finding]:
    """Check an answer's source against what its exercise allows.

    Every graded function is refused the course's own answers (the
    reference, kernel helpers and checks of :data:`COURSE_LIBRARY`) and any
    ``forbidden`` path; a loop-only function is also refused library
    convolution, filtering and sliding-window functions and dynamic lookups,
    and must loop.

    Parameters
    ----------
    source : str or sequence of (str, str)
        The answer's code: one text, or the notebook cells it comes from as
        ``(label, source)`` pairs (``("cell 5", "def f(x): ...")``), in which
        case findings name the cell and the line in it.
    function_name : str
        The graded function, e.g. ``"convolve"``.
    loop_only : bool
        Apply the loop-only rule.
    forbidden : tuple of str, optional
        Further dotted paths this exercise refuses (``"numpy.pad"``).
    allowed : tuple of str, optional
        Dotted paths allowed although under a refused root.

    Returns
    -------
    list of Finding
        Empty when the rules hold (or the source cannot be parsed: the
        run-time guard still applies then).

    Examples
    --------
    >>> check_source("def f(x):\\n    return x", function_name="f", loop_only=True)[0].code
    'not-loop-based'
    >>> [f.code for f in check_source("def size(n, k):\\n    return reference.output_size(n, k)",
    ...                               function_name="size", loop_only=False)]
    ['course-library']
    >>> cells = [("cell 3", "import numpy as np"),
    ...          ("cell 5", "def size(n, k):\\n    return reference.output_size(n, k)")]
    >>> check_source(cells, function_name="size", loop_only=False)[0].message.split(", ")[-1]
    'line 2). Write size yourself: that is the exercise.'
    """
    if isinstance(source, str):
        where = None
    elif isinstance(source, list | tuple) and all(
        isinstance(c, list | tuple) and len(c) == 2 and isinstance(c[1], str) for c in source
    ):
        source, where = _joined(source)
    else:
        raise TypeError(f"source must be a str or (label, source) pairs, got "
                        f"{type(source).__name__}")
    if not isinstance(function_name, str) or not function_name.isidentifier():
        raise ValueError(f"function_name must be a Python identifier, got {function_name!r}")
    try:
        tree = ast.parse(_strip_magics(source))
    except SyntaxError:
        return []
    scope = Scope(tree)
    policy = Policy(loop_only=loop_only, forbidden=tuple(forbidden), allowed=tuple(allowed))
    if function_name not in scope.bindings:
        missing = Finding("not-loop-based", f"no `def {function_name}(...)` found in the answer; "
                          f"define the function with def and loops. Allowed: {ALLOWED}.")
        return [missing] if loop_only else []
    inspector = _Inspector(scope, function_name, policy, where)
    inspector.visit_binding(function_name)
    inspector.check_star_imports()
    if loop_only and not inspector.has_loop:
        inspector.findings.append(Finding(
            "not-loop-based",
            f"{function_name} has no loop that does any work (neither it nor a helper it "
            "calls; a loop whose body is only pass or continue does nothing). Write the "
            f"loops over output positions or kernel offsets yourself. Allowed: {ALLOWED}.",
        ))
    return inspector.findings
