"""Where a Value keeps its six fields (data, grad, _fn, _a, _b, _label): the compiled
``autograd._node`` when it was built, else a plain class with the same slots. Methods and
numbers are the same either way, and either kind of Value can be weakly referenced.

The compiled module also sorts a graph and runs backward's loop over float nodes, makes
a dot's parents and products, and reads and writes many Values' numbers at once; here
each is None (or ``numbers``/``set_numbers`` go one Value at a time) without it.

Set ``CHAINRULE_PURE_PYTHON=1`` before the first import to use the plain class. On a
free-threaded Python (3.13t) importing the compiled module turns the GIL back on (it
declares ``Py_MOD_GIL_USED``: its loops move many nodes' fields without locks).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from operator import attrgetter
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "COMPILED", "Node", "dot_inputs", "inner_order", "new", "numbers", "set_numbers", "track",
    "walk_back",
]

try:
    if os.environ.get("CHAINRULE_PURE_PYTHON", "") not in ("", "0"):
        raise ImportError("CHAINRULE_PURE_PYTHON is set")
    from autograd._node import (
        Node,
        dot_inputs,
        inner_order,
        new,
        read_numbers,
        track,
        walk_back,
        write_numbers,
    )

    COMPILED = True
except ImportError:
    COMPILED = False

    class Node:  # type: ignore[no-redef]
        """A Value's six fields as slots: the storage when autograd._node was not built."""

        __slots__ = ("data", "grad", "_fn", "_a", "_b", "_label", "__weakref__")

    new = object.__new__  # type: ignore[assignment]
    inner_order = None  # backward sorts with autograd.backward.inner_order_in_python
    walk_back = None  # and runs its own loop over every node
    dot_inputs = None  # a dot's parents and products, in Python
    read_numbers = write_numbers = None  # many Values' numbers, one at a time

    def track(node: Any) -> None:  # type: ignore[misc]
        """Plain instances are always tracked by the cycle collector: nothing to do."""


def numbers(
    values: Sequence[Any], field: str, slow: Callable[[], Iterable[Any]] | None = None
) -> np.ndarray:
    """Each Value's ``data`` (or ``grad``, as ``field`` says) in one float64 array. Where
    one is not a float or an int, or not compiled, the numbers are read one by one, by
    ``slow()`` if given (a reader that explains what it refuses)."""
    import numpy as np

    if read_numbers is not None and type(values) is list:
        out = np.empty(len(values))
        if read_numbers(values, field == "grad", out):
            return out
    read = slow() if slow is not None else map(attrgetter(field), values)
    return np.fromiter(read, float, len(values))


def set_numbers(
    values: Sequence[Any], field: str, new: np.ndarray | float, add: bool = False
) -> None:
    """Each Value's ``data`` (or ``grad``) set to ``new[i]`` (or to the float ``new``), or
    with ``add``, to itself plus ``new[i]`` (as ``+=`` does)."""
    if type(new) is float:
        fast = write_numbers is not None and type(values) is list
        if not fast or not write_numbers(values, field == "grad", new, False):
            for value in values:
                setattr(value, field, new)
        return
    if write_numbers is not None and type(values) is list and new.dtype.char == "d":
        if write_numbers(values, field == "grad", new.ravel(), add):
            return
    if add:
        for value, number in zip(values, new.tolist(), strict=True):
            setattr(value, field, getattr(value, field) + number)
    else:
        for value, number in zip(values, new.tolist(), strict=True):
            setattr(value, field, number)
