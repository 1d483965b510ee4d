"""Seed 004: a matrix product as three loops, an L1 loss, and one step of descent."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from demos.report import Figure, standalone, walk_through

SOURCE = "seed004-matrix-product"
LOSS, LOSS_AFTER_STEP = 41.578510114266535, 38.088094755935614
DL_DX = [[3, 0], [3, 2], [3, 2]]
DL_DW = [[-2, 10, -10, 10], [-4, 4, -4, 4]]


def run(out: Path) -> list[Figure]:
    """Run the walk-through and read its figures: the loss, one step, both gradients."""
    ns = walk_through(SOURCE)
    figures = [
        Figure("004", "L1 loss", LOSS, ns["L"].data, 1e-12),
        Figure("004", "L1 loss after one step", LOSS_AFTER_STEP, ns["after"].data, 1e-12),
    ]
    for name, notebook, engine in (
        ("dL/dx", DL_DX, ns["engine_dx"]),
        ("dL/dw", DL_DW, ns["engine_dw"]),
    ):
        for index, want in np.ndenumerate(np.array(notebook)):
            at = ",".join(map(str, index))
            figures.append(Figure("004", f"{name}[{at}]", float(want), float(engine[index]), 0))
    return figures


if __name__ == "__main__":
    standalone(run, __doc__)
