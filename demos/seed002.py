"""Seed 002: a 10-10-10 tanh/sigmoid network learns to invert bits, with momentum."""

from __future__ import annotations

from pathlib import Path

from demos.report import Figure, standalone, walk_through

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


if __name__ == "__main__":
    standalone(run, __doc__)
