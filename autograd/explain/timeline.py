"""The steps of a forward and a backward pass, computed once, in their own state.

``backward_timeline(root)`` runs one fresh backward from ``root`` (every node starts
at 0, the root at 1) into a mapping of gradients, never into the nodes' ``.grad``,
and keeps every chain-rule step. The stepper, ``animate``, the explorer and the
drills all read it, so they show the same steps and the same numbers.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from autograd.backward import not_finite_gradient
from autograd.explain.describe import Description, Edge, describe, kink_note
from autograd.explain.display import pre
from autograd.explain.text import num
from autograd.graph import local_grads_for
from autograd.ops import Op
from autograd.value import Value

__all__ = ["BackwardStep", "ForwardStep", "Timeline", "backward_timeline", "forward_steps_of"]


class _StepShown:
    """A step shown as its ``line``: printed, in a repr and in a notebook."""

    _kind: str
    index: int
    line: str  # each step's own property

    def __str__(self) -> str:
        return self.line

    def __repr__(self) -> str:
        return f"<{self._kind} step {self.index + 1}: {self.line}>"

    def _repr_html_(self) -> str:
        return pre(self.line)


class StepCursor:
    """Stepping through a computed list of steps: ``step()`` takes the next one (None
    at the end); this adds ``finish()`` and iteration, for every stepper."""

    def step(self) -> Any:
        raise NotImplementedError

    def finish(self) -> list[Any]:
        """Take every remaining step; return them."""
        rest = []
        while (step := self.step()) is not None:
            rest.append(step)
        return rest

    def __iter__(self) -> Iterator[Any]:
        return self

    def __next__(self) -> Any:
        step = self.step()
        if step is None:
            raise StopIteration
        return step


@dataclass(frozen=True, repr=False)
class BackwardStep(_StepShown):
    """One share of the chain rule: ``parent.grad += local · upstream``.

    ``before`` and ``after`` are the parent's gradient around the step, ``slot`` the
    parent's position among the node's inputs (``a*a`` has slots 0 and 1). Where the
    upstream gradient is 0 the share is 0 and ``local`` may be None (undefined there,
    and not needed: ``backward()`` skips such a node).
    """

    _kind = "backward"

    index: int
    edge: Edge
    upstream: float
    contribution: float
    before: float
    after: float
    node_name: str
    parent_name: str

    @property
    def node(self) -> Value:
        return self.edge.node

    @property
    def parent(self) -> Value:
        return self.edge.parent

    @property
    def slot(self) -> int:
        return self.edge.slot

    @property
    def local(self) -> float | None:
        return self.edge.local

    @property
    def op(self) -> Op:
        """The table entry whose local rule this step applies."""
        return self.node.op_spec  # type: ignore[return-value]

    @property
    def rule(self) -> str:
        """The local rule in the nodes' names, e.g. ``∂L/∂d = f``."""
        return self.edge.rule

    @property
    def line(self) -> str:
        """The step's arithmetic, one line: what a learner writes by hand."""
        n, p = self.node_name, self.parent_name
        line = (
            f"{p}.grad += {self.edge.partial} · {n}.grad = "
            f"({num(self.local)})({num(self.upstream)}) = {num(self.contribution)}"
            f"  →  {p}.grad = {num(self.after)}"
            f"    [{self.op.name}: {self.rule}]"
        )
        kink = kink_note(self.node, self.edge.names)
        return line if kink is None else f"{line}  ⚠ {kink}"


@dataclass(frozen=True, repr=False)
class ForwardStep(_StepShown):
    """One node's value computed from its inputs: ``c = a * b = (2.0)(-3.0)``."""

    _kind = "forward"

    index: int
    node: Value
    formula: str
    inputs: tuple[float, ...]

    @property
    def line(self) -> str:
        shown = ", ".join(num(x) for x in self.inputs)
        return f"{self.formula} = {num(self.node.data)}    [from {shown}]"


class Timeline:
    """A fresh backward from ``root``, step by step, in its own mapping of gradients.

    ``grads(k)`` is every node's gradient after the first ``k`` steps (all of them by
    default); ``steps`` lists them in the order ``backward()`` takes them.
    """

    def __init__(self, described: Description) -> None:
        self.description = described
        self.root = described.root
        self.order = described.order
        self.names = described.names
        self.start = {node: 0.0 for node in self.order}
        self.start[self.root] = 1.0
        self.steps: list[BackwardStep] = []
        grads = dict(self.start)
        for node in reversed(self.order):
            upstream = grads[node]
            if not math.isfinite(upstream):
                raise not_finite_gradient(node, self.order, grads.get)
            edges = described.edges_into(node)
            if not edges:
                continue
            locals_ = local_grads_for(node._fn, node.data, [e.parent.data for e in edges], upstream)
            for edge in edges:
                contribution = 0.0 if locals_ is None else locals_[edge.slot] * upstream
                before = grads[edge.parent]
                grads[edge.parent] = after = before + contribution
                self.steps.append(
                    BackwardStep(
                        len(self.steps),
                        edge,
                        upstream,
                        contribution,
                        before,
                        after,
                        self.names[node],
                        self.names[edge.parent],
                    )
                )
        self.final = grads

    def __len__(self) -> int:
        return len(self.steps)

    def __iter__(self) -> Iterator[BackwardStep]:
        return iter(self.steps)

    def grads(self, k: int | None = None) -> dict[Value, float]:
        """Every node's gradient after the first ``k`` steps (all steps if None)."""
        if k is None or k >= len(self.steps):
            return dict(self.final)
        if k < 0:
            raise ValueError(f"step {k}: steps count from 0")
        grads = dict(self.start)
        for step in self.steps[:k]:
            grads[step.parent] = step.after
        return grads

    def shares(self) -> dict[Value, int]:
        """How many steps add into each node's gradient."""
        count = {node: 0 for node in self.order}
        for step in self.steps:
            count[step.parent] += 1
        return count


def backward_timeline(root: Value) -> Timeline:
    """Every chain-rule step of one backward from ``root``; no ``.grad`` is touched."""
    return Timeline(describe(root))


def forward_steps_of(described: Description) -> list[ForwardStep]:
    """The forward pass in the order it ran: one step per node an op made."""
    return [
        ForwardStep(i, node, described.formula(node), tuple(p.data for p in node.parents))
        for i, node in enumerate(n for n in described.order if not n.is_leaf)
    ]
