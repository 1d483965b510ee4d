"""Safe expressions on Values: ``a*b + a.tanh()`` parsed with ``ast``, nothing else run.

Only numbers, the given names, ``+ - * / **``, unary minus and the Value methods
(``a.tanh()`` or ``tanh(a)``) are allowed. ``python -m viz`` and the drills read
expressions with it.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable
from typing import Any

from autograd.ops import OPS
from autograd.value import Value

__all__ = ["METHODS", "ExpressionError", "evaluate"]

METHODS = frozenset(
    name for name, op in OPS.items() if op.builtin and callable(getattr(Value, name, None))
)
"""The Value methods an expression may call: the table's built-in ops a Value has as methods."""

_BINARY: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
}
_UNARY: dict[type, Callable[[Any], Any]] = {ast.USub: operator.neg, ast.UAdd: operator.pos}


class ExpressionError(ValueError):
    """The expression uses something outside Value arithmetic, or cannot be read."""


def evaluate(text: str, names: dict[str, Value], *, need_name: bool = True) -> Any:
    """The Value of ``text`` with ``names`` bound; an ``ExpressionError`` says what is wrong.

    With ``need_name=False`` an expression of numbers alone gives a float.
    """
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as err:
        raise ExpressionError(
            f"syntax error in {text!r} at column {err.offset}: {err.msg}"
        ) from None
    result = _eval(tree.body, names)
    if need_name and not isinstance(result, Value):
        raise ExpressionError(f"{text!r} uses no name: give it at least one, as in a*2 a=3")
    return result


def _eval(node: ast.AST, names: dict[str, Value]) -> Any:
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        try:  # a float, so constant arithmetic is float arithmetic: 9**9**9 overflows at once
            return float(node.value)
        except OverflowError:
            raise ExpressionError(f"the number {node.value} is too large for a float") from None
    if isinstance(node, ast.Name):
        if node.id not in names:
            given = ", ".join(sorted(names)) or "none"
            raise ExpressionError(
                f"unknown name {node.id!r}: give it a value, as in {node.id}=1.5 (given: {given})"
            )
        return names[node.id]
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _eval(node.left, names), _eval(node.right, names)
        try:
            return _BINARY[type(node.op)](left, right)
        except OverflowError:
            raise ExpressionError(f"{ast.unparse(node)} is too large for a float") from None
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return _UNARY[type(node.op)](_eval(node.operand, names))
    if isinstance(node, ast.Call):
        return _call(node, names)
    shown = ast.unparse(node)
    raise ExpressionError(
        f"{shown!r} is not Value arithmetic: use numbers, names, + - * / ** and the Value "
        "methods (a.tanh(), exp(a) ...)"
    )


def _call(node: ast.Call, names: dict[str, Value]) -> Any:
    func = node.func
    method = func.attr if isinstance(func, ast.Attribute) else ast.unparse(func)
    if method in METHODS and not (isinstance(func, ast.Attribute) or node.args):
        raise ExpressionError(f"{method}() needs a value: {method}(a) or a.{method}()")
    if method not in METHODS:
        raise ExpressionError(
            f"unsupported function {method!r}; the Value methods are: {', '.join(sorted(METHODS))}"
        )
    if isinstance(func, ast.Attribute):  # a.tanh()
        target = _eval(func.value, names)
    else:  # tanh(a)
        target = _eval(node.args[0], names)
        node = ast.Call(func, node.args[1:], node.keywords)
    if not isinstance(target, Value):
        target = Value(float(target))
    args = [_eval(a, names) for a in node.args]
    kwargs = {k.arg: _eval(k.value, names) for k in node.keywords if k.arg is not None}
    return getattr(target, method)(*args, **kwargs)
