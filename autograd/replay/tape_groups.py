"""How a tape replays one group of nodes: the numpy calls, and where rows are read and added.

A group is every node of one op at one depth whose parents fall in the same
pattern of batched and unbatched slots. Its nodes sit in consecutive rows of the
tape's arrays, so its results and its upstream gradients are views, not copies.

Rows that no input reaches (parameters, constants, a penalty on the parameters)
are the same in every batch row: they live in a second, one-column array, the
narrow rows. A batched group reads them there, broadcast, and adds back their
gradient summed over the batch. (In one array they cost a page per parameter.)
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import numpy as np

from autograd.graph import local_grads_for
from autograd.op import Op, fixed_rule, partners_rule, step_rule
from autograd.replay.blas import matmul, product
from autograd.replay.tape_rows import Scatter, Slot

Rows = tuple[np.ndarray, np.ndarray]
"""The tape's values (or gradients): wide rows, (rows, batch), and narrow rows, (rows, 1);
indexed by a narrow flag, ``rows[narrow]``."""

Passes = tuple[Callable[[], Any], Callable[[Any], None]]
"""A group's forward on one workspace, and its backward, given what forward returned."""


class Group:
    """Nodes ``out`` (a range of rows) of one op; ``parents`` holds their parents' rows.

    ``narrow[j]`` says input slot j comes from the narrow rows, and ``parents[:, j]``
    counts in those; ``batched`` is False when no input reaches these nodes: their
    rows are narrow too.
    ``ids`` are the nodes' positions in the traced order, for messages.
    """

    def __init__(
        self, op: Op, depth: int, ids: list[int], parents: np.ndarray, start: int, narrow: tuple
    ) -> None:
        self.op, self.depth, self.ids, self.parents = op, depth, ids, parents
        self.arity = parents.shape[1]
        self.narrow = narrow
        self.batched = not all(narrow)
        self.out = slice(start, start + len(ids))
        self.form = op.array_function()  # the op table's array form; None: one number at a time
        self.sets: tuple[bool, ...] = ()  # per write (``writes``): it sets its rows, not adds

    def writes(self) -> list[tuple[bool, Any, bool]]:
        """The rows backward adds to, in its order: (narrow, rows, whether the bound
        pass could set them instead, were they still untouched)."""
        return [(n, self.parents[:, j], False) for j, n in enumerate(self.narrow)]

    def workspace(self, rows: int) -> np.ndarray | None:
        """A buffer this group reuses on every replay of ``rows`` rows (most need none)."""
        return None

    def bind(self, values: Rows, grads: Rows, buffer: np.ndarray | None) -> Passes:
        """This group's two passes on one workspace's arrays, as calls that need no
        more arguments: a group whose reads are all views binds them here, once."""
        return partial(self.forward, values, buffer), partial(self.backward, values, grads)

    def local_grads(
        self, out: np.ndarray, args: Sequence[np.ndarray], g: np.ndarray
    ) -> Sequence[Any]:
        """∂node/∂input for each input slot, from the op table's rule, on arrays.

        Where the rule fails on the arrays, it is taken one cell at a time as the scalar
        path takes it (``local_grads_for``): a cell whose upstream ``g`` is 0 passes 0,
        whatever the rule would give there, and any other raises as it does there.
        """
        try:
            if self.form is not None:
                return self.op.grads(out, *args)
            return list(one_at_a_time(self.op.grads, (out, *args), outputs=len(args)))
        except (FloatingPointError, ArithmeticError, ValueError):
            pass
        except TypeError:  # a user's rule written for floats only (math.cos): cell by cell
            if self.op.builtin:
                raise
        cell = partial(_local_or_none, self.op, len(args))
        return list(one_at_a_time(cell, (out, g, *args), outputs=len(args)))

    def upstream(self, values: Rows, grads: Rows) -> tuple[np.ndarray, np.ndarray]:
        """These nodes' values and the gradient reaching them (views)."""
        narrow = not self.batched
        return values[narrow][self.out], grads[narrow][self.out]

    def inputs_at(self, values: Rows) -> list[np.ndarray]:
        """Each input slot as a (nodes, columns) array: the slow, general read."""
        shape = (len(self.ids), values[0].shape[1] if self.batched else 1)
        return [
            np.broadcast_to(values[n][self.parents[:, j]], shape) for j, n in enumerate(self.narrow)
        ]

    def __repr__(self) -> str:
        return f"<{self.op.name} at depth {self.depth}: {len(self.ids)} nodes>"


class Elementwise(Group):
    """An op of one or two inputs, one numpy call per pass for all its nodes."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.slots = [Slot(self.parents[:, j], n, self.batched) for j, n in enumerate(self.narrow)]
        form, params = self.form, self.op.params
        if form is None:
            self.compute = lambda *a: one_at_a_time(self.op.run, a)
        else:
            self.compute = (lambda *a: form(*a, **params)) if params else form
        self.into = isinstance(self.compute, np.ufunc) or _writes_into(self.compute)
        self.fixed = fixed_rule(self.op, self.arity) if form is not None else None
        self.partners = form is not None and self.arity == 2 and partners_rule(self.op, 2)
        # relu's rule, 1.0 above 0 and 0.0 elsewhere: its derivative is the mask a > 0
        self.mask = form is not None and self.arity == 1 and step_rule(self.op) == (1.0, 0.0)

    @property
    def binds(self) -> bool:
        """Whether ``bind`` holds views: the forward writes into its rows, each input's
        rows are one run."""
        return self.into and all(isinstance(slot.at, slice) for slot in self.slots)

    def writes(self) -> list[tuple[bool, Any, bool]]:
        return [(s.narrow, s.at, self.binds and s.plain and not s.narrow) for s in self.slots]

    def bind(self, values: Rows, grads: Rows, buffer: np.ndarray | None) -> Passes:
        if not self.binds:
            return super().bind(values, grads, buffer)
        args = [values[slot.narrow][slot.at] for slot in self.slots]  # views
        out, g = values[not self.batched][self.out], grads[not self.batched][self.out]
        forward = partial(self.compute, *args, out=out)
        sets = self.sets or (False,) * self.arity
        into = [grads[0][s.at] if set_ else None for s, set_ in zip(self.slots, sets, strict=True)]
        calls: list[Callable[[], Any]] = []
        if self.fixed is not None:  # add's 1.0 and 1.0, sub's 1.0 and -1.0
            locals_: Sequence[Any] | None = self.fixed
        elif self.partners:  # mul's rule: each input's derivative is the other input
            locals_ = args[::-1]
        elif self.mask:  # bools multiply as 1.0 and 0.0, the numbers the rule gives
            above = np.empty(args[0].shape, dtype=bool)
            calls.append(partial(np.greater, args[0], 0.0, out=above))
            locals_ = [above]
        else:
            return forward, partial(self.backward_rule, args, out, g, grads, into)
        for slot, rows, local in zip(self.slots, into, locals_, strict=True):
            if rows is not None:  # the first to reach these rows: set, not added to 0
                set_ = partial(np.copyto, rows, g) if _is_one(local) else None
                calls.append(set_ or partial(np.multiply, local, g, out=rows))
                continue
            part = g
            if not _is_one(local):
                part = np.empty(np.broadcast_shapes(np.shape(local), g.shape))
                calls.append(partial(np.multiply, local, g, out=part))
            calls += slot.adding(grads[slot.narrow], part)
        return forward, partial(_each, tuple(calls))

    def backward_rule(
        self, args: list[np.ndarray], out: np.ndarray, g: np.ndarray, grads: Rows, into: list,
        _: Any,
    ) -> None:
        """The bound backward of an op whose rule makes new arrays: called, then multiplied."""
        locals_ = self.local_grads(out, args, g)
        big = g.size >= _REUSED
        for slot, rows, local in zip(self.slots, into, locals_, strict=True):
            if rows is not None:  # the first to reach these rows: set, not added to 0
                np.multiply(local, g, out=rows)
            elif _is_one(local):
                slot.add(grads[slot.narrow], g)
            elif big and _fresh(local, g, args, locals_):
                slot.add(grads[slot.narrow], np.multiply(local, g, out=local))
            else:
                slot.add(grads[slot.narrow], local * g)

    def forward(self, values: Rows, _: Any) -> list[np.ndarray]:
        args = [values[slot.narrow][slot.at] for slot in self.slots]
        if self.into:  # written straight into its rows, no temporary
            self.compute(*args, out=values[not self.batched][self.out])
        else:
            values[not self.batched][self.out] = self.compute(*args)
        return args

    def backward(self, values: Rows, grads: Rows, args: list[np.ndarray]) -> None:
        out, g = self.upstream(values, grads)
        locals_ = self.fixed or self.local_grads(out, args, g)  # fixed: add's 1.0 and 1.0
        big = g.size >= _REUSED
        for slot, local in zip(self.slots, locals_, strict=True):
            if _is_one(local):
                part = g
            elif big and _fresh(local, g, args, locals_):  # the rule's own new array: reused
                part = np.multiply(local, g, out=local)
            else:
                part = local * g
            slot.add(grads[slot.narrow], part)


class Stacked(Group):
    """An n-ary op (a sum, a dot of mixed rows): its inputs gathered as one block."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        form, params = self.form, self.op.params
        if form is None:
            self.compute = lambda v: one_at_a_time(self.op.run, list(v))
        elif self.op.arity is None:  # the table's n-ary forms take their inputs stacked
            self.compute = partial(form, **params) if params else form
        else:
            self.compute = lambda v: form(*v, **params)
        narrow = np.array(self.narrow)
        self.wide_slots, self.narrow_slots = np.flatnonzero(~narrow), np.flatnonzero(narrow)
        self.to_wide = Scatter(self.parents[:, self.wide_slots].T.ravel())
        self.to_narrow = Scatter(self.parents[:, self.narrow_slots].T.ravel())
        fixed = fixed_rule(self.op, self.arity) if self.form is not None else None
        self.fixed = None if fixed is None else np.array(fixed)
        flat = self.parents.T.ravel()  # the rows read, slot by slot: v's order
        self.run: slice | None = None  # those rows when they are one narrow run: a view
        if not self.batched and len(flat) > 1 and (np.diff(flat) == 1).all():
            self.run = slice(int(flat[0]), int(flat[-1]) + 1)

    def workspace(self, rows: int) -> np.ndarray | None:
        return np.empty((self.arity, len(self.ids), rows)) if self.batched else None

    def bind(self, values: Rows, grads: Rows, buffer: np.ndarray | None) -> Passes:
        if self.run is None or self.fixed is None:
            return super().bind(values, grads, buffer)
        v = values[1][self.run].reshape(self.arity, len(self.ids), 1)  # views
        out, g, into = values[1][self.out], grads[1][self.out], grads[1][self.run]
        compute, fixed = self.compute, self.fixed[:, None, None]

        def forward() -> np.ndarray:
            out[...] = compute(v)
            return v

        part = np.empty(np.broadcast_shapes(fixed.shape, g.shape))
        flat = part.reshape(-1, 1)  # a view
        calls = (partial(np.multiply, fixed, g, out=part), partial(np.add, into, flat, out=into))
        return forward, partial(_each, calls)

    def forward(self, values: Rows, buffer: np.ndarray | None) -> np.ndarray:
        rows = self.parents.T
        wide, narrow = values
        if self.run is not None:
            v = narrow[self.run].reshape(self.arity, len(self.ids), 1)
        elif not self.batched:
            v = narrow[rows]
        elif not len(self.narrow_slots):
            v = np.take(wide, rows, axis=0, out=buffer)
        else:
            v = buffer
            v[self.wide_slots] = wide[rows[self.wide_slots]]
            v[self.narrow_slots] = narrow[rows[self.narrow_slots]]
        values[not self.batched][self.out] = self.compute(v)
        return v

    def backward(self, values: Rows, grads: Rows, v: np.ndarray) -> None:
        out, g = self.upstream(values, grads)
        local = self.fixed if self.fixed is not None else self.local_grads(out, list(v), g)
        try:
            blocks = np.array(local, dtype=float)  # all numbers, or arrays of one shape
        except ValueError:  # numbers and arrays mixed: broadcast each
            blocks = np.empty(v.shape)
            for j, d in enumerate(local):
                blocks[j] = d
        if blocks.ndim == 1:  # one number per input slot
            blocks = blocks[:, None, None]
        blocks = blocks * g
        if self.run is not None:
            grads[1][self.run] += blocks.reshape(-1, 1)
            return
        width = g.shape[1]
        if len(self.wide_slots):
            self.to_wide.add(grads[0], blocks[self.wide_slots].reshape(-1, width))
        if len(self.narrow_slots):
            part = blocks[self.narrow_slots].sum(axis=2, keepdims=True)
            self.to_narrow.add(grads[1], part.reshape(-1, 1))


class Chain(Group):
    """Additions each adding one term to the one before, ``((t0 + t1) + t2) + …``, on the
    narrow rows (an L2 penalty written ``sum(p * p for p in params)``): one running sum,
    in the scalar path's order, whose steps are the nodes' numbers. Each term's
    gradient is the last node's (add's derivatives are 1.0)."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        later = self.parents[1:]  # each reads the node before it in one slot, a term in the other
        term = (later[:, 0] == np.arange(self.out.start, self.out.stop - 1)).astype(np.intp)
        self.terms = np.r_[self.parents[0], later[np.arange(len(later)), term]]
        self.to_terms = Scatter(self.terms)

    def workspace(self, rows: int) -> np.ndarray:
        return np.empty((len(self.terms), 1))

    def forward(self, values: Rows, buffer: np.ndarray) -> None:
        try:
            np.add.accumulate(values[1][self.terms], axis=0, out=buffer)
        finally:  # an overflow leaves its steps for the error to read
            values[1][self.out] = buffer[1:]

    def backward(self, values: Rows, grads: Rows, _: Any) -> None:
        g = grads[1][self.out.stop - 1 : self.out.stop]
        self.to_terms.add(grads[1], np.broadcast_to(g, (len(self.terms), 1)))


class Layer(Group):
    """Dots of one set of batched inputs X with unbatched weights W: a layer of neurons.

    Forward is one matrix product W·X. The op table's rule for dot gives each input
    its partner as derivative (∂/∂wᵢ = xᵢ, ∂/∂xᵢ = wᵢ), so backward is two more:
    G·Xᵀ summed over the batch into the weights, Wᵀ·G into the inputs.
    """

    def __init__(self, *args: Any, weights: slice) -> None:
        super().__init__(*args)
        inputs = slice(1 - weights.start, None, 2)
        self.w_rows = self.parents[:, weights]
        self.x = Slot(self.parents[0, inputs], False, True)
        self.grid = _grid(self.w_rows)
        self.views: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    @staticmethod
    def weight_slots(op: Op, parents: np.ndarray, narrow: tuple) -> slice | None:
        """The weights' slots (even or odd) when these dots form a layer, else None."""
        if op.name != "dot" or not op.builtin or not partners_rule(op, parents.shape[1]):
            return None
        for weights in (slice(0, None, 2), slice(1, None, 2)):
            inputs = slice(1 - weights.start, None, 2)
            w, x = parents[:, weights], parents[:, inputs]
            if (
                all(narrow[weights])
                and not any(narrow[inputs])
                and (x == x[0]).all()  # every neuron reads the same inputs
                and len(np.unique(x[0])) == x.shape[1]
                and len(np.unique(w)) == w.size
            ):
                return weights
        return None

    @property
    def binds(self) -> bool:
        """Whether ``bind`` holds views: W's rows form a grid, X's rows are one run."""
        return self.grid is not None and isinstance(self.x.at, slice)

    def writes(self) -> list[tuple[bool, Any, bool]]:
        x_set = self.binds and self.x.plain
        return [(True, self.w_rows.ravel(), False), (False, self.x.at, x_set)]

    def weights(self, narrow: np.ndarray) -> np.ndarray:
        """W from the narrow rows: a view when its rows form a grid, else a copy."""
        if self.grid is None:
            return narrow[self.w_rows, 0]
        held = self.views.get(id(narrow))
        if held is None or held[0] is not narrow:
            if len(self.views) > 3:  # arrays of an earlier batch size
                self.views.clear()
            start, strides = self.grid
            column = narrow[start:, 0]
            view = np.lib.stride_tricks.as_strided(
                column, self.w_rows.shape, [s * column.itemsize for s in strides]
            )
            held = self.views[id(narrow)] = (narrow, view)
        return held[1]

    def bind(self, values: Rows, grads: Rows, buffer: np.ndarray | None) -> Passes:
        if not self.binds:
            return super().bind(values, grads, buffer)
        w, w_grad = self.weights(values[1]), self.weights(grads[1])  # views
        x, out, g = values[0][self.x.at], values[0][self.out], grads[0][self.out]
        forward = product(w, x, out)
        to_w = np.empty(w.shape)
        calls = [product(g, x.T, to_w), partial(np.add, w_grad, to_w, out=w_grad)]
        if self.sets[1:] == (True,):  # the first to reach x's rows: the product written there
            calls.append(product(w.T, g, grads[0][self.x.at]))
        else:
            to_x = np.empty(x.shape)
            calls += [product(w.T, g, to_x), *self.x.adding(grads[0], to_x)]
        return forward, partial(_each, tuple(calls))

    def forward(self, values: Rows, _: Any) -> tuple[np.ndarray, np.ndarray]:
        w, x = self.weights(values[1]), values[0][self.x.at]
        matmul(w, x, values[0][self.out])
        return w, x

    def backward(self, values: Rows, grads: Rows, saved: tuple) -> None:
        w, x = saved
        g = grads[0][self.out]
        if self.grid is None:
            grads[1][self.w_rows, 0] += matmul(g, x.T)
        else:
            self.weights(grads[1])[...] += matmul(g, x.T)
        self.x.add(grads[0], matmul(w.T, g))


def _each(calls: Sequence[Callable[[], Any]], _: Any = None) -> None:
    """A bound pass: its numpy calls, each on arrays held from step to step, in order."""
    for call in calls:
        call()


def one_at_a_time(f: Callable[..., Any], arrays: Sequence[np.ndarray], outputs: int = 0) -> Any:
    """``f`` on each element of the broadcast arrays: an op with no numpy form.

    With ``outputs`` > 0, ``f`` gives that many numbers and the result is stacked
    along a new first axis.
    """
    shape = np.broadcast_shapes(*(np.shape(a) for a in arrays))
    flat = [np.broadcast_to(a, shape).ravel().tolist() for a in arrays]
    results = np.array([f(*z) for z in zip(*flat, strict=True)], dtype=float)
    if outputs:
        return np.moveaxis(results.reshape(*shape, outputs), -1, 0)
    return results.reshape(shape)


def _local_or_none(op: Op, arity: int, out: float, g: float, *inputs: float) -> Sequence[float]:
    """One cell's local derivatives by the scalar rule; zeros where its upstream ``g`` is 0."""
    locals_ = local_grads_for(op, out, inputs, g)
    return (0.0,) * arity if locals_ is None else locals_


def _writes_into(form: Callable[..., Any]) -> bool:
    """Whether an array form takes ``out=`` (relu's), as numpy's functions do."""
    try:
        return "out" in inspect.signature(form).parameters
    except (TypeError, ValueError):
        return False


def _is_one(local: Any) -> bool:
    return type(local) is float and local == 1.0


def _grid(rows: np.ndarray) -> tuple[int, tuple[int, int]] | None:
    """(first row, steps down and across) when ``rows[i, j]`` is first + i·down + j·across."""
    first = int(rows[0, 0])
    across = int(rows[0, 1]) - first if rows.shape[1] > 1 else 0
    # one row: any step down reads the same numbers, and a step of 0 would keep numpy
    # from handing the product to BLAS (a loop of its own, 20x slower at 64 x 10,000)
    down = int(rows[1, 0]) - first if len(rows) > 1 else max(1, across * rows.shape[1])
    i, j = np.indices(rows.shape)
    if down < 0 or across < 0 or not (rows == first + i * down + j * across).all():
        return None
    return first, (down, across)


_REUSED = 4096  # below this many numbers, a new array costs less than checking for one


def _fresh(local: Any, g: np.ndarray, args: Sequence[Any], locals_: Sequence[Any]) -> bool:
    """Whether ``local`` is an array the rule made for this call alone, to be reused."""
    return (
        type(local) is np.ndarray
        and local.flags.owndata
        and local.dtype == np.float64
        and local.shape == g.shape
        and not any(local is a for a in args)
        and sum(local is d for d in locals_) == 1
    )
