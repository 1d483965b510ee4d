"""Seed 002: a 10-10-10 tanh/sigmoid network learns to invert bits, with momentum."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from autograd import trace
from demos.report import Figure, standalone, walk_through
from nn import MLP, bce

SOURCE = "seed002-inverting-bits"
EPOCH_LOSSES = (0.45465070, 0.13697961, 0.06206941)
UNSEEN = [1, 0, 1, 1, 1, 1, 0, 1, 0, 0]
PREDICTED = [0, 1, 0, 0, 0, 0, 1, 0, 1, 1]


def run(out: Path) -> list[Figure]:
    """Run the walk-through (ten epochs of training) and read its figures."""
    ns = walk_through(SOURCE)
    losses, unseen, predicted = ns["epoch_losses"], ns["unseen"], ns["predicted"]
    figures = [
        Figure("002", f"mean loss, epoch {e}", EPOCH_LOSSES[e], losses[e], 1e-7) for e in range(3)
    ]
    figures.append(Figure("002", "unseen input drawn", 1.0, float(unseen.tolist() == UNSEEN), 0))
    return figures + [
        Figure("002", f"prediction bit {i}", float(PREDICTED[i]), float(predicted[i]), 0)
        for i in range(10)
    ]


def replay_step(model: MLP, sample: list[float], target: list[float]) -> Callable[..., float]:
    """A ``sample_step`` for the walk-through's ``train`` that replays one traced tape.

    It computes what the walk-through's ``summed_backward`` computes (the mean loss, and
    the gradient of the loss summed over the outputs), each sample a batch of one row.
    """
    tape = trace(lambda xs, ts: bce(model(xs), ts) * len(ts), sample, target)

    def step(model: MLP, x: list[float], t: list[float]) -> float:
        summed = tape.forward([x], [t])[0]
        tape.backward()
        return summed / len(t)

    return step


if __name__ == "__main__":
    standalone(run, __doc__)
