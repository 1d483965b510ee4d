"""Backward one chain-rule step at a time, for reading in a REPL.

Each step adds one parent's share of one node's gradient:
``parent.grad += ∂node/∂parent · node.grad``. Stepping to the end leaves the same
gradients as ``backward()``, which runs the same steps without stopping.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from autograd.ops import Op
from autograd.text import format_table, names, num, partial_rule
from autograd.value import Value, _start_backward, topo_order

__all__ = ["Step", "Stepper"]


@dataclass(frozen=True)
class Step:
    """One contribution: ``parent.grad += local · upstream``.

    ``before`` and ``after`` are the parent's grad around the step; ``slot`` is
    the parent's position among the node's inputs (``a*a`` has slots 0 and 1).
    """

    node: Value
    parent: Value
    slot: int
    local: float
    upstream: float
    contribution: float
    before: float
    after: float
    node_name: str
    parent_name: str

    @property
    def op(self) -> Op:
        """The table entry whose local rule this step applies."""
        return self.node.op_spec  # type: ignore[return-value]

    @property
    def rule(self) -> str:
        """The local rule in symbols, e.g. ``∂(a * b)/∂a = b``."""
        return partial_rule(self.op, self.slot)

    def __str__(self) -> str:
        n, p = self.node_name, self.parent_name
        return (
            f"{p}.grad += ∂{n}/∂{p} · {n}.grad = ({num(self.local)})({num(self.upstream)})"
            f" = {num(self.contribution)}  →  {p}.grad = {num(self.after)}"
            f"    [{self.op.name}: {self.rule}]"
        )


class Stepper:
    """Backward from ``root``, paused between steps.

    Creating it starts backward exactly as ``backward()`` does: nodes made by an op
    get grad 0, the root gets 1 (a leaf root adds 1). Then ``next(stepper)`` or
    ``stepper.step()`` takes one step, ``stepper.finish()`` the rest, and
    ``print(stepper)`` tells where backward stands.
    """

    def __init__(self, root: Value) -> None:
        self.root = root
        self.order = topo_order(root)
        self.names = names(self.order)
        _start_backward(root, self.order)
        # (node, slot, ∂node/∂parent): local derivatives depend only on data, which
        # backward never changes, so each node's are read from the table once
        self.plan = [
            (node, slot, local)
            for node in reversed(self.order)
            for slot, local in enumerate(node.local_grads())
        ]
        self.taken: list[Step] = []
        self._uses = {node: 0 for node in self.order}
        self._added = {node: 0 for node in self.order}
        for node, slot, _ in self.plan:
            self._uses[node.parents[slot]] += 1

    @property
    def done(self) -> bool:
        """True once every step has been taken."""
        return len(self.taken) == len(self.plan)

    def step(self) -> Step | None:
        """Take the next step and return it (None when backward is complete)."""
        if self.done:
            return None
        node, slot, local = self.plan[len(self.taken)]
        parent = node.parents[slot]
        upstream = node.grad
        contribution = local * upstream
        before = parent.grad
        parent.grad = before + contribution
        step = Step(
            node,
            parent,
            slot,
            local,
            upstream,
            contribution,
            before,
            parent.grad,
            self.names[node],
            self.names[parent],
        )
        self.taken.append(step)
        self._added[parent] += 1
        return step

    def finish(self) -> list[Step]:
        """Take every remaining step; return them."""
        rest = []
        while (step := self.step()) is not None:
            rest.append(step)
        return rest

    def __iter__(self) -> Iterator[Step]:
        return self

    def __next__(self) -> Step:
        step = self.step()
        if step is None:
            raise StopIteration
        return step

    def status(self, node: Value) -> str:
        """Where ``node``'s grad stands: final, partial (k of n shares) or waiting."""
        if node is self.root:
            return "root: ∂root/∂root = 1"
        total = self._uses[node]
        added = self._added[node]
        if added == total:
            return "final"
        if added == 0:
            return f"waiting for {total} share{'s' * (total > 1)}"
        return f"partial: {added} of {total} shares added"

    def __str__(self) -> str:
        head = f"backward from {self.names[self.root]}: {len(self.taken)} of {len(self.plan)} steps"
        if self.taken:
            head += f"\nlast step: {self.taken[-1]}"
        if not self.done:
            node, slot, _ = self.plan[len(self.taken)]
            parent = self.names[node.parents[slot]]
            head += f"\nnext: {parent} gets its share from {self.names[node]}"
        rows = [
            (self.names[n], n.op or "leaf", n.data, n.grad, self.status(n))
            for n in reversed(self.order)
        ]
        return head + "\n" + format_table(("node", "op", "data", "grad", "grad is"), rows)

    def __repr__(self) -> str:
        return f"<Stepper from {self.names[self.root]}: {len(self.taken)}/{len(self.plan)} steps>"
