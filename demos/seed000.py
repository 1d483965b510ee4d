"""Seed 000: dot products as weighted averages, linear models fitted by descent, derivatives."""

from __future__ import annotations

from pathlib import Path

from demos.report import Figure, standalone, walk_through
from viz import draw_dot

SOURCE = "seed000-weighted-averages"


def run(out: Path) -> list[Figure]:
    """Run the walk-through, save its slipped sigmoid's diagram, and read its figures."""
    ns = walk_through(SOURCE)
    draw_dot(ns["s"]).save(out / "seed000-wrong-sigmoid.svg")
    x, (analytic, numeric) = ns["x"], ns["slopes"]["MSE"]
    return [
        Figure("000", "GPA, student a", 3.28666667, ns["gpa"].data, 5e-9),
        Figure("000", "GPA, student b", 2.77333333, ns["gpa_b"].data, 5e-9),
        Figure("000", "plain average, student a", 3.24, ns["plain"].data, 1e-12),
        Figure("000", "plain average, student b", 2.78, ns["plain_b"].data, 1e-12),
        Figure("000", "3x = 6: w", 2.0, ns["w"].data, 1e-9),
        Figure("000", "3x = 6: prediction at x = 4", 8.0, ns["prediction"], 1e-8),
        Figure("000", "system: x1", 2.0, x[0].data, 1e-9),
        Figure("000", "system: x2", 3.0, x[1].data, 1e-9),
        Figure("000", "numeric dL/dw1, h = 0.005", 13.0325, numeric[0], 1e-9),
        Figure("000", "analytic dL/dw1 (backward)", 13.0, analytic[0], 0),
        Figure("000", "gradcheck fails on s * 1 - s", 0.0, float(bool(ns["report"])), 0),
        Figure("000", "gradcheck passes on sigmoid", 1.0, float(bool(ns["right"])), 0),
    ]


if __name__ == "__main__":
    standalone(run, __doc__)
