"""micrograd's ``_backward``, ``_prev`` and ``_op`` on Value, with an assignment that
explains itself.

A plain Value computes them from its op (the op table) and parents, so assigning one
would be lost; instead of Python's bare "read-only" the error says what to do. A
learner's subclass of Value keeps the ``_backward`` closure it sets, as micrograd's does.
"""

from __future__ import annotations

from collections.abc import Callable
from types import MethodType
from typing import Any

__all__ = ["MicrogradName"]

_INSTEAD = {
    "_backward": (
        "a plain Value's chain rule comes from the op table. To write your own "
        "_backward as micrograd does, subclass it (class MyValue(Value): ...) and set "
        "out._backward on the nodes your ops make, or add the op to the table with "
        "autograd.define_op (docs/ops.md)"
    ),
    "_prev": (
        "the parents are recorded by the op that made the node. For a node of your own "
        "op, pass them when you make it: Value(data, _children, _op), as micrograd does"
    ),
    "_op": (
        "the symbol comes from the op that made the node. For a node of your own op, "
        "pass it when you make it: Value(data, _children, _op), as micrograd does"
    ),
}


class MicrogradName:
    """A micrograd name read from the graph (``method``: bound as a method, else read
    as a property); assigning it raises an AttributeError that says what to do."""

    def __init__(self, read: Callable[[Any], Any], *, method: bool = False) -> None:
        self.read, self.method = read, method
        self.name = read.__name__
        self.__doc__ = read.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, node: Any, owner: type | None = None) -> Any:
        if node is None:
            return self.read if self.method else self
        if self.method:
            own = getattr(node, "__dict__", None)  # a learner's subclass: its closure
            if own and self.name in own:
                return own[self.name]
            return MethodType(self.read, node)
        return self.read(node)

    def __set__(self, node: Any, value: Any) -> None:
        own = getattr(node, "__dict__", None)
        if self.method and own is not None:
            own[self.name] = value
            return
        label = f" (label {node.label!r})" if node.label else ""
        raise AttributeError(
            f"cannot set {self.name} of {type(node).__name__}(data={node.data!r}){label}: "
            f"{_INSTEAD[self.name]}"
        )
