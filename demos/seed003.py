"""Seed 003: a 2-3-3-1 sigmoid network backpropagated layer by layer, and its bias slip."""

from __future__ import annotations

from pathlib import Path

from demos.report import Figure, standalone, walk_through
from viz import draw_dot

SOURCE = "seed003-layer-by-layer"
TOL = 1e-9


def run(out: Path) -> list[Figure]:
    """Run the walk-through, save the network a box per neuron, and read its figures."""
    ns = walk_through(SOURCE)
    draw_dot(ns["C"], collapse=ns["model"]).save(out / "seed003-network.svg")
    report, slip_b, right_b = ns["report"], ns["slip_b"], ns["right_b"]
    flagged = sorted(r.name for r in report.failures)
    slipped = sorted(  # the biases whose slipped gradient is off by more than the check allows
        f"L{layer}n{j}.b"
        for layer, (slip, right) in enumerate(zip(slip_b, right_b, strict=True))
        for j in range(len(right))
        if abs(slip[j, 0] - right[j, 0]) > TOL + 1e-4 * abs(right[j, 0])
    )
    weights_pass = all(r.ok for r in report.rows if r.name.split(".")[-1].startswith("w"))
    return [
        Figure("003", "raw rows: outputs all equal", 0.0, max(ns["raw"]) - min(ns["raw"]), 1e-12),
        Figure("003", "backward vs layer formulas", 0.0, max(ns["gaps"]), 1e-12),
        Figure("003", "wrong nodes found (b1, b2)", 6.0, float(len(flagged)), 0),
        Figure("003", "they are the slipped biases", 1.0, float(flagged == slipped), 0),
        Figure("003", "every weight gradient passes", 1.0, float(weights_pass), 0),
    ]


if __name__ == "__main__":
    standalone(run, __doc__)
