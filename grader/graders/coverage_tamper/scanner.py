"""The walk over one file's syntax tree: each import, name, attribute, call and constant
string is held against the rules, and strings that hold code are parsed and walked in turn.
"""

from __future__ import annotations

import ast
import re
import warnings
from dataclasses import dataclass

from grader.graders.coverage_tamper.expressions import (
    called_name,
    dotted,
    is_builtins_name,
    is_lookup,
    is_namespace_lookup,
    is_sys_modules,
    literal_first,
    looks_like_code,
    module_aliases,
    module_of,
    trivial,
    walk_outside_compile,
)
from grader.graders.coverage_tamper.folding import (
    Folder,
    constant_names,
    part_of_folded,
)
from grader.graders.coverage_tamper.rules import (
    BUILTINS_MODULES,
    CODE_KEYWORDS,
    CODE_NAMES,
    CODE_WHY,
    COMPILE_WHY,
    COVERAGE_CLI,
    COVERAGE_NAMES,
    COVERAGE_WHY,
    DATA_PATTERNS,
    DYNAMIC_WHY,
    EXEC_NAMES,
    EXEC_WHY,
    FORBIDDEN_MODULES,
    GETATTR_CALLS,
    INTROSPECTED,
    TRACER_NAMES,
    TRACER_WHY,
    Role,
)

MAX_DEPTH = 3  # strings holding code, inside strings holding code, ...


@dataclass(frozen=True)
class Finding:
    """One way to forge coverage found in the source."""

    path: str
    line: int
    what: str
    why: str

    def describe(self) -> str:
        return f"{self.path}:{self.line}: {self.what} ({self.why})"


class Scanner:
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
            aliases = module_aliases(tree)
            # A class or function of the file's own with such a name is harmless.
            self._defined = {
                node.name
                for node in ast.walk(tree)
                if isinstance(
                    node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
                )
            }
            constants = constant_names(tree)
            folder = Folder(constants)
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
                    if text is not None and not part_of_folded(node, parents, folder):
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
                self.add(line, f"`from {module} import {alias.name}`", TRACER_WHY)
            elif module in BUILTINS_MODULES and alias.name in EXEC_NAMES | {"*"}:
                self.add(line, f"`from {module} import {alias.name}`", EXEC_WHY)
            elif alias.name in CODE_NAMES:
                self.add(line, f"`from {module} import {alias.name}`", CODE_WHY)
            elif alias.name in COVERAGE_NAMES:
                self.add(line, f"`from {module} import {alias.name}`", COVERAGE_WHY)

    def _module(self, dotted: str, what: str, line: int) -> None:
        root = dotted.split(".")[0]
        if root in FORBIDDEN_MODULES:
            self.add(line, what, FORBIDDEN_MODULES[root])
        elif dotted == "sys.monitoring":
            self.add(line, what, TRACER_WHY)

    def _name(self, node: ast.Name, parent: ast.AST | None, line: int) -> None:
        if node.id in self._defined:
            return
        if node.id in TRACER_NAMES:
            self.add(line, f"`{node.id}`", TRACER_WHY)
        elif node.id == "__builtins__":
            self.add(line, "`__builtins__`", EXEC_WHY)
        elif node.id in CODE_NAMES:
            self.add(line, f"`{node.id}`", CODE_WHY)
        elif node.id in COVERAGE_NAMES:
            self.add(line, f"`{node.id}`", COVERAGE_WHY)
        elif (
            node.id in EXEC_NAMES
            and isinstance(node.ctx, ast.Load)
            and not (isinstance(parent, ast.Call) and parent.func is node)
        ):
            # `run = exec` or `map(compile, ...)`: the call can no longer be read here.
            self.add(line, f"`{node.id}` used as a value", EXEC_WHY)

    def _attribute(
        self, node: ast.Attribute, aliases: dict[str, str], line: int
    ) -> None:
        base = module_of(node.value, aliases)
        if node.attr in TRACER_NAMES:
            self.add(line, f"`{dotted(node)}`", TRACER_WHY)
        elif node.attr == "monitoring" and base == "sys":
            self.add(line, "`sys.monitoring`", TRACER_WHY)
        elif node.attr in COVERAGE_NAMES:
            self.add(line, f"`{dotted(node)}`", COVERAGE_WHY)
        elif node.attr in CODE_NAMES:
            self.add(line, f"`{dotted(node)}`", CODE_WHY)
        elif node.attr in EXEC_NAMES and (
            base in BUILTINS_MODULES or is_builtins_name(node.value)
        ):
            self.add(line, f"`{dotted(node)}`", EXEC_WHY)
        elif self.role == "tests" and node.attr == "__dict__" and base in INTROSPECTED:
            self.add(line, f"`{dotted(node)}`", DYNAMIC_WHY)
        elif (
            self.role == "tests"
            and base == "gc"
            and node.attr in {"get_objects", "get_referrers", "get_referents"}
        ):
            self.add(line, f"`gc.{node.attr}`", "can find coverage's objects in memory")

    def _call(
        self, node: ast.Call, aliases: dict[str, str], folder: Folder, line: int
    ) -> None:
        name = called_name(node.func, aliases)
        if name == "compile":
            self._compile(node, folder, line)
        elif name in ("exec", "eval"):
            self._exec(node, name, folder, line)
        if self.role != "tests":
            return
        short = name.rsplit(".", 1)[-1] if name else ""
        if not short and isinstance(node.func, ast.Attribute):
            short = node.func.attr  # object.__getattribute__(sys, ...)
        if short in ("__import__", "import_module") and not literal_first(node, folder):
            self.add(line, f"`{short}` of a computed name", DYNAMIC_WHY)
        elif short in GETATTR_CALLS and node.args:
            module = module_of(node.args[0], aliases)
            if (module in INTROSPECTED or is_builtins_name(node.args[0])) and (
                len(node.args) < 2 or folder.fold(node.args[1]) is None
            ):
                self.add(
                    line, f"`{short}({module or '__builtins__'}, ...)`", DYNAMIC_WHY
                )
        elif short in ("vars", "dir", "getmembers", "getmembers_static") and node.args:
            # Every name of sys or builtins, to pick one by a computed test.
            module = module_of(node.args[0], aliases)
            if module in INTROSPECTED or is_builtins_name(node.args[0]):
                self.add(line, f"`{short}({module or '__builtins__'})`", DYNAMIC_WHY)
        elif (
            isinstance(node.func, ast.Attribute)
            and node.func.attr in ("get", "pop", "setdefault", "__getitem__")
            and is_sys_modules(node.func.value, aliases)
            and not literal_first(node, folder)
        ):
            self.add(line, "`sys.modules` looked up by a computed name", DYNAMIC_WHY)

    def _compile(self, node: ast.Call, folder: Folder, line: int) -> None:
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
            self.add(line, "`compile` with a computed file name", COMPILE_WHY)
        elif not (text.startswith("<") and text.endswith(">")):
            self.add(line, f"`compile(..., {text[:60]!r}, ...)`", COMPILE_WHY)

    def _exec(self, node: ast.Call, name: str, folder: Folder, line: int) -> None:
        args = [*node.args, *(k.value for k in node.keywords)]
        for inner in walk_outside_compile(args):
            if isinstance(inner, ast.Name) and inner.id == "__file__":
                self.add(line, f"`{name}` given `__file__`", COMPILE_WHY)
            elif isinstance(inner, ast.Attribute) and inner.attr == "__file__":
                self.add(line, f"`{name}` given a module's `__file__`", COMPILE_WHY)
            elif isinstance(inner, ast.expr):
                text = folder.fold(inner)
                if text is not None and self._names_a_file(text):
                    self.add(line, f"`{name}` given {text[:60]!r}", COMPILE_WHY)

    def _names_a_file(self, text: str) -> bool:
        stripped = text.strip()
        return stripped.endswith(".py") or any(
            stripped == n or stripped.endswith("/" + n) for n in self.solution_names
        )

    def _command_line(
        self, node: ast.List | ast.Tuple, folder: Folder, line: int
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
            self.add(line, f"{text[:60]!r}", TRACER_WHY)
        if not docstring:
            for pattern, why in DATA_PATTERNS:
                if pattern.search(text):
                    self.add(line, f"{text[:60]!r}", why)
            if COVERAGE_CLI.search(text):
                self.add(line, f"{text[:60]!r}", "drives coverage itself")
        if is_lookup(node, parents, aliases):
            root = text.split(".")[0]
            if root in FORBIDDEN_MODULES:
                self.add(line, f"{text[:60]!r} looked up", FORBIDDEN_MODULES[root])
            elif last in COVERAGE_NAMES:
                self.add(line, f"{text[:60]!r} looked up", COVERAGE_WHY)
            elif last in CODE_NAMES:
                self.add(line, f"{text[:60]!r} looked up", CODE_WHY)
            elif last in EXEC_NAMES | {"__builtins__"} and is_namespace_lookup(
                node, parents, aliases
            ):
                self.add(line, f"{text[:60]!r} looked up", EXEC_WHY)
        if depth < MAX_DEPTH and looks_like_code(text):
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    inner = ast.parse(text)
            except (SyntaxError, ValueError, MemoryError, RecursionError):
                return
            if not trivial(inner):
                self.scan(inner, line_offset=self._offset + line - 1, depth=depth + 1)
