"""Backward one chain-rule step at a time, for reading in a REPL.

The stepper is a cursor over the backward timeline (``autograd.explain.timeline``): each
step adds one parent's share of one node's gradient,
``parent.grad += ∂node/∂parent · node.grad``, in the stepper's own mapping of
gradients. The graph's ``.grad`` fields are never touched; after the last step the
stepper's gradients are those one ``backward()`` gives from zero.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from autograd.explain.display import html_table
from autograd.explain.quiz import QuizReport, run_quiz
from autograd.explain.text import format_table
from autograd.explain.timeline import BackwardStep, StepCursor, Timeline, backward_timeline
from autograd.value import Value

__all__ = ["Step", "Stepper"]

Step = BackwardStep
_HEADERS = ("node", "op", "data", "grad", "grad is")


class Stepper(StepCursor):
    """Backward from ``root``, paused between steps.

    ``next(stepper)`` or ``stepper.step()`` takes one step, ``stepper.finish()`` the
    rest; ``stepper.grad(node)`` reads a node's gradient so far and ``print(stepper)``
    tells where backward stands.
    """

    def __init__(self, root: Value) -> None:
        self.timeline: Timeline = backward_timeline(root)
        self.root = root
        self.order = self.timeline.order
        self.names = self.timeline.names
        self.grads = dict(self.timeline.start)
        self.taken: list[Step] = []
        self._uses = self.timeline.shares()
        self._added = {node: 0 for node in self.order}

    @property
    def done(self) -> bool:
        """True once every step has been taken."""
        return len(self.taken) == len(self.timeline)

    def grad(self, node: Value) -> float:
        """``node``'s gradient after the steps taken so far."""
        return self.grads[node]

    def step(self) -> Step | None:
        """Take the next step and return it (None when backward is complete)."""
        if self.done:
            return None
        step = self.timeline.steps[len(self.taken)]
        self.grads[step.parent] = step.after
        self._added[step.parent] += 1
        self.taken.append(step)
        return step

    def quiz(
        self,
        answers: Iterable[str | float] | None = None,
        *,
        ask: Callable[[str], str] | None = None,
        show: Callable[[str], None] = print,
    ) -> QuizReport:
        """Predict each remaining step (its local derivative, then its share), then check.

        Answers are numbers or expressions in the graph's names (``-b``, ``1 - L**2``),
        read from ``answers`` or asked with ``ask`` (``input`` by default); a wrong one
        is told the slip it most likely is. Each step is taken once asked about.
        """
        return run_quiz(self, answers, ask=ask, show=show)

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

    def table(self) -> str:
        """Every node with its data, its gradient so far and where that stands."""
        return format_table(_HEADERS, self._rows())

    def _rows(self) -> list[tuple[str, str, float, float, str]]:
        return [
            (self.names[n], n.op or "leaf", n.data, self.grads[n], self.status(n))
            for n in reversed(self.order)
        ]

    def _head(self) -> list[str]:
        """Where backward stands, the last step taken and the next one."""
        head = [
            f"backward from {self.names[self.root]}: "
            f"{len(self.taken)} of {len(self.timeline)} steps"
        ]
        if self.taken:
            head.append(f"last step: {self.taken[-1]}")
        if not self.done:
            upcoming = self.timeline.steps[len(self.taken)]
            head.append(f"next: {upcoming.parent_name} gets its share from {upcoming.node_name}")
        return head

    def __str__(self) -> str:
        return "\n".join([*self._head(), self.table()])

    def _repr_html_(self) -> str:
        title, *lines = self._head()
        return html_table(title, _HEADERS, self._rows(), lines)

    def __repr__(self) -> str:
        done = f"{len(self.taken)}/{len(self.timeline)}"
        return f"<Stepper from {self.names[self.root]}: {done} steps>"
