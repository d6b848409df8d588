"""The constant folder: the value of an expression when it is a constant string, so that
`"set" + "trace"`, `"".join([...])`, `"..."[::-1]` or a name bound once to a constant read
as the string they make."""

from __future__ import annotations

import ast

MAX_FOLD = 100_000  # longest folded string; anything longer is not a name or a path


class Folder:
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


def part_of_folded(
    node: ast.expr, parents: dict[ast.AST, ast.AST], folder: Folder
) -> bool:
    """A piece of a larger constant (`"a" + "b"`, an f-string's part): the whole is read."""
    parent = parents.get(node)
    if isinstance(parent, ast.FormattedValue):
        parent = parents.get(parent)
    return isinstance(parent, (ast.BinOp, ast.JoinedStr)) and (
        folder.fold(parent) is not None
    )


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


def constant_names(tree: ast.AST) -> dict[str, ast.expr]:
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
