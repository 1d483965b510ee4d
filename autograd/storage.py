"""Where a Value keeps its five fields: the compiled ``autograd._node`` when it was built,
else a plain class with the same slots. Methods and numbers are the same either way.

Set ``CHAINRULE_PURE_PYTHON=1`` before the first import to use the plain class.
"""

from __future__ import annotations

import os
from typing import Any

__all__ = ["COMPILED", "Node", "dot_inputs", "inner_order", "new", "track", "walk_back"]

try:
    if os.environ.get("CHAINRULE_PURE_PYTHON", "") not in ("", "0"):
        raise ImportError("CHAINRULE_PURE_PYTHON is set")
    from autograd._node import Node, dot_inputs, inner_order, new, track, walk_back

    COMPILED = True
except ImportError:
    COMPILED = False

    class Node:  # type: ignore[no-redef]
        """A Value's five fields as slots: the storage when autograd._node was not built."""

        __slots__ = ("data", "grad", "_fn", "_a", "_b")

    new = object.__new__  # type: ignore[assignment]
    inner_order = None  # backward sorts with autograd.value._inner_order
    walk_back = None  # and runs its own loop over every node
    dot_inputs = None  # a dot's parents and products, in Python

    def track(node: Any) -> None:  # type: ignore[misc]
        """Plain instances are always tracked by the cycle collector: nothing to do."""
