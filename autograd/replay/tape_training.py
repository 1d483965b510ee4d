"""A training loop on a tape with the parameters held as arrays: ``Tape.training``.

``with tape.training(opt) as run:`` then ``run.step(*batch, seed=...)`` does what
``opt.zero_grad(); tape.forward(*batch); tape.backward(seed); opt.step()`` does,
with the same numbers, but keeps the parameters' numbers and gradients in arrays
from one step to the next: no Value is read or written per step. They are written
to the Values once, when the block ends (``run.sync()`` writes them sooner).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from autograd.storage import numbers, set_numbers

if TYPE_CHECKING:
    from autograd.replay.tape import Tape
    from autograd.value import Value


class ArrayOptimizer(Protocol):
    """What a training run needs of an optimizer (``nn.optim``'s have it)."""

    params: list[Value]

    def update(self, data: np.ndarray, grads: np.ndarray) -> np.ndarray: ...


class Training:
    """Steps of ``optimizer`` on ``tape``, its parameters held as arrays.

    ``data`` and ``grads`` hold the parameters' numbers and gradients in the
    optimizer's order. The tape's other shared leaves (constants, Values the
    optimizer does not move) are read once, at the start; the gradients their
    Values would collect are summed here and written with the rest. Until then
    the Values keep the numbers they had: change a parameter between steps
    through ``data``, or ``sync()`` and start a new ``training`` block.
    """

    def __init__(self, tape: Tape, optimizer: ArrayOptimizer) -> None:
        params = optimizer.params
        position: dict[Value, int] = {}
        for i, p in enumerate(params):
            if position.setdefault(p, i) != i:
                raise ValueError(
                    f"Tape.training: parameter {i} is parameter {position[p]} again; "
                    "give the optimizer each Value once"
                )
        shared = tape.shared
        ours = [k for k, leaf in enumerate(shared) if leaf in position]
        others = sorted(set(range(len(shared))) - set(ours))
        self._rows = _run(ours)  # tape rows of the optimizer's parameters
        self._at = _run([position[shared[k]] for k in ours])
        self._other_rows = _run(others)
        self._others = [shared[k] for k in others]
        self.tape, self.optimizer = tape, optimizer
        self.data = numbers(params, "data")
        self.grads = np.zeros(len(params))
        self._other_grads = numbers(self._others, "grad")
        self._shared = numbers(shared, "data")
        self._stepped = False

    def step(self, *batch: Any, seed: Any = None) -> np.ndarray:
        """One step on ``batch``: zero the grads, forward, backward ``seed``, the
        optimizer's update. Returns the tape's outputs, as ``Tape.forward`` does."""
        tape = self.tape
        parts = tape.columns(batch)
        self.grads.fill(0.0)
        self._stepped = True
        self._shared[self._rows] = self.data[self._at]
        out = tape.forward_rows(parts, self._shared)
        _, totals = tape.backward_rows(seed)
        self.grads[self._at] += totals[self._rows]
        self._other_grads += totals[self._other_rows]
        self.data = self.optimizer.update(self.data, self.grads)
        return out

    def sync(self) -> None:
        """Write the numbers and gradients held here to their Values."""
        set_numbers(self.optimizer.params, "data", self.data)
        if not self._stepped:  # no step zeroed the grads: the Values keep theirs
            return
        set_numbers(self.optimizer.params, "grad", self.grads)
        set_numbers(self._others, "grad", self._other_grads)

    def __enter__(self) -> Training:
        return self

    def __exit__(self, *exc: object) -> None:
        self.sync()


def _run(rows: list[int]) -> slice | np.ndarray:
    """``rows`` as a slice when they are one run (read as a view, no gather), else an array."""
    if rows and rows == list(range(rows[0], rows[0] + len(rows))):
        return slice(rows[0], rows[0] + len(rows))
    return np.array(rows, dtype=np.intp)
