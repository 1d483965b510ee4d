"""A traced graph as a flat tape, replayed forward and backward with numpy over a batch.

``trace(f, *example)`` runs ``f`` once on Values and records its graph in
topological order: for each node, its op and the positions of its parents.
``tape.forward(*batch)`` then evaluates the same graph for many inputs at once,
with one numpy call for all the nodes of one op at one depth (one matrix product
for a layer of neurons), and ``tape.backward()`` applies the op table's local
derivatives to those arrays. ``autograd.replay.tape_layout`` lays the tape out and
``autograd.replay.tape_groups`` holds the replay of a group.

The rule: a tape is only right for functions whose graph does not depend on the
data. A Python ``if`` on ``x.data``, or a number computed from the data and used as
a constant, is frozen at its traced value. ``tape.verify(*example)`` retraces at
other inputs and raises ``TapeMismatch`` at the first node that differs.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from autograd.explain.display import html_table
from autograd.graph import local_grads_for
from autograd.op import Op
from autograd.replay.tape_groups import Group, Passes, Rows
from autograd.replay.tape_layout import (
    Entry,
    Leaf,
    by_first_use,
    depths,
    layout,
    program,
    topo_all,
)
from autograd.replay.tape_rows import first_writes
from autograd.storage import all_finite, numbers, set_numbers
from autograd.value import Value

if TYPE_CHECKING:
    from autograd.replay.tape_training import ArrayOptimizer, Training

__all__ = ["Entry", "Tape", "TapeMismatch", "trace"]

Example = float | Sequence[float]
_SHOWN_GROUPS = 40  # a notebook shows this many of a tape's groups
_KEPT_SIZES = 3  # workspaces kept, one per batch size


class TapeMismatch(ValueError):
    """A retrace of the function gave a different graph than the tape holds."""


class Tape:
    """A traced function: ``forward(*batch)``, then ``backward(seed)``.

    Leaves made from the example are the inputs and take a new value per row;
    every other leaf (a parameter, a constant) is shared by all rows, read from
    its Value at each forward, and its ``grad`` gets the sum over rows at backward.

    What it holds, for readers such as the ONNX export and the training loop:
    ``widths`` (per argument, None for a number or how many numbers), ``program``
    (per node, an ``Input``, a ``Leaf`` or an ``Apply``: see ``tape_layout``),
    ``nodes``, ``shared`` (the shared leaves), ``outputs``; and the replay in rows:
    ``columns``, ``forward_rows``, ``backward_rows``.
    """

    def __init__(self, fn: Callable[..., Any], example: Sequence[Example]) -> None:
        self.fn = fn
        self.widths: tuple[int | None, ...] = tuple(_width(a, i) for i, a in enumerate(example))
        args = _input_values(example)
        outputs = _call(fn, args)
        self.single = isinstance(outputs, Value)
        self.outputs = [outputs] if self.single else _outputs(outputs)
        self.nodes = topo_all(self.outputs)
        index = {node: i for i, node in enumerate(self.nodes)}
        inputs = _flat(args)
        self.program: list[Entry] = program(self.nodes, index, inputs)
        given = set(inputs)
        depth = depths(self.nodes, index)
        self.shared = by_first_use(
            self.nodes, depth, [n for n in self.nodes if n.is_leaf and n not in given]
        )
        self.groups, row, batched, self._rows = layout(
            self.nodes, index, depth, inputs, self.shared, {index[o] for o in self.outputs}
        )
        self._inputs = len(inputs)
        self._shared_rows = slice(0, len(self.shared))  # first in the narrow rows
        self._output_rows = [(row[index[o]], not batched[index[o]]) for o in self.outputs]
        seeded = [at for at, narrow in self._output_rows if not narrow]
        self._zeroed = first_writes(self.groups, self._rows[0], seeded)  # the rest are set
        bounds = np.cumsum([0] + [w or 1 for w in self.widths]).tolist()
        self._arg_rows = [  # where each argument's rows are: inputs come first, in order
            (slice(a, b) if w else a, w)
            for a, b, w in zip(bounds[:-1], bounds[1:], self.widths, strict=True)
        ]
        self._values: Rows | None = None
        self._work: dict[int, tuple[Rows, Rows, list[Passes]]] = {}  # by batch size
        self._saved: list[Any] = []

    # -- replay ------------------------------------------------------------------------

    def forward(self, *batch: Any) -> np.ndarray:
        """The outputs for every row: shape (rows,) for one output, else (rows, outputs)."""
        return self.forward_rows(self.columns(batch), numbers(self.shared, "data"))

    def forward_rows(self, parts: list[np.ndarray], shared: Any) -> np.ndarray:
        """``forward`` on the arguments as ``columns`` gives them, the shared leaves'
        numbers given in their order (``shared``), without reading a Value."""
        rows = len(parts[0])
        values, _, passes = self._workspace(rows)
        self._write_inputs(values[0][: self._inputs], parts)
        values[1][self._shared_rows, 0] = shared
        saved = []
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            for group, (forward, _) in zip(self.groups, passes, strict=True):
                try:
                    saved.append(forward())
                except (FloatingPointError, ArithmeticError, ValueError) as err:
                    raise _replay_error(group, values, "forward", err) from None
        self._values, self._saved = values, saved
        out = np.empty((rows, len(self.outputs)))
        for k, (at, narrow) in enumerate(self._output_rows):
            out[:, k] = values[1][at, 0] if narrow else values[0][at]
        return out[:, 0] if self.single else out

    __call__ = forward

    def backward(self, seed: Any = None) -> list[np.ndarray]:
        """Backpropagate ``seed`` (default: ones, one per row and output).

        Each shared leaf's ``grad`` gets Σ over rows of d(seed·outputs)/d(leaf);
        returns the gradients of the inputs, one array per argument of the trace.
        """
        inputs, shared = self.backward_rows(seed)
        set_numbers(self.shared, "grad", shared, add=True)
        return [inputs[at].T.copy() if width else inputs[at].copy() for at, width in self._arg_rows]

    def backward_rows(self, seed: Any = None) -> tuple[np.ndarray, np.ndarray]:
        """``backward`` without writing a Value: the gradient of every input number, one
        row per number of the flattened arguments and one column per batch row, and
        each shared leaf's summed over the rows (views, valid until the next replay)."""
        if self._values is None:
            raise RuntimeError("Tape.backward: run forward(...) first")
        values = self._values
        seed = self._seed(seed, values[0].shape[1])
        _, grads, passes = self._workspace(values[0].shape[1])
        for rows in self._zeroed:
            grads[0][rows] = 0.0
        grads[1].fill(0.0)
        for k, (at, narrow) in enumerate(self._output_rows):
            if narrow:
                grads[1][at, 0] += seed[:, k].sum()
            else:
                grads[0][at] += seed[:, k]
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            steps = zip(reversed(self.groups), reversed(passes), reversed(self._saved), strict=True)
            for group, (_, backward), saved in steps:
                try:
                    backward(saved)
                except (FloatingPointError, ArithmeticError, ValueError) as err:
                    raise _replay_error(group, values, "backward", err, grads) from None
        inputs, totals = grads[0][: self._inputs], grads[1][self._shared_rows, 0]
        if not (all_finite(totals) and all_finite(inputs)):
            raise _not_finite(self, inputs, totals)
        return inputs, totals

    def training(self, optimizer: ArrayOptimizer) -> Training:
        """A training loop whose steps hold ``optimizer``'s parameters as arrays::

            with tape.training(opt) as run:
                for _ in range(steps):
                    run.step(x, y, seed=seed)

        Each ``run.step`` gives the numbers ``opt.zero_grad()``, ``forward``,
        ``backward(seed)`` and ``opt.step()`` give, without reading or writing a
        Value: the parameters' ``data`` and ``grad`` are written when the block
        ends. See ``autograd.replay.tape_training``.
        """
        from autograd.replay.tape_training import Training

        return Training(self, optimizer)

    def to_onnx(self, path: str | os.PathLike, backward: bool = False) -> str:
        """Write this graph as an ONNX model (needs ``pip install 'chainrule[onnx]'``).

        Inputs and ``output`` are shaped as ``forward`` takes and gives them; parameters
        are initializers with their current values. ``backward=True`` adds the gradients
        ``backward()`` computes, written as ONNX from the op table's rules:
        ``grad_<argument>`` for each argument and ``grad_<leaf>`` for each parameter or
        constant (summed over the rows). See ``autograd.replay.onnx_export``.
        """
        from autograd.replay.onnx_export import export

        return export(self, path, backward)

    # -- checks ----------------------------------------------------------------------

    def verify(self, *example: Example) -> None:
        """Retrace at ``example``; raise ``TapeMismatch`` where the graph differs."""
        widths = tuple(_width(arg, i) for i, arg in enumerate(example))
        if widths != self.widths:
            raise TapeMismatch(
                f"traced with argument sizes {list(self.widths)}, verified with {list(widths)}"
            )
        args = _input_values(example)
        outputs = _call(self.fn, args)
        outputs = [outputs] if isinstance(outputs, Value) else list(outputs)
        nodes = topo_all(outputs)
        now = program(nodes, {node: i for i, node in enumerate(nodes)}, _flat(args))
        for i, (was, entry) in enumerate(zip(self.program, now, strict=False)):
            if was != entry and not (isinstance(was, Leaf) and self.nodes[i] is nodes[i]):
                raise TapeMismatch(
                    f"node {i} was {was} when traced and is {entry} now: the graph "
                    "depends on the data, so this function cannot be replayed from a tape"
                )
        if len(now) != len(self.program):
            raise TapeMismatch(
                f"the traced graph has {len(self.program)} nodes and the retrace "
                f"{len(now)}: the graph depends on the data"
            )

    def _workspace(self, rows: int) -> tuple[Rows, Rows, list[Passes]]:
        """Node values and gradients for ``rows`` rows, and each group's two passes on them.

        Values and gradients are each a pair: the rows an input reaches, one
        column per batch row, and the narrow rows (parameters, constants), one
        column. Kept between calls: allocating these afresh (hundreds of KB each)
        on every replay made the allocator hand pages back and fault them in
        again, which was measured to slow a replay down two- to threefold. The
        last few batch sizes keep theirs: mini-batches with a shorter last one
        take turns between two sizes, and binding the passes costs a step or so.
        """
        work = self._work.get(rows)
        if work is None:
            if len(self._work) >= _KEPT_SIZES:
                del self._work[next(iter(self._work))]  # the one made first
            wide, narrow = self._rows
            values = (np.empty((wide, rows)), np.zeros((narrow, 1)))
            grads = (np.empty((wide, rows)), np.zeros((narrow, 1)))
            passes = [g.bind(values, grads, g.workspace(rows)) for g in self.groups]
            work = self._work[rows] = (values, grads, passes)
        return work

    def columns(self, batch: Sequence[Any]) -> list[np.ndarray]:
        """Each argument as a (rows, width) array, its shape checked (not yet its numbers)."""
        if len(batch) != len(self.widths):
            raise TypeError(f"Tape.forward takes {len(self.widths)} arrays, got {len(batch)}")
        parts = []
        rows = None
        for i, (arg, width) in enumerate(zip(batch, self.widths, strict=True)):
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
            rows = len(a)
            parts.append(a)
        if not rows:
            raise ValueError("Tape.forward: the batch has no rows")
        return parts

    def _write_inputs(self, inputs: np.ndarray, parts: list[np.ndarray]) -> None:
        """The arguments into the input rows, one row per number, then checked finite."""
        for (at, width), a in zip(self._arg_rows, parts, strict=True):
            inputs[at] = a.T if width else a[:, 0]
        if not all_finite(inputs):
            i = next(i for i, a in enumerate(parts) if not np.isfinite(a).all())
            raise ValueError(f"Tape.forward: argument {i} holds a non-finite number")

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
        if not all_finite(s):
            row, k = np.argwhere(~np.isfinite(s))[0].tolist()
            raise ValueError(
                f"Tape.backward: the seed holds {s[row, k]} at row {row}"
                f"{'' if self.single else f', output {k}'}; a seed must be finite numbers"
            )
        return s

    def _summary(self) -> str:
        depth = max((g.depth for g in self.groups), default=0)
        leaves = "leaf" if len(self.shared) == 1 else "leaves"
        inputs = "input" if self._inputs == 1 else "inputs"
        groups = "group" if len(self.groups) == 1 else "groups"
        return (
            f"Tape: {len(self.nodes)} nodes, {self._inputs} {inputs}, "
            f"{len(self.shared)} shared {leaves}, {len(self.groups)} {groups}, depth {depth}"
        )

    def __repr__(self) -> str:
        return f"<{self._summary()}>"

    def _repr_html_(self) -> str:
        """The summary, and one row per group: the numpy calls of one pass, in order."""
        rows = [
            (g.depth, g.op.name, type(g).__name__.lower(), len(g.ids))
            for g in self.groups[:_SHOWN_GROUPS]
        ]
        more = len(self.groups) - len(rows)
        notes = [f"... and {more} more groups"] if more > 0 else []
        return html_table(self._summary(), ("depth", "op", "replayed as", "nodes"), rows, notes)


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


def _outputs(outputs: Any) -> list[Value]:
    """A traced function's list of outputs, or a TypeError saying what it returned."""
    found = list(outputs) if isinstance(outputs, (list, tuple)) else None
    if not found or not all(isinstance(o, Value) for o in found):
        raise TypeError(
            f"trace: the function must return a Value or a list of Values, got "
            f"{type(outputs).__name__} {outputs!r:.60}; a result that does not depend on "
            "its arguments has no graph to replay"
        )
    return found


def _flat(args: list[Value | list[Value]]) -> list[Value]:
    return [v for arg in args for v in (arg if isinstance(arg, list) else [arg])]


def _replay_error(
    group: Group, values: Rows, stage: str, err: Exception, grads: Rows | None = None
) -> Exception:
    """Name the op, the node and the batch row where the replay left the finite numbers.

    The group's inputs are run again one number at a time, with the scalar rules
    (for backward, only where the upstream gradient is not 0, as the scalar path
    does), to find the first that fails.
    """
    args = group.inputs_at(values)
    shape = args[0].shape
    upstream = None if grads is None else np.broadcast_to(group.upstream(values, grads)[1], shape)
    at = next(
        (at for at in np.ndindex(shape) if not _finite_at(group.op, args, at, upstream)), None
    )
    what = "its local derivative" if stage == "backward" else "the result"
    if at is None and stage == "backward":  # every rule is finite: a share overflowed
        return type(err)(
            f"Tape.backward: {group.op.name} at depth {group.depth}: a gradient it passes "
            f"back is not a finite number ({err}); backward() raises here too"
        )
    if at is None:
        return type(err)(
            f"Tape.forward: {group.op.name} at depth {group.depth}: its array form failed "
            f"({err}) where the scalar op is finite; replay=False or the scalar path computes it"
        )
    node, row = at
    inputs = [float(a[at]) for a in args]
    shown = ", ".join(repr(x) for x in inputs[:6])
    more = ", …" if group.arity > 6 else ""
    return type(err)(
        f"Tape.{stage}: {group.op.name}({shown}{more}) at node {group.ids[node]}, batch row {row}: "
        f"{what} is not a finite number ({err}); the scalar path raises here too"
    )


def _finite_at(
    op: Op, args: list[np.ndarray], at: tuple[int, int], upstream: np.ndarray | None
) -> bool:
    """Whether the scalar op is finite at one cell, and for backward (an ``upstream``)
    its rule too, where the scalar path evaluates it (``local_grads_for``)."""
    inputs = [float(a[at]) for a in args]
    try:
        out = op.run(*inputs)
        if upstream is None:
            return math.isfinite(out)
        locals_ = local_grads_for(op, out, inputs, float(upstream[at]))
        return all(math.isfinite(x) for x in locals_ or ())
    except (ArithmeticError, ValueError):
        return False


def _not_finite(tape: Tape, inputs: np.ndarray, shared: np.ndarray) -> Exception:
    """The error for a gradient the replay left NaN or infinite (a rule gave inf)."""
    if not np.isfinite(inputs).all():
        i, row = np.argwhere(~np.isfinite(inputs))[0].tolist()
        where, value = f"input {i}, batch row {row}", inputs[i, row]
    else:
        k = int(np.argwhere(~np.isfinite(shared))[0, 0])
        where, value = f"node {tape.nodes.index(tape.shared[k])} (a shared leaf)", shared[k]
    error = ValueError if value != value else OverflowError
    return error(
        f"Tape.backward: the gradient of {where} is {value}, not a finite number; "
        "backward() raises here too"
    )
