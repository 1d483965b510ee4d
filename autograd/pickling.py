"""A Value's state for pickle, copy and deepcopy, without recursion however deep the graph.

Pickle saves an object's state before it returns, so a chain of 5000 ops, each node's
state holding its parent, would nest 5000 saves deep (RecursionError). Instead, a node
an op made hands over, before its own fields, its ancestors in topological order
(``topo_order``: each after its parents): pickle saves them one after another, each
finding its parents already saved (pickle's memo refers back to them), so nothing
nests and every shared ancestor is saved once, as the same object.

While those are saved, each ancestor must give its own fields only, not its ancestors
again (that would be quadratic): the node marks them, in a set of its thread, and the
``_Done`` saved after its fields takes the marks off. A mark left behind (a pickle
that failed midway) costs nothing but one level of nesting: a marked node still gives
all its fields, so what is saved is right either way.
"""

from __future__ import annotations

import threading
from typing import Any

from autograd.backward import topo_order

__all__ = ["copy_of", "restore", "state_of"]

_marks = threading.local()  # .covered: ids of the nodes whose ancestors are being saved


def _fields(node: Any) -> tuple:
    return node._data, node.grad, node._fn, node._a, node._b, node.label


class _Done:
    """Saved after a node's fields: takes the marks that node put off, then pickles as ()."""

    def __init__(self, covered: set[int], added: list[int]) -> None:
        self.covered, self.added = covered, added

    def __reduce__(self) -> tuple:
        self.covered.difference_update(self.added)
        return tuple, ()


def state_of(node: Any) -> tuple:
    """``node``'s fields; for a node an op made, first its ancestors (see the top)."""
    covered = getattr(_marks, "covered", None)
    if covered is None:
        covered = _marks.covered = set()
    if node._a is None or id(node) in covered:
        return _fields(node)
    ancestors = [p for p in topo_order(node)[:-1] if p._a is not None]  # the node is last
    added = [id(p) for p in ancestors if id(p) not in covered]
    covered.update(added)
    return ancestors, _fields(node), _Done(covered, added)


def restore(node: Any, state: tuple) -> None:
    """Set ``node``'s fields from ``state_of``'s tuple (its ancestors are set already)."""
    if len(state) == 3:
        state = state[1]
    node.data, node.grad, node._fn, node._a, node._b, node.label = state


def copy_of(node: Any) -> Any:
    """``copy.copy(node)``: a new Value with the same fields (parents shared, not copied)."""
    kind = type(node)
    twin = kind.__new__(kind)
    restore(twin, _fields(node))
    return twin
