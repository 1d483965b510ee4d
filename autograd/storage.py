"""Where a Value keeps its six fields (data, grad, _fn, _a, _b, _label): the compiled
``autograd._node`` when it was built, else a plain class with the same slots. Methods and
numbers are the same either way, and either kind of Value can be weakly referenced.

``v.data = x`` is checked (``checked_data``: a finite real number, kept as a float); the
ops, which make finite floats, write the same field unchecked as ``_data``. On the
compiled storage ``v.grad = x`` is checked too (``backward.checked_grad``: a number, or a
Value handed to the cycle collector), and the ops write it as ``_grad``; the plain class,
whose every instance the collector sees, keeps whatever a grad is given.

The compiled module also fills an op's new node in one call (``made``), sorts a graph
and runs backward's loop over float nodes, makes a dot's parents and products, and
reads and writes many Values' numbers at once; here each is None (or
``numbers``/``set_numbers`` go one Value at a time) without it.

Set ``CHAINRULE_PURE_PYTHON=1`` before the first import to use the plain class. On a
free-threaded Python (3.13t) importing the compiled module turns the GIL back on (it
declares ``Py_MOD_GIL_USED``: its loops move many nodes' fields without locks).
"""

from __future__ import annotations

import math
import numbers as real
import os
from collections.abc import Callable, Iterable, Sequence
from operator import attrgetter
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "COMPILED", "Node", "all_finite", "checked_data", "dot_inputs", "inner_order", "made", "new",
    "numbers",
    "set_numbers", "track",
    "walk_back",
]

try:
    if os.environ.get("CHAINRULE_PURE_PYTHON", "") not in ("", "0"):
        raise ImportError("CHAINRULE_PURE_PYTHON is set")
    from autograd._node import (
        Node,
        dot_inputs,
        inner_order,
        made,
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

        __slots__ = ("_data", "grad", "_fn", "_a", "_b", "_label", "__weakref__")

        def _set_data(self, x: float) -> None:
            finite = type(x) is float and -math.inf < x < math.inf
            self._data = x if finite else self._checked_data(x)

        data = property(attrgetter("_data"), _set_data, doc="The number (checked when set).")

    # the ops write grad as _grad, the compiled storage's unchecked name for the same field
    Node._grad = Node.grad  # type: ignore[attr-defined]

    new = object.__new__  # type: ignore[assignment]
    made = None  # the ops write a node's five fields themselves
    inner_order = None  # backward sorts with autograd.backward.inner_order_in_python
    walk_back = None  # and runs its own loop over every node
    dot_inputs = None  # a dot's parents and products, in Python
    read_numbers = write_numbers = None  # many Values' numbers, one at a time

    def track(node: Any) -> None:  # type: ignore[misc]
        """Plain instances are always tracked by the cycle collector: nothing to do."""


def checked_data(node: Any, x: Any) -> float:
    """``x`` as the float ``node.data`` holds, or an error naming the value, the node and
    what to do: a ValueError for NaN or infinity, a TypeError for what is not a number."""
    name = getattr(node, "_label", "")
    where = f"data of Value {name!r}" if name else f"data of a Value (data={node._data!r})"
    if isinstance(x, real.Real) and not isinstance(x, Node):
        try:
            number = float(x)
        except OverflowError:
            raise ValueError(f"cannot set {where} to {x!r:.60}: too large for a float") from None
        if math.isfinite(number):
            return number
        raise ValueError(
            f"cannot set {where} to {number}: a Value holds a finite number. Find where the "
            f"{number} came from (a division by 0, a log of 0, an overflow, a learning rate "
            f"too large) and set a finite one"
        )
    raise TypeError(
        f"cannot set {where} to {type(x).__name__} {x!r:.60}: data is one real number (int, "
        f"float or numpy scalar). Convert it first (float(...)), or make one Value per number"
    )


_FIELDS = {"data": "_data", "grad": "grad"}  # the slots many Values' numbers move through


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
    read = slow() if slow is not None else map(attrgetter(_FIELDS[field]), values)
    return np.fromiter(read, float, len(values))


def all_finite(array: np.ndarray) -> bool:
    """No NaN or infinity in ``array`` (many Values' numbers): counted, twice as fast as
    ``np.isfinite(array).all()``."""
    import numpy as np

    return np.count_nonzero(np.isfinite(array)) == array.size


def set_numbers(
    values: Sequence[Any], field: str, new: np.ndarray | float, add: bool = False
) -> None:
    """Each Value's ``data`` (or ``grad``) set to ``new[i]`` (or to the float ``new``), or
    with ``add``, to itself plus ``new[i]`` (as ``+=`` does)."""
    if type(new) is float:
        fast = write_numbers is not None and type(values) is list
        if not fast or not write_numbers(values, field == "grad", new, False):
            for value in values:
                setattr(value, _FIELDS[field], new)
        return
    if write_numbers is not None and type(values) is list and new.dtype.char == "d":
        if write_numbers(values, field == "grad", new.ravel(), add):
            return
    field = _FIELDS[field]  # data unchecked, as the compiled loop writes it
    if add:
        for value, number in zip(values, new.tolist(), strict=True):
            setattr(value, field, getattr(value, field) + number)
    else:
        for value, number in zip(values, new.tolist(), strict=True):
            setattr(value, field, number)
