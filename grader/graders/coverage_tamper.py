"""A static scan, before anything runs, for the ways a submission could forge its coverage.

Coverage is measured inside the process that runs the student's tests, so that code could
feed the tracer or the data file instead of exercising the solution: compile filler code
under a solution's file name (`exec(compile("pass\\n" * n, "word_count.py", "exec"))` marks
every line run), replace the tracer (`sys.settrace`), drive coverage itself, or write its data
file. The source is read with `ast` (never run): every hit names the file, the line and what
was found, and fails the coverage check. Constant strings are folded (`"set" + "trace"`,
`"".join([...])`, `"..."[::-1]`, a name bound once to a constant) so that the obvious
disguises are seen; strings that hold Python code are scanned as code. What a static scan
cannot see (values computed at run time) is listed in docs/trust.md.

The solution files run under coverage too and are scanned with the same rules, except the
"dynamic lookup" ones (`importlib.import_module(name)`, `getattr(sys, name)`, `gc`), which
real programs use.
"""

from __future__ import annotations

import ast
import re
import warnings
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Iterable, Literal

from grader.catalog.model import CheckConfig
from grader.graders.base import CheckContext, result
from grader.scorecard.model import CheckResult

Role = Literal["tests", "solution"]

# Names that reach the tracer or the profiler: as a name, an attribute, an imported name or a
# string used to look one up (getattr(sys, "settrace")).
TRACER_NAMES = frozenset(
    {
        "settrace",
        "setprofile",
        "gettrace",
        "getprofile",
        "settrace_all_threads",
        "setprofile_all_threads",
        "call_tracing",
        "f_trace",
        "f_trace_lines",
        "f_trace_opcodes",
        "_trace_hook",
        "_profile_hook",
        "use_tool_id",
        "set_local_events",
    }
)
# coverage.py's own objects, reached without importing coverage by name (gc, sys.modules).
COVERAGE_NAMES = frozenset({"Coverage", "CoverageData", "CTracer", "PyTracer"})
# Modules whose only use in a test would be to forge coverage: coverage itself, and ways to
# make a code object that claims any file and line (marshal, py_compile, ctypes, ...).
FORBIDDEN_MODULES = {
    "coverage": "drives coverage itself",
    "pytest_cov": "drives coverage itself",
    "marshal": "can load a code object that claims to be a solution file's lines",
    "py_compile": "can compile other code under a solution file's name",
    "compileall": "can compile other code under a solution file's name",
    "codeop": "can compile other code under a solution file's name",
    "code": "can compile other code under a solution file's name",
    "ctypes": "can reach the interpreter's tracer directly",
    "_ctypes": "can reach the interpreter's tracer directly",
}
# Names that build code objects or compile through the import system.
CODE_NAMES = frozenset(
    {
        "CodeType",
        "SourceLoader",
        "FileLoader",
        "SourceFileLoader",
        "SourcelessFileLoader",
        "InspectLoader",
        "ExecutionLoader",
        "source_to_code",
        "compile_command",
    }
)
CODE_KEYWORDS = frozenset(
    {"co_filename", "co_firstlineno", "co_lnotab", "co_linetable", "co_code"}
)
EXEC_NAMES = frozenset({"exec", "eval", "compile"})
BUILTINS_MODULES = frozenset({"builtins", "__builtin__"})
# Modules whose attributes a test never needs to look up by a computed name.
INTROSPECTED = frozenset(
    {"sys", "threading", "_thread", "builtins", "__builtin__", "gc", "types"}
)
GETATTR_CALLS = frozenset(
    {"getattr", "setattr", "hasattr", "delattr", "__getattribute__", "getattr_static"}
)
IMPORT_CALLS = frozenset({"__import__", "import_module", "find_spec", "find_loader"})
LOOKUP_CALLS = frozenset(
    {
        "getattr",
        "setattr",
        "hasattr",
        "delattr",
        "attrgetter",
        "methodcaller",
        "resolve_name",
        "__getattribute__",
        "__getattr__",
        "__getitem__",
        *IMPORT_CALLS,
    }
)
DATA_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        # A file name: `.coverage*`, our `coverage.data`, `coverage.json`, `*coveragerc`.
        re.compile(r"(^|[/\\])(\.coverage|coverage\.(data|json)\b)|coveragerc"),
        "names coverage's data or configuration file",
    ),
    (re.compile(r"^(COVERAGE_|COV_CORE_)"), "sets or reads coverage's configuration"),
)
COVERAGE_CLI = re.compile(r"(^|\s)-m\s*(coverage|pytest_cov)\b|^--cov(=|$)")
MAX_FOLD = 100_000  # longest folded string; anything longer is not a name or a path
MAX_DEPTH = 3  # strings holding code, inside strings holding code, ...
MAX_FINDINGS = 50


@dataclass(frozen=True)
class Finding:
    """One way to forge coverage found in the source."""

    path: str
    line: int
    what: str
    why: str

    def describe(self) -> str:
        return f"{self.path}:{self.line}: {self.what} ({self.why})"


def scan_files(
    root: Path,
    test_files: Iterable[str],
    solution_files: Iterable[str],
    other_files: Iterable[str] = (),
) -> list[Finding]:
    """Every finding in the submission's Python files; tests and other helper files get every
    rule, the solution files every rule but the dynamic-lookup ones."""
    solutions = [rel for rel in solution_files if rel.endswith(".py")]
    names = solution_names(solutions)
    roles: dict[str, Role] = {}
    for rel in [*test_files, *other_files]:
        if rel.endswith(".py"):
            roles.setdefault(rel, "tests")
    for rel in solutions:
        roles[rel] = "solution"
    findings: list[Finding] = []
    for rel, role in roles.items():
        try:
            source = (root / rel).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue  # missing or unreadable: the check reports that on its own
        findings += scan_source(source, rel, solution_names=names, role=role)
    return findings


def solution_names(solution_files: Iterable[str]) -> frozenset[str]:
    """The strings that name a solution file: its path, its base name."""
    names: set[str] = set()
    for rel in solution_files:
        names.add(rel)
        names.add(PurePosixPath(rel).name)
    return frozenset(names)


def scan_source(
    source: str,
    path: str,
    *,
    solution_names: Iterable[str] = (),
    role: Role = "tests",
) -> list[Finding]:
    """Findings in one file's source; a file that does not parse has none (the check reports
    the syntax error instead)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter(
                "ignore"
            )  # invalid escapes and the like: not our business
            tree = ast.parse(source)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return []
    scanner = _Scanner(path, frozenset(solution_names), role)
    try:
        scanner.scan(tree, line_offset=0, depth=0)
    except RecursionError:  # absurd nesting: refuse rather than pass it unseen
        scanner.add(1, "code nested too deeply to scan", "simplify it")
    return scanner.findings()


class _Scanner:
    def __init__(self, path: str, solution_names: frozenset[str], role: Role) -> None:
        self.path = path
        self.solution_names = solution_names
        self.role = role
        self._found: dict[tuple[int, str], Finding] = {}
        self._offset = 0
        self._defined: set[str] = set()

    def findings(self) -> list[Finding]:
        return sorted(self._found.values(), key=lambda f: (f.line, f.what))

    def add(self, line: int, what: str, why: str) -> None:
        line = self._offset + max(line, 1)
        key = (line, what)
        if key not in self._found:
            self._found[key] = Finding(self.path, line, what[:120], why)

    # ---- the walk ---------------------------------------------------------------------

    def scan(self, tree: ast.AST, *, line_offset: int, depth: int) -> None:
        outer_offset = self._offset
        self._offset = line_offset
        try:
            parents = {
                child: node
                for node in ast.walk(tree)
                for child in ast.iter_child_nodes(node)
            }
            aliases = _module_aliases(tree)
            # A class or function of the file's own with such a name is harmless.
            self._defined = {
                node.name
                for node in ast.walk(tree)
                if isinstance(
                    node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
                )
            }
            constants = _constant_names(tree)
            folder = _Folder(constants)
            docstrings = {
                id(node.value)
                for node in ast.walk(tree)
                if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
            }
            for node in ast.walk(tree):
                line = getattr(node, "lineno", 1)
                if isinstance(node, (ast.Import, ast.ImportFrom)):
                    self._import(node, line)
                elif isinstance(node, ast.Name):
                    self._name(node, parents.get(node), line)
                elif isinstance(node, ast.Attribute):
                    self._attribute(node, aliases, line)
                elif isinstance(node, ast.keyword) and node.arg in CODE_KEYWORDS:
                    self.add(
                        getattr(parents.get(node), "lineno", line),
                        f"`{node.arg}=`",
                        "rewrites which file or lines a code object claims",
                    )
                elif isinstance(node, ast.Call):
                    self._call(node, aliases, folder, line)
                elif isinstance(node, (ast.List, ast.Tuple)):
                    self._command_line(node, folder, line)
                if isinstance(node, ast.expr) and not isinstance(node, ast.Name):
                    text = folder.fold(node)
                    if text is not None and not _part_of_folded(node, parents, folder):
                        self._string(
                            text,
                            node,
                            parents,
                            aliases,
                            line,
                            docstring=id(node) in docstrings,
                            depth=depth,
                        )
        finally:
            self._offset = outer_offset

    # ---- rules --------------------------------------------------------------------------

    def _import(self, node: ast.Import | ast.ImportFrom, line: int) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                self._module(alias.name, f"`import {alias.name}`", line)
            return
        module = node.module or ""
        if node.level == 0:
            self._module(module, f"`from {module} import ...`", line)
        for alias in node.names:
            if alias.name in TRACER_NAMES or (
                module == "sys" and alias.name == "monitoring"
            ):
                self.add(line, f"`from {module} import {alias.name}`", _TRACER_WHY)
            elif module in BUILTINS_MODULES and alias.name in EXEC_NAMES | {"*"}:
                self.add(line, f"`from {module} import {alias.name}`", _EXEC_WHY)
            elif alias.name in CODE_NAMES:
                self.add(line, f"`from {module} import {alias.name}`", _CODE_WHY)
            elif alias.name in COVERAGE_NAMES:
                self.add(line, f"`from {module} import {alias.name}`", _COVERAGE_WHY)

    def _module(self, dotted: str, what: str, line: int) -> None:
        root = dotted.split(".")[0]
        if root in FORBIDDEN_MODULES:
            self.add(line, what, FORBIDDEN_MODULES[root])
        elif dotted == "sys.monitoring":
            self.add(line, what, _TRACER_WHY)

    def _name(self, node: ast.Name, parent: ast.AST | None, line: int) -> None:
        if node.id in self._defined:
            return
        if node.id in TRACER_NAMES:
            self.add(line, f"`{node.id}`", _TRACER_WHY)
        elif node.id == "__builtins__":
            self.add(line, "`__builtins__`", _EXEC_WHY)
        elif node.id in CODE_NAMES:
            self.add(line, f"`{node.id}`", _CODE_WHY)
        elif node.id in COVERAGE_NAMES:
            self.add(line, f"`{node.id}`", _COVERAGE_WHY)
        elif (
            node.id in EXEC_NAMES
            and isinstance(node.ctx, ast.Load)
            and not (isinstance(parent, ast.Call) and parent.func is node)
        ):
            # `run = exec` or `map(compile, ...)`: the call can no longer be read here.
            self.add(line, f"`{node.id}` used as a value", _EXEC_WHY)

    def _attribute(
        self, node: ast.Attribute, aliases: dict[str, str], line: int
    ) -> None:
        base = _module_of(node.value, aliases)
        if node.attr in TRACER_NAMES:
            self.add(line, f"`{_dotted(node)}`", _TRACER_WHY)
        elif node.attr == "monitoring" and base == "sys":
            self.add(line, "`sys.monitoring`", _TRACER_WHY)
        elif node.attr in COVERAGE_NAMES:
            self.add(line, f"`{_dotted(node)}`", _COVERAGE_WHY)
        elif node.attr in CODE_NAMES:
            self.add(line, f"`{_dotted(node)}`", _CODE_WHY)
        elif node.attr in EXEC_NAMES and (
            base in BUILTINS_MODULES or _is_builtins_name(node.value)
        ):
            self.add(line, f"`{_dotted(node)}`", _EXEC_WHY)
        elif self.role == "tests" and node.attr == "__dict__" and base in INTROSPECTED:
            self.add(line, f"`{_dotted(node)}`", _DYNAMIC_WHY)
        elif (
            self.role == "tests"
            and base == "gc"
            and node.attr in {"get_objects", "get_referrers", "get_referents"}
        ):
            self.add(line, f"`gc.{node.attr}`", "can find coverage's objects in memory")

    def _call(
        self, node: ast.Call, aliases: dict[str, str], folder: _Folder, line: int
    ) -> None:
        name = _called_name(node.func, aliases)
        if name == "compile":
            self._compile(node, folder, line)
        elif name in ("exec", "eval"):
            self._exec(node, name, folder, line)
        if self.role != "tests":
            return
        short = name.rsplit(".", 1)[-1] if name else ""
        if not short and isinstance(node.func, ast.Attribute):
            short = node.func.attr  # object.__getattribute__(sys, ...)
        if short in ("__import__", "import_module") and not _literal_first(
            node, folder
        ):
            self.add(line, f"`{short}` of a computed name", _DYNAMIC_WHY)
        elif short in GETATTR_CALLS and node.args:
            module = _module_of(node.args[0], aliases)
            if (module in INTROSPECTED or _is_builtins_name(node.args[0])) and (
                len(node.args) < 2 or folder.fold(node.args[1]) is None
            ):
                self.add(
                    line, f"`{short}({module or '__builtins__'}, ...)`", _DYNAMIC_WHY
                )
        elif short in ("vars", "dir", "getmembers", "getmembers_static") and node.args:
            # Every name of sys or builtins, to pick one by a computed test.
            module = _module_of(node.args[0], aliases)
            if module in INTROSPECTED or _is_builtins_name(node.args[0]):
                self.add(line, f"`{short}({module or '__builtins__'})`", _DYNAMIC_WHY)
        elif (
            isinstance(node.func, ast.Attribute)
            and node.func.attr in ("get", "pop", "setdefault", "__getitem__")
            and _is_sys_modules(node.func.value, aliases)
            and not _literal_first(node, folder)
        ):
            self.add(line, "`sys.modules` looked up by a computed name", _DYNAMIC_WHY)

    def _compile(self, node: ast.Call, folder: _Folder, line: int) -> None:
        filename: ast.expr | None = node.args[1] if len(node.args) > 1 else None
        for keyword in node.keywords:
            if keyword.arg == "filename":
                filename = keyword.value
            elif (
                keyword.arg is None
            ):  # compile(**kwargs): the file name is not readable
                filename = keyword.value
        starred = any(isinstance(a, ast.Starred) for a in node.args)
        text = folder.fold(filename) if filename is not None and not starred else None
        if filename is None and not starred:
            return  # compile() without a file name raises TypeError
        if text is None:
            self.add(line, "`compile` with a computed file name", _COMPILE_WHY)
        elif not (text.startswith("<") and text.endswith(">")):
            self.add(line, f"`compile(..., {text[:60]!r}, ...)`", _COMPILE_WHY)

    def _exec(self, node: ast.Call, name: str, folder: _Folder, line: int) -> None:
        args = [*node.args, *(k.value for k in node.keywords)]
        for inner in _walk_outside_compile(args):
            if isinstance(inner, ast.Name) and inner.id == "__file__":
                self.add(line, f"`{name}` given `__file__`", _COMPILE_WHY)
            elif isinstance(inner, ast.Attribute) and inner.attr == "__file__":
                self.add(line, f"`{name}` given a module's `__file__`", _COMPILE_WHY)
            elif isinstance(inner, ast.expr):
                text = folder.fold(inner)
                if text is not None and self._names_a_file(text):
                    self.add(line, f"`{name}` given {text[:60]!r}", _COMPILE_WHY)

    def _names_a_file(self, text: str) -> bool:
        stripped = text.strip()
        return stripped.endswith(".py") or any(
            stripped == n or stripped.endswith("/" + n) for n in self.solution_names
        )

    def _command_line(
        self, node: ast.List | ast.Tuple, folder: _Folder, line: int
    ) -> None:
        """["python", "-m", "coverage", ...] in a subprocess call."""
        words = [folder.fold(e) for e in node.elts]
        for first, second in zip(words, words[1:]):
            if first == "-m" and second and second.split(".")[0] in FORBIDDEN_MODULES:
                self.add(
                    line, f"`-m {second}`", FORBIDDEN_MODULES[second.split(".")[0]]
                )

    def _string(
        self,
        text: str,
        node: ast.expr,
        parents: dict[ast.AST, ast.AST],
        aliases: dict[str, str],
        line: int,
        *,
        docstring: bool,
        depth: int,
    ) -> None:
        last = re.split(r"[.:]", text)[-1]
        if last in TRACER_NAMES:
            self.add(line, f"{text[:60]!r}", _TRACER_WHY)
        if not docstring:
            for pattern, why in DATA_PATTERNS:
                if pattern.search(text):
                    self.add(line, f"{text[:60]!r}", why)
            if COVERAGE_CLI.search(text):
                self.add(line, f"{text[:60]!r}", "drives coverage itself")
        if _is_lookup(node, parents, aliases):
            root = text.split(".")[0]
            if root in FORBIDDEN_MODULES:
                self.add(line, f"{text[:60]!r} looked up", FORBIDDEN_MODULES[root])
            elif last in COVERAGE_NAMES:
                self.add(line, f"{text[:60]!r} looked up", _COVERAGE_WHY)
            elif last in CODE_NAMES:
                self.add(line, f"{text[:60]!r} looked up", _CODE_WHY)
            elif last in EXEC_NAMES | {"__builtins__"} and _is_namespace_lookup(
                node, parents, aliases
            ):
                self.add(line, f"{text[:60]!r} looked up", _EXEC_WHY)
        if depth < MAX_DEPTH and _looks_like_code(text):
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    inner = ast.parse(text)
            except (SyntaxError, ValueError, MemoryError, RecursionError):
                return
            if not _trivial(inner):
                self.scan(inner, line_offset=self._offset + line - 1, depth=depth + 1)


_TRACER_WHY = "replaces or reads the tracer that records which lines run"
_COVERAGE_WHY = "reaches coverage's own objects"
_EXEC_WHY = "exec/compile can run code under a solution file's name"
_COMPILE_WHY = "code compiled under a file's name counts as that file's lines"
_CODE_WHY = "can make a code object that claims to be a solution file's lines"
_DYNAMIC_WHY = "a lookup by a computed name hides what it reaches"


class _Folder:
    """The value of an expression when it is a constant string (or built from some)."""

    def __init__(self, constants: dict[str, ast.expr]) -> None:
        self.constants = constants
        self._active: set[str] = set()

    def fold(self, node: ast.AST | None, depth: int = 0) -> str | None:
        if node is None or depth > 50:
            return None
        value = self._fold(node, depth)
        return value if value is None or len(value) <= MAX_FOLD else None

    def _fold(self, node: ast.AST, depth: int) -> str | None:
        if isinstance(node, ast.Constant):
            if isinstance(node.value, str):
                return node.value
            if isinstance(node.value, bytes):
                return node.value.decode("latin-1")
            return None
        if isinstance(node, ast.Name) and node.id in self.constants:
            if node.id in self._active:  # `a = a + "x"` style cycles
                return None
            self._active.add(node.id)
            try:
                return self.fold(self.constants[node.id], depth + 1)
            finally:
                self._active.discard(node.id)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left, right = self.fold(node.left, depth + 1), self.fold(
                node.right, depth + 1
            )
            return left + right if left is not None and right is not None else None
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
            return None
        if isinstance(node, ast.JoinedStr):
            parts = []
            for value in node.values:
                if isinstance(value, ast.FormattedValue):
                    if value.format_spec is not None or value.conversion != -1:
                        return None
                    value = value.value
                part = self.fold(value, depth + 1)
                if part is None:
                    return None
                parts.append(part)
            return "".join(parts)
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice):
            text = self.fold(node.value, depth + 1)
            bounds = [
                _int(node.slice.lower),
                _int(node.slice.upper),
                _int(node.slice.step),
            ]
            if text is None or any(b is False for b in bounds) or bounds[2] == 0:
                return None
            return text[slice(*bounds)]  # type: ignore[misc]
        if isinstance(node, ast.Call) and not node.keywords:
            func = node.func
            if (
                isinstance(func, ast.Attribute)
                and func.attr == "join"
                and len(node.args) == 1
                and isinstance(node.args[0], (ast.List, ast.Tuple))
            ):
                sep = self.fold(func.value, depth + 1)
                items = [self.fold(e, depth + 1) for e in node.args[0].elts]
                if sep is None or any(i is None for i in items):
                    return None
                return sep.join(items)  # type: ignore[arg-type]
            if (
                isinstance(func, ast.Attribute)
                and func.attr in ("lower", "upper", "strip", "decode", "encode")
                and len(node.args) <= 1
            ):
                text = self.fold(func.value, depth + 1)
                if text is None or func.attr in ("decode", "encode"):
                    return (
                        text  # only ASCII names matter here: the codec changes nothing
                    )
                if func.attr == "strip":
                    return text.strip() if not node.args else None
                return text.lower() if func.attr == "lower" else text.upper()
            if isinstance(func, ast.Name) and func.id == "str" and len(node.args) == 1:
                return self.fold(node.args[0], depth + 1)
        return None


def _part_of_folded(
    node: ast.expr, parents: dict[ast.AST, ast.AST], folder: _Folder
) -> bool:
    """A piece of a larger constant (`"a" + "b"`, an f-string's part): the whole is read."""
    parent = parents.get(node)
    if isinstance(parent, ast.FormattedValue):
        parent = parents.get(parent)
    return isinstance(parent, (ast.BinOp, ast.JoinedStr)) and (
        folder.fold(parent) is not None
    )


def _walk_outside_compile(roots: list[ast.expr]) -> Iterable[ast.AST]:
    """Every node under `roots` except inside `compile(...)` calls, which have their own
    rule (exec(compile(...)) is reported once, for the compile)."""
    stack: list[ast.AST] = list(roots)
    while stack:
        node = stack.pop()
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "compile"
        ):
            continue
        yield node
        stack.extend(ast.iter_child_nodes(node))


def _int(node: ast.expr | None) -> int | None | bool:
    """A slice bound: None when absent, an int when constant, False otherwise."""
    if node is None:
        return None
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    if (
        isinstance(node, ast.UnaryOp)
        and isinstance(node.op, ast.USub)
        and isinstance(node.operand, ast.Constant)
        and type(node.operand.value) is int
    ):
        return -node.operand.value
    return False


def _constant_names(tree: ast.AST) -> dict[str, ast.expr]:
    """Names bound exactly once in the file, by a plain `name = <expression>`."""
    bound: dict[str, list[ast.expr | None]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                for name in ast.walk(target):
                    if isinstance(name, ast.Name):
                        value = node.value if target is name else None
                        bound.setdefault(name.id, []).append(value)
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign, ast.NamedExpr)):
            target = node.target
            if isinstance(target, ast.Name):
                simple = isinstance(node, ast.AnnAssign) and node.value is not None
                bound.setdefault(target.id, []).append(node.value if simple else None)
        elif isinstance(node, (ast.For, ast.comprehension, ast.With)):
            targets = (
                [node.target]
                if not isinstance(node, ast.With)
                else [i.optional_vars for i in node.items if i.optional_vars]
            )
            for target in targets:
                for name in ast.walk(target):
                    if isinstance(name, ast.Name):
                        bound.setdefault(name.id, []).append(None)
    return {
        name: values[0]
        for name, values in bound.items()
        if len(values) == 1 and values[0] is not None
    }


def _module_aliases(tree: ast.AST) -> dict[str, str]:
    """Local name -> the module or module attribute it stands for, from the file's imports
    (`import sys as s`, `from importlib import import_module as im`, `b = __import__("x")`).
    """
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    aliases[alias.asname] = alias.name
                else:
                    root = alias.name.split(".")[0]
                    aliases[root] = root
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and isinstance(node.value, ast.Call)
            and _called_name(node.value.func, aliases).rsplit(".", 1)[-1]
            in ("__import__", "import_module")
            and node.value.args
            and isinstance(node.value.args[0], ast.Constant)
            and isinstance(node.value.args[0].value, str)
        ):
            aliases[node.targets[0].id] = node.value.args[0].value
    return aliases


def _called_name(func: ast.expr, aliases: dict[str, str]) -> str:
    """What a call calls, as a dotted name with import aliases resolved ("" if unknown)."""
    if isinstance(func, ast.Name):
        return aliases.get(func.id, func.id)
    if isinstance(func, ast.Attribute):
        base = _module_of(func.value, aliases)
        if base in BUILTINS_MODULES or _is_builtins_name(func.value):
            return func.attr  # builtins.compile is compile
        if base:
            return f"{base}.{func.attr}"
        return func.attr if func.attr in IMPORT_CALLS else ""
    return ""


def _module_of(node: ast.expr, aliases: dict[str, str]) -> str:
    """The module an expression stands for, when it is a (possibly aliased) module name or
    `__import__("name")` / `importlib.import_module("name")`."""
    if isinstance(node, ast.Name):
        return aliases.get(node.id, node.id if node.id in INTROSPECTED else "")
    if isinstance(node, ast.Attribute):
        base = _module_of(node.value, aliases)
        return f"{base}.{node.attr}" if base else ""
    if (
        isinstance(node, ast.Call)
        and _called_name(node.func, aliases).rsplit(".", 1)[-1]
        in ("__import__", "import_module")
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    ):
        return node.args[0].value
    return ""


def _is_builtins_name(node: ast.expr) -> bool:
    return isinstance(node, ast.Name) and node.id == "__builtins__"


def _is_sys_modules(node: ast.expr, aliases: dict[str, str]) -> bool:
    return _module_of(node, aliases) == "sys.modules"


def _literal_first(node: ast.Call, folder: _Folder) -> bool:
    first = node.args[0] if node.args else None
    if first is None:
        first = next((k.value for k in node.keywords if k.arg == "name"), None)
    return first is not None and folder.fold(first) is not None


def _is_lookup(
    node: ast.expr, parents: dict[ast.AST, ast.AST], aliases: dict[str, str]
) -> bool:
    """Whether a string is used to look a name up: an argument of getattr-like and import
    calls, or a subscript's index."""
    parent = parents.get(node)
    if isinstance(parent, ast.keyword):
        parent = parents.get(parent)
    if isinstance(parent, ast.Subscript) and parent.slice is node:
        return _is_namespace(parent.value, aliases)
    if isinstance(parent, ast.Call) and parent.func is not node:
        name = _called_name(parent.func, aliases).rsplit(".", 1)[-1]
        if not name and isinstance(parent.func, ast.Attribute):
            name = parent.func.attr
        if name in LOOKUP_CALLS:
            return True
        if name in ("get", "pop", "setdefault"):
            return (
                _is_namespace(parent.func.value, aliases)
                if isinstance(parent.func, ast.Attribute)
                else False
            )
    return False


def _is_namespace_lookup(
    node: ast.expr, parents: dict[ast.AST, ast.AST], aliases: dict[str, str]
) -> bool:
    """A lookup of `exec` & co. where it can only mean the built-in: getattr of a module or
    `__builtins__`, or a subscript of a module namespace (vars(builtins)["exec"])."""
    parent = parents.get(node)
    if isinstance(parent, ast.keyword):
        parent = parents.get(parent)
    if isinstance(parent, ast.Subscript):
        return _is_namespace(parent.value, aliases)
    if isinstance(parent, ast.Call):
        name = _called_name(parent.func, aliases).rsplit(".", 1)[-1]
        if isinstance(parent.func, ast.Attribute) and name in ("", "get", "pop"):
            return _is_namespace(parent.func.value, aliases)
        if name in ("getattr", "hasattr", "__getattribute__") and parent.args:
            # Anything but a known other module (getattr(re, "compile") is harmless).
            module = _module_of(parent.args[0], aliases)
            return not module or module in BUILTINS_MODULES
        if name == "methodcaller":  # df.eval is a pandas method; exec/compile are not
            return _text_of(node) in ("exec", "compile")
        return name in ("attrgetter", "resolve_name")
    return False


def _text_of(node: ast.expr) -> str | None:
    return (
        node.value
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
        else None
    )


def _is_namespace(node: ast.expr, aliases: dict[str, str]) -> bool:
    """A module's namespace: `__builtins__`, `<module>.__dict__`, `vars(<module>)`,
    `globals()`, `sys.modules`."""
    if _is_builtins_name(node) or _is_sys_modules(node, aliases):
        return True
    if isinstance(node, ast.Attribute) and node.attr == "__dict__":
        return True
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        return node.func.id in ("vars", "globals", "locals")
    return bool(_module_of(node, aliases)) if isinstance(node, ast.Name) else False


def _looks_like_code(text: str) -> bool:
    return len(text) < MAX_FOLD and (
        any(c in text for c in "\n;(=") or "import " in text
    )


def _trivial(tree: ast.Module) -> bool:
    """A parse of a plain word or dotted name: the string rules already looked at it."""
    return len(tree.body) == 1 and (
        isinstance(tree.body[0], ast.Expr)
        and isinstance(tree.body[0].value, (ast.Name, ast.Attribute, ast.Constant))
    )


def _dotted(node: ast.expr) -> str:
    """`sys.settrace` for an attribute chain; `....settrace` when it starts with a call."""
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    if isinstance(node, ast.Name):
        return node.id
    return "..."


def refuse_tampering(
    ctx: CheckContext, config: CheckConfig, threshold: float
) -> CheckResult | None:
    """The coverage check's failing result when the submission's tests or solution contain
    a way to forge coverage; None when the scan finds nothing. Runs before any test."""
    solutions = set(ctx.solution_files)
    findings = scan_files(
        ctx.submission,
        ctx.test_files,
        ctx.solution_files,
        [rel for rel in ctx.python_files if rel not in solutions],
    )
    if not findings:
        return None
    first = findings[0]
    more = f" (and {len(findings) - 1} more)" if len(findings) > 1 else ""
    return result(
        "coverage",
        "fail",
        config.weight,
        message=f"{first.describe()}{more}: coverage must come from your tests running "
        "the solution, so this is not allowed and your tests were not run",
        details={
            "percent": 0.0,
            "threshold": threshold,
            "files": {
                rel: {"percent": 0.0, "missing_lines": []} for rel in ctx.solution_files
            },
            "student_tests": {"passed": 0, "failed": 0, "failures": []},
            "tampering": [
                {"path": f.path, "line": f.line, "what": f.what, "why": f.why}
                for f in findings[:MAX_FINDINGS]
            ],
        },
    )
