"""A traced graph as a flat tape, replayed forward and backward with numpy over a batch.

``trace(f, *example)`` runs ``f`` once on Values and records its graph in
topological order: for each node, its op and the positions of its parents.
``tape.forward(*batch)`` then evaluates the same graph for many inputs at once,
with one numpy call for all the nodes of one op at one depth, and
``tape.backward()`` applies the op table's local derivatives to those arrays.

The rule: a tape is only right for functions whose graph does not depend on the
data. A Python ``if`` on ``x.data``, or a number computed from the data and used as
a constant, is frozen at its traced value. ``tape.verify(*example)`` retraces at
other inputs and raises ``TapeMismatch`` at the first node that differs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from autograd.ops import Op, sigmoid_of_array
from autograd.value import Value, _parents, topo_order

__all__ = ["Tape", "TapeMismatch", "trace"]

Example = float | Sequence[float]


class TapeMismatch(ValueError):
    """A retrace of the function gave a different graph than the tape holds."""


# Forward of each built-in op on stacked parents, an array of shape
# (nodes, parents, rows). The local derivatives are not repeated here: backward
# calls each op's own ``local_grads`` from the table with arrays.
_NUMPY: dict[str, Callable[..., np.ndarray]] = {
    "add": lambda v: v[:, 0] + v[:, 1],
    "sub": lambda v: v[:, 0] - v[:, 1],
    "mul": lambda v: v[:, 0] * v[:, 1],
    "div": lambda v: v[:, 0] / v[:, 1],
    "neg": lambda v: -v[:, 0],
    "pow": lambda v, *, k: v[:, 0] ** k,
    "exp": lambda v: np.exp(v[:, 0]),
    "log": lambda v: np.log(v[:, 0]),
    "sqrt": lambda v: np.sqrt(v[:, 0]),
    "tanh": lambda v: np.tanh(v[:, 0]),
    "sigmoid": lambda v: sigmoid_of_array(v[:, 0]),
    "softplus": lambda v: np.maximum(v[:, 0], 0.0) + np.log1p(np.exp(-np.abs(v[:, 0]))),
    "relu": lambda v: np.where(v[:, 0] > 0, v[:, 0], 0.0),
    "leaky_relu": lambda v, *, slope: np.where(v[:, 0] > 0, v[:, 0], slope * v[:, 0]),
    "abs": lambda v: np.abs(v[:, 0]),
    "sum": lambda v: v.sum(axis=1),
    "dot": lambda v: (v[:, 0::2] * v[:, 1::2]).sum(axis=1),
}


class _Group:
    """All nodes of one op with the same depth and number of parents.

    ``batched`` is False when no input reaches these nodes (a penalty on the
    parameters, say): they are the same in every row, so they run on one column.
    """

    def __init__(
        self,
        op: Op,
        depth: int,
        batched: bool,
        out: list[int],
        parents: list[list[int]],
        grads_batched: bool,
    ) -> None:
        self.op, self.depth, self.batched = op, depth, batched
        self.grads_batched = grads_batched  # False: only column 0 of the grads is used
        self.out = np.array(out, dtype=np.intp)
        self.parents = np.array(parents, dtype=np.intp)  # (nodes, arity)
        self.arity = self.parents.shape[1]
        numpy_form = _NUMPY.get(op.name) if op.builtin else None
        self.vectorized = numpy_form is not None
        self._forward = numpy_form
        self.flat = self.parents.T.ravel()
        self._plan_scatter(self.flat)

    def _plan_scatter(self, flat: np.ndarray) -> None:
        """Backward adds contributions in (arity, nodes) order. A parent met once gets
        its row added directly; parents met c times (an input in every neuron of a
        layer) are summed as one (c, parents, rows) block per count c."""
        targets, first, counts = np.unique(flat, return_index=True, return_counts=True)
        self.all_unique = bool((counts == 1).all())
        once = counts == 1
        self.once_targets, self.once_rows = targets[once], first[once]
        order = np.argsort(flat, kind="stable")
        starts = np.r_[0, np.cumsum(counts)[:-1]]
        self.repeated = [
            (targets[counts == c], order[starts[counts == c][None, :] + np.arange(c)[:, None]])
            for c in np.unique(counts[counts > 1]).tolist()
        ]

    def forward(self, v: np.ndarray) -> np.ndarray:
        if self.vectorized:
            return self._forward(v, **self.op.params)
        run = self.op.run
        return np.array([[run(*v[i, :, r]) for r in range(v.shape[2])] for i in range(len(v))])

    def local_grads(self, out: np.ndarray, v: np.ndarray) -> np.ndarray:
        """(arity, nodes, rows): ∂node/∂parent, from the op table's rule."""
        if out.size == 1:  # one node in one column (a sum of a penalty): floats are faster
            local = self.op.grads(out.item(), *v.ravel().tolist())
            return np.array(local, dtype=float)[:, None, None]
        if not self.vectorized:
            grads = self.op.grads
            per = [
                [grads(out[i, r], *v[i, :, r]) for r in range(v.shape[2])] for i in range(len(v))
            ]
            return np.array(per, dtype=float).transpose(2, 0, 1)
        locals_ = self.op.grads(out, *v.transpose(1, 0, 2))
        try:
            stacked = np.array(locals_, dtype=float)
        except ValueError:  # numbers and arrays mixed: broadcast each
            stacked = np.empty((self.arity, *out.shape))
            for j, local in enumerate(locals_):
                stacked[j] = local
        return stacked[:, None, None] if stacked.ndim == 1 else stacked

    def scatter(self, grads: np.ndarray, contributions: np.ndarray) -> None:
        """Add each (arity·nodes, rows) contribution to its parent's gradient row."""
        if self.all_unique:
            grads[self.flat] += contributions
            return
        if len(self.once_rows):
            grads[self.once_targets] += contributions[self.once_rows]
        for targets, rows in self.repeated:
            grads[targets] += contributions[rows].sum(axis=0)

    def describe(self) -> str:
        return f"{self.op.name} at depth {self.depth} ({len(self.out)} nodes)"


class Tape:
    """A traced function: ``forward(*batch)``, then ``backward(seed)``.

    Leaves made from the example are the inputs and take a new value per row;
    every other leaf (a parameter, a constant) is shared by all rows, read from
    its Value at each forward, and its ``grad`` gets the sum over rows at backward.
    """

    def __init__(self, fn: Callable[..., Any], example: Sequence[Example]) -> None:
        self.fn = fn
        self._widths = [_width(arg, i) for i, arg in enumerate(example)]
        args = _input_values(example)
        outputs = _call(fn, args)
        self.single = isinstance(outputs, Value)
        self.outputs = [outputs] if self.single else list(outputs)
        if not self.outputs or not all(isinstance(o, Value) for o in self.outputs):
            raise TypeError("trace: the function must return a Value or a list of Values")
        self.nodes = _topo_all(self.outputs)
        index = {node: i for i, node in enumerate(self.nodes)}
        inputs = _flat(args)
        self.program = _program(self.nodes, index, inputs)
        # each input's row; one f never used gets the gradients' spare row
        rows = np.array([index.get(v, len(self.nodes)) for v in inputs], dtype=np.intp)
        self._input_rows = rows
        self._used = np.flatnonzero(rows < len(self.nodes))
        bounds = np.cumsum([0] + [w or 1 for w in self._widths])
        self._arg_rows = [  # where each argument's rows are
            (rows[a:b] if w else int(rows[a]), w)
            for a, b, w in zip(bounds[:-1], bounds[1:], self._widths, strict=True)
        ]
        self.shared = [n for n in self.nodes if n.is_leaf and n not in inputs]
        self.shared_index = np.array([index[n] for n in self.shared], dtype=np.intp)
        self.output_index = np.array([index[o] for o in self.outputs], dtype=np.intp)
        self.groups = _groups(self.nodes, index, inputs, {index[o] for o in self.outputs})
        self._values: np.ndarray | None = None
        self._work: tuple[np.ndarray, np.ndarray, list[np.ndarray | None]] | None = None
        self._saved: list[np.ndarray] = []

    # -- replay ------------------------------------------------------------------------

    def forward(self, *batch: Any) -> np.ndarray:
        """The outputs for every row: shape (rows,) for one output, else (rows, outputs)."""
        columns = self._columns(batch)
        rows = columns.shape[1]
        values, _, gathered = self._workspace(rows)
        values[self._input_rows[self._used]] = columns[self._used]
        values[self.shared_index] = np.array([n.data for n in self.shared])[:, None]
        saved = []
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            for group in self.groups:
                if group.batched:
                    v = np.take(values, group.parents, axis=0, out=gathered[len(saved)])
                else:
                    v = values[group.parents, :1]
                try:
                    values[group.out] = group.forward(v)
                except (FloatingPointError, ArithmeticError, ValueError) as err:
                    raise _replay_error(group, v, "forward", err) from None
                saved.append(v)
        self._values, self._saved = values, saved
        out = values[self.output_index].T
        return out[:, 0].copy() if self.single else out.copy()

    __call__ = forward

    def backward(self, seed: Any = None) -> list[np.ndarray]:
        """Backpropagate ``seed`` (default: ones, one per row and output).

        Each shared leaf's ``grad`` gets Σ over rows of d(seed·outputs)/d(leaf);
        returns the gradients of the inputs, one array per argument of the trace.
        """
        if self._values is None:
            raise RuntimeError("Tape.backward: run forward(...) first")
        values, rows = self._values, self._values.shape[1]
        grads = self._workspace(rows)[1]
        grads.fill(0.0)
        np.add.at(grads, self.output_index, self._seed(seed, rows).T)
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            for group, v in zip(reversed(self.groups), reversed(self._saved), strict=True):
                # a group the same in every row runs on column 0, with the row sums
                width = rows if group.batched else 1
                if group.batched:
                    g, out = grads[group.out], values[group.out]
                elif group.grads_batched:
                    g, out = grads[group.out].sum(1, keepdims=True), values[group.out, :1]
                else:
                    g, out = grads[group.out, :1], values[group.out, :1]
                try:
                    local = group.local_grads(out, v)
                    if local.shape[1:] == g.shape:
                        local *= g  # a fresh array: no second temporary
                    else:
                        local = local * g
                    contributions = local.reshape(group.arity * len(group.out), width)
                except (FloatingPointError, ArithmeticError, ValueError) as err:
                    raise _replay_error(group, v, "backward", err) from None
                group.scatter(grads if group.batched else grads[:, :1], contributions)
        sums = grads[self.shared_index].sum(axis=1).tolist()
        for node, total in zip(self.shared, sums, strict=True):
            node.grad += total
        return [grads[at].T if width else grads[at].copy() for at, width in self._arg_rows]

    # -- checks ----------------------------------------------------------------------

    def verify(self, *example: Example) -> None:
        """Retrace at ``example``; raise ``TapeMismatch`` where the graph differs."""
        widths = [_width(arg, i) for i, arg in enumerate(example)]
        if widths != self._widths:
            raise TapeMismatch(f"traced with argument sizes {self._widths}, verified with {widths}")
        args = _input_values(example)
        outputs = _call(self.fn, args)
        outputs = [outputs] if isinstance(outputs, Value) else list(outputs)
        nodes = _topo_all(outputs)
        program = _program(nodes, {node: i for i, node in enumerate(nodes)}, _flat(args))
        for i, (was, now) in enumerate(zip(self.program, program, strict=False)):
            if was != now and not (was[0] == "leaf" and self.nodes[i] is nodes[i]):
                raise TapeMismatch(
                    f"node {i} was {_show(was)} when traced and is {_show(now)} now: the "
                    "graph depends on the data, so this function cannot be replayed from a tape"
                )
        if len(program) != len(self.program):
            raise TapeMismatch(
                f"the traced graph has {len(self.program)} nodes and the retrace "
                f"{len(program)}: the graph depends on the data"
            )

    def _workspace(self, rows: int) -> tuple[np.ndarray, np.ndarray, list[np.ndarray | None]]:
        """Node values, gradients and each group's gathered parents for ``rows`` rows.

        Kept between calls: allocating these afresh (hundreds of KB each) on every
        replay made the allocator hand pages back and fault them in again, which
        was measured to slow a replay down two- to threefold.
        """
        if self._work is None or self._work[0].shape[1] != rows:
            self._work = (
                np.empty((len(self.nodes), rows)),
                np.empty((len(self.nodes) + 1, rows)),  # a spare row, for unused inputs
                [np.empty((*g.parents.shape, rows)) if g.batched else None for g in self.groups],
            )
        return self._work

    def _columns(self, batch: Sequence[Any]) -> np.ndarray:
        if len(batch) != len(self._widths):
            raise TypeError(f"Tape.forward takes {len(self._widths)} arrays, got {len(batch)}")
        parts = []
        rows = None
        for i, (arg, width) in enumerate(zip(batch, self._widths, strict=True)):
            a = np.asarray(arg, dtype=float)
            a = a[:, None] if width is None and a.ndim == 1 else a
            want = 1 if width is None else width
            if a.ndim != 2 or a.shape[1] != want:
                raise ValueError(
                    f"Tape.forward: argument {i} has shape {np.shape(arg)}; traced with "
                    f"{'a number' if width is None else f'{width} numbers'}, so it must be "
                    f"({'rows' if width is None else f'rows, {width}'})"
                )
            if rows is not None and len(a) != rows:
                raise ValueError(f"Tape.forward: argument {i} has {len(a)} rows, not {rows}")
            if not np.isfinite(a).all():
                raise ValueError(f"Tape.forward: argument {i} holds a non-finite number")
            rows = len(a)
            parts.append(a)
        if not rows:
            raise ValueError("Tape.forward: the batch has no rows")
        return np.concatenate(parts, axis=1).T

    def _seed(self, seed: Any, rows: int) -> np.ndarray:
        shape = (rows, len(self.outputs))
        if seed is None:
            return np.ones(shape)
        s = np.asarray(seed, dtype=float)
        s = s[:, None] if self.single and s.ndim == 1 else s
        if s.shape != shape:
            raise ValueError(
                f"Tape.backward: seed must have shape {shape[:1] if self.single else shape}"
            )
        return s

    def __repr__(self) -> str:
        depth = max((g.depth for g in self.groups), default=0)
        leaves = "leaf" if len(self.shared) == 1 else "leaves"
        return (
            f"<Tape: {len(self.nodes)} nodes, {len(self._input_rows)} inputs, "
            f"{len(self.shared)} shared {leaves}, {len(self.groups)} groups, depth {depth}>"
        )


def trace(fn: Callable[..., Any], *example: Example) -> Tape:
    """Run ``fn`` once on Values made from ``example`` and record its graph as a Tape.

    Each example argument is a number (one input) or a list of numbers (a list of
    inputs); ``fn`` gets Values in the same shape and returns a Value or a list.
    """
    return Tape(fn, example)


# -- building the tape ----------------------------------------------------------------


def _width(arg: Any, i: int) -> int | None:
    if isinstance(arg, (int, float, np.number)):
        return None
    try:
        width = len(arg)
    except TypeError:
        raise TypeError(f"trace: argument {i} must be a number or a list of numbers") from None
    if width == 0:
        raise ValueError(f"trace: argument {i} is empty")
    return width


def _input_values(example: Sequence[Example]) -> list[Value | list[Value]]:
    return [
        Value(arg) if isinstance(arg, (int, float, np.number)) else [Value(x) for x in arg]
        for arg in example
    ]


def _call(fn: Callable[..., Any], args: list[Any]) -> Any:
    try:
        return fn(*args)
    except TypeError as err:
        raise TypeError(
            f"trace: calling the function on Values failed ({err}); it must take one "
            "argument per example and use only Value ops on them"
        ) from None


def _topo_all(outputs: list[Value]) -> list[Value]:
    order: list[Value] = []
    seen: set[Value] = set()
    for out in outputs:
        for node in topo_order(out):
            if node not in seen:
                seen.add(node)
                order.append(node)
    return order


def _flat(args: list[Value | list[Value]]) -> list[Value]:
    return [v for arg in args for v in (arg if isinstance(arg, list) else [arg])]


def _program(nodes: list[Value], index: dict[Value, int], inputs: list[Value]) -> list[tuple]:
    """Per node: ``input`` and its position, ``leaf`` and its number, or op and parents.

    Two programs match where they are equal, and where a leaf is one shared object
    (a parameter, whose number training changes): a constant must keep its number.
    """
    position = {v: i for i, v in enumerate(inputs)}
    return [
        ("input", position[node])
        if node in position
        else ("leaf", node.data)
        if node.is_leaf
        else (node.op, tuple(sorted(node.params.items())), tuple(index[p] for p in _parents(node)))
        for node in nodes
    ]


def _show(entry: tuple) -> str:
    if entry[0] == "input":
        return f"input {entry[1]}"
    if entry[0] == "leaf":
        return f"a constant {entry[1]!r}"
    return f"{entry[0]} of nodes {list(entry[2])}"


def _groups(
    nodes: list[Value], index: dict[Value, int], inputs: list[Value], outputs: set[int]
) -> list[_Group]:
    depth = [0] * len(nodes)
    batched = [False] * len(nodes)
    feeds_batched = [i in outputs for i in range(len(nodes))]  # rows of grads may differ
    for v in inputs:
        if v in index:
            batched[index[v]] = True
    members: dict[tuple[Op, int, bool, int], tuple[list[int], list[list[int]]]] = {}
    for i, node in enumerate(nodes):
        if node.is_leaf:
            continue
        parents = [index[p] for p in _parents(node)]
        depth[i] = 1 + max(depth[p] for p in parents)
        batched[i] = any(batched[p] for p in parents)
        key = (node.op_spec, depth[i], batched[i], len(parents))
        out, rows = members.setdefault(key, ([], []))
        out.append(i)
        rows.append(parents)
        if batched[i]:
            for p in parents:
                feeds_batched[p] = True
    keys = sorted(members, key=lambda key: key[1])
    return [
        _Group(*key[:3], *members[key], any(feeds_batched[i] for i in members[key][0]))
        for key in keys
    ]


def _replay_error(group: _Group, v: np.ndarray, stage: str, err: Exception) -> Exception:
    """Name the op, the node and the batch row where the replay left the finite numbers."""
    with np.errstate(all="ignore"):
        try:
            out = group.forward(v)
            bad = ~np.isfinite(out)
            if stage == "backward":
                bad = ~np.isfinite(group.local_grads(out, v)).all(axis=0)
        except (ArithmeticError, ValueError):
            bad = np.ones(v.shape[::2], dtype=bool)
    node, row = (int(i) for i in np.argwhere(bad)[0]) if bad.any() else (0, 0)
    inputs = ", ".join(repr(float(x)) for x in v[node, :6, row])
    more = ", …" if group.arity > 6 else ""
    what = "its local derivative" if stage == "backward" else "the result"
    return type(err)(
        f"Tape.{stage}: {group.op.name}({inputs}{more}) at node {int(group.out[node])}, batch row "
        f"{row}: {what} is not a finite number ({err}); the scalar path raises here too"
    )
