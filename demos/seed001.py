"""Seed 001: a 2-2-1 linear network without biases, its six partials by hand, and SGD."""

from __future__ import annotations

from pathlib import Path

from demos.report import Figure, standalone, walk_through
from viz import animate, draw_dot

SOURCE = "seed001-network-by-hand"
COEFFICIENTS = (87.73730719, 74.07686178)


def run(out: Path) -> list[Figure]:
    """Run the walk-through, save one sample's graph and its backward, read the figures."""
    ns = walk_through(SOURCE)
    first = ns["first_sample_loss"](ns["starting_weights"]())  # as drawn, before training
    first.backward()
    draw_dot(first).save(out / "seed001-network.svg")
    animate(first, out / "seed001-backprop.html")
    hand, engine = ns["hand"], ns["engine"]
    beta, least_squares = ns["beta"], ns["least_squares"]
    figures = [
        Figure(
            "001",
            f"dL/dw{i + 1} = hand partial",
            float(hand[i]),
            engine[i],
            1e-9 * max(1.0, abs(hand[i])),
        )
        for i in range(6)
    ]
    return figures + [
        Figure("001", "β1 = w1·w5 + w2·w6", COEFFICIENTS[0], beta[0], 5e-9),
        Figure("001", "β2 = w3·w5 + w4·w6", COEFFICIENTS[1], beta[1], 5e-9),
        Figure("001", "least squares β1", COEFFICIENTS[0], float(least_squares[0]), 5e-9),
        Figure("001", "least squares β2", COEFFICIENTS[1], float(least_squares[1]), 5e-9),
        Figure("001", "RMSE below 1e-6", 0.0, ns["rmse"], 1e-6),
    ]


if __name__ == "__main__":
    standalone(run, __doc__)
