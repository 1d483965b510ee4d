"""``lift(root)``: a scalar graph shown as the tensor program it is.

A layer of neurons is one matrix product, ``Z = X·Wᵀ + b``, with ``dX = dZ·W``,
``dW = dZᵀ·X`` and ``db = Σ_batch dZ``; an activation over it one elementwise op; a
loss one sum. ``lift`` finds those blocks in the recorded graph (``lift_find``), gives
every scalar node a place in an array (``lift_layout``), checks each block's
vector-Jacobian formulas against the scalar gradients (``check``), and writes the
program as a numpy or PyTorch script (``lift_code``) that prints the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from autograd.backward import gradients, topo_order
from autograd.check.compare import rebuild
from autograd.check.report import Report
from autograd.explain.display import html_table
from autograd.graph import describe_node, is_learners
from autograd.replay.lift_code import numpy_source, torch_source
from autograd.replay.lift_find import find
from autograd.replay.lift_layout import Block, Program, lay_out
from autograd.value import Value

__all__ = ["LiftCheckReport", "Lifted", "lift"]

TRACED = (
    "lifted from the graph as recorded: a Python `if` on .data, or a number computed "
    "from the data, is frozen at its recorded value (as in trace); other data may build "
    "another graph"
)


def _dims(shape: tuple[int, ...]) -> str:
    return "×".join(map(str, shape)) or "scalar"


class Lifted:
    """The blocks of a lifted graph, in the order they run; ``leaves`` every leaf.

    ``leaves`` come array by array, in the order the program declares its leaf arrays
    (each the first time a block reads it: a layer's X, then W, then b), each array row
    by row: the order of the gradients the emitted code prints. A graph of another class
    (micrograd's ``Value``, a learner's own) is lifted from chainrule's copy of it
    (``rebuild``); ``leaves`` are then their nodes, and ``check`` also compares their grads.
    """

    def __init__(self, program: Program, theirs: dict[Value, Any] | None = None) -> None:
        self.program = program
        self.blocks: list[Block] = program.blocks
        self.root = program.root
        self.theirs = theirs or {}  # chainrule's copy of each of their nodes -> theirs

    @property
    def leaves(self) -> list[Any]:
        """Every leaf of the graph (parameters, inputs, constants), in the code's order."""
        ours = [n for a in self.program.leaf_arrays for n in a.nodes]
        return [self.theirs[n] for n in ours] if self.theirs else ours

    def lines(self) -> list[str]:
        """The program as text: the leaf arrays, then one line per block."""
        leaves = ", ".join(f"{a.name} {_dims(a.shape)}" for a in self.program.leaf_arrays)
        width = max((len(b.forward) for b in self.blocks), default=0)
        rows = [f"leaves: {leaves}"]
        for b in self.blocks:
            shape = _dims(b.shape) if b.shape else ""
            rows.append(f"{b.kind:<11} {shape:>9}  {b.forward:<{width}}   {' ; '.join(b.backward)}")
        return [*rows, f"({TRACED})"]

    def __str__(self) -> str:
        return "\n".join(self.lines())

    def __repr__(self) -> str:
        layers = [b.kind for b in self.blocks].count("matmul")
        blocks, leaves = len(self.blocks), len(self.leaves)
        return f"<Lifted: {blocks} blocks ({layers} matmul), {leaves} leaves>"

    def _repr_html_(self) -> str:
        rows = [
            (b.kind, _dims(b.shape), b.forward, " ; ".join(b.backward), len(b.covers))
            for b in self.blocks
        ]
        return html_table(
            repr(self), ("kind", "shape", "forward", "backward", "nodes"), rows, [TRACED]
        )

    def numpy_code(self) -> str:
        """A standalone numpy script printing ``{"loss": ..., "grads": [...]}``."""
        return numpy_source(self.program)

    def torch_code(self) -> str:
        """A standalone PyTorch script printing ``{"loss": ..., "grads": [...]}``."""
        return torch_source(self.program)

    def check(self, rtol: float = 1e-9, atol: float = 1e-12) -> LiftCheckReport:
        """Every block's backward formulas, run with numpy on the graph's numbers, against
        the scalar gradients of a fresh backward (no ``.grad`` is read or written).

        Arrays are compared in the order backward fills them (the last block's output
        first, the leaves last), so the first that disagrees names the block at fault:
        one whose backward wrote into it (``readers``)."""
        names: dict = {}
        exec(compile(numpy_source(self.program, report=False), "<lift>", "exec"), names)  # noqa: S102
        scalar = gradients(self.root, topo_order(self.root), as_values=False)
        home = self.program.home
        readers: dict[str, list[str]] = {}
        for block in self.blocks:
            for source in {a.name for o in block.operands for a in o.sources}:
                readers.setdefault(source, []).append(block.name)
        rows, failures = [], []
        for what in [*reversed(self.blocks), *self.program.leaf_arrays]:
            if isinstance(what, Block):  # a node inside a neuron or a sum: its output's grad
                name, kind, nodes = (
                    what.name,
                    what.kind,
                    [(n, what.inner.get(n, n)) for n in what.covers],
                )
            else:
                name, kind, nodes = what.name, "leaves", [(n, n) for n in what.nodes]
            worst = 0.0
            for node, owner in nodes:
                array, i = home[owner]
                lifted = float(np.ravel(names[f"d{array.name}"])[i])
                expected = self._their_grad(node, kind, scalar.get(node, 0.0))
                worst = max(worst, abs(lifted - expected))
                if abs(lifted - expected) > atol + rtol * abs(expected):
                    failures.append((name, node, lifted, expected, readers.get(name, [])))
            rows.append((name, kind, len(nodes), worst))
        return LiftCheckReport(rows, failures)

    def _their_grad(self, node: Value, kind: str, ours: float) -> float:
        """A leaf's grad in their graph, once their backward has run (else ``ours``)."""
        theirs = self.theirs.get(node)
        if kind != "leaves" or theirs is None or float(self.theirs[self.root].grad) == 0.0:
            return ours
        return float(theirs.grad)


@dataclass
class LiftCheckReport(Report):
    """``lift(root).check()``: truthy when every block's gradients are the scalar ones."""

    rows: list[tuple]
    found: list[tuple]
    headers = ("gradient of", "kind", "nodes", "max |Δ|")

    @property
    def failures(self) -> list[tuple]:
        return self.found

    def title(self) -> str:
        if not self.found:
            return f"lift check: every gradient of the {len(self.rows)} arrays is the scalar one"
        name, node, lifted, expected, readers = self.found[0]
        return (
            f"lift check FAILED: block {', '.join(readers)}: its backward gives d{name} = "
            f"{lifted!r} at {describe_node(node)}, backward() gives {expected!r} "
            f"({len(self.found)} nodes disagree)"
        )

    def table(self) -> list[tuple]:
        return [(b, k, str(n), f"{w:.1e}") for b, k, n, w in self.rows]


def lift(root: Any) -> Lifted:
    """``root``'s graph as blocks of tensor operations (see the module's docstring).

    ``root`` is a chainrule ``Value``, or a node of micrograd's ``Value`` or of a learner's
    own class (``data``, ``grad``, ``_prev``, ``_op``): that graph is rebuilt with the
    table's ops first (as ``compare`` does), and lifted from the copy."""
    if not isinstance(root, Value) and not (hasattr(root, "data") and hasattr(root, "grad")):
        raise TypeError(f"lift: the root must be a Value, got {type(root).__name__} {root!r:.60}")
    theirs: dict[Value, Any] = {}
    if not isinstance(root, Value) or any(
        not n.is_leaf and is_learners(n.op_spec) for n in topo_order(root)
    ):
        try:
            order, ours = rebuild(root)
        except ValueError as err:
            raise ValueError(
                f"lift: their graph cannot be rebuilt with chainrule's ops: {err}"
            ) from None
        theirs = {ours[id(t)]: t for t in order}
        root = ours[id(root)]
    if root.is_leaf:
        raise ValueError(
            "lift: the root is a leaf; lift the result of ops (a loss), e.g. lift(loss)"
        )
    order = topo_order(root)
    return Lifted(lay_out(find(root, order), root), theirs)
