"""What an expression stands for, read from the syntax tree alone: the module a name is bound
to by the file's imports, the dotted name a call calls, whether a string is used to look a
name up, and whether a string looks like code worth parsing."""

from __future__ import annotations

import ast
from typing import Iterable

from grader.graders.coverage_tamper.folding import MAX_FOLD, Folder
from grader.graders.coverage_tamper.rules import (
    BUILTINS_MODULES,
    IMPORT_CALLS,
    INTROSPECTED,
    LOOKUP_CALLS,
)


def module_aliases(tree: ast.AST) -> dict[str, str]:
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
            and called_name(node.value.func, aliases).rsplit(".", 1)[-1]
            in ("__import__", "import_module")
            and node.value.args
            and isinstance(node.value.args[0], ast.Constant)
            and isinstance(node.value.args[0].value, str)
        ):
            aliases[node.targets[0].id] = node.value.args[0].value
    return aliases


def called_name(func: ast.expr, aliases: dict[str, str]) -> str:
    """What a call calls, as a dotted name with import aliases resolved ("" if unknown)."""
    if isinstance(func, ast.Name):
        return aliases.get(func.id, func.id)
    if isinstance(func, ast.Attribute):
        base = module_of(func.value, aliases)
        if base in BUILTINS_MODULES or is_builtins_name(func.value):
            return func.attr  # builtins.compile is compile
        if base:
            return f"{base}.{func.attr}"
        return func.attr if func.attr in IMPORT_CALLS else ""
    return ""


def module_of(node: ast.expr, aliases: dict[str, str]) -> str:
    """The module an expression stands for, when it is a (possibly aliased) module name or
    `__import__("name")` / `importlib.import_module("name")`."""
    if isinstance(node, ast.Name):
        return aliases.get(node.id, node.id if node.id in INTROSPECTED else "")
    if isinstance(node, ast.Attribute):
        base = module_of(node.value, aliases)
        return f"{base}.{node.attr}" if base else ""
    if (
        isinstance(node, ast.Call)
        and called_name(node.func, aliases).rsplit(".", 1)[-1]
        in ("__import__", "import_module")
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    ):
        return node.args[0].value
    return ""


def is_builtins_name(node: ast.expr) -> bool:
    return isinstance(node, ast.Name) and node.id == "__builtins__"


def is_sys_modules(node: ast.expr, aliases: dict[str, str]) -> bool:
    return module_of(node, aliases) == "sys.modules"


def literal_first(node: ast.Call, folder: Folder) -> bool:
    first = node.args[0] if node.args else None
    if first is None:
        first = next((k.value for k in node.keywords if k.arg == "name"), None)
    return first is not None and folder.fold(first) is not None


def is_lookup(
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
        name = called_name(parent.func, aliases).rsplit(".", 1)[-1]
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


def is_namespace_lookup(
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
        name = called_name(parent.func, aliases).rsplit(".", 1)[-1]
        if isinstance(parent.func, ast.Attribute) and name in ("", "get", "pop"):
            return _is_namespace(parent.func.value, aliases)
        if name in ("getattr", "hasattr", "__getattribute__") and parent.args:
            # Anything but a known other module (getattr(re, "compile") is harmless).
            module = module_of(parent.args[0], aliases)
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
    if is_builtins_name(node) or is_sys_modules(node, aliases):
        return True
    if isinstance(node, ast.Attribute) and node.attr == "__dict__":
        return True
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        return node.func.id in ("vars", "globals", "locals")
    return bool(module_of(node, aliases)) if isinstance(node, ast.Name) else False


def looks_like_code(text: str) -> bool:
    return len(text) < MAX_FOLD and (
        any(c in text for c in "\n;(=") or "import " in text
    )


def trivial(tree: ast.Module) -> bool:
    """A parse of a plain word or dotted name: the string rules already looked at it."""
    return len(tree.body) == 1 and (
        isinstance(tree.body[0], ast.Expr)
        and isinstance(tree.body[0].value, (ast.Name, ast.Attribute, ast.Constant))
    )


def dotted(node: ast.expr) -> str:
    """`sys.settrace` for an attribute chain; `....settrace` when it starts with a call."""
    if isinstance(node, ast.Attribute):
        return f"{dotted(node.value)}.{node.attr}"
    if isinstance(node, ast.Name):
        return node.id
    return "..."


def walk_outside_compile(roots: list[ast.expr]) -> Iterable[ast.AST]:
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
