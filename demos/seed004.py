"""Seed 004: a matrix product as three loops, an L1 loss, and one step of descent."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from autograd import Value
from demos.report import Figure, say, standalone

X = [[4, 0], [3, 3], [3, 1]]
W = [[0, 1, -1, 1], [-1, -1, -1, 1]]
LOSS, LOSS_AFTER_STEP = 41.578510114266535, 38.088094755935614
DL_DX = [[3, 0], [3, 2], [3, 2]]
DL_DW = [[-2, 10, -10, 10], [-4, 4, -4, 4]]


def target() -> np.ndarray:
    """The notebook's random target: drawn after x and w from seed 0."""
    rng = np.random.RandomState(0)
    rng.randint(5, size=(3, 2))
    rng.randint(-1, 2, size=(2, 4))
    return rng.uniform(-1, 1, (3, 4))


def matmul(x: list[list[Value]], w: list[list[Value]]) -> list[list[Value]]:
    """out[d][j] = Σ_i x[d][i]·w[i][j], one scalar op at a time, as the notebook's loops."""
    return [
        [sum((row[i] * w[i][j] for i in range(len(w))), Value(0.0)) for j in range(len(w[0]))]
        for row in x
    ]


def l1_loss(out: list[list[Value]], t: np.ndarray) -> Value:
    """Σ |out - t| over every entry."""
    return sum(
        (
            (o - float(v)).abs()
            for r, tr in zip(out, t, strict=True)
            for o, v in zip(r, tr, strict=True)
        ),
        Value(0.0),
    )


def run(out: Path) -> list[Figure]:
    t = target()
    x = [[Value(v) for v in row] for row in X]
    w = [[Value(v) for v in row] for row in W]
    loss = l1_loss(matmul(x, w), t)
    say(f"x·w by three loops of scalar ops, then L = Σ|x·w - target| = {loss.data!r}")
    loss.backward()
    grad_x = np.array([[v.grad for v in row] for row in x])
    grad_w = np.array([[v.grad for v in row] for row in w])

    # The notebook's hand derivation: dL/do = sign(o - t); dL/dx = dL/do·wᵀ; dL/dw = xᵀ·dL/do.
    sign = np.where(np.array(X) @ np.array(W) > t, 1.0, -1.0)
    say(f"backward gives dL/dx = {grad_x.tolist()}")
    say(f"by hand, dL/do · wᵀ = {(sign @ np.array(W).T).tolist()}")
    say(f"backward gives dL/dw = {grad_w.tolist()}")
    say(f"by hand, xᵀ · dL/do = {(np.array(X).T @ sign).tolist()}")

    stepped = [[Value(v.data - 0.01 * v.grad) for v in row] for row in w]
    after = l1_loss(matmul(x, stepped), t)
    say(f"one step w ← w - 0.01·dL/dw lowers L to {after.data!r}")

    figures = [
        Figure("004", "L1 loss", LOSS, loss.data, 1e-12),
        Figure("004", "L1 loss after one step", LOSS_AFTER_STEP, after.data, 1e-12),
    ]
    for name, notebook, engine in (("dL/dx", DL_DX, grad_x), ("dL/dw", DL_DW, grad_w)):
        for index, want in np.ndenumerate(np.array(notebook)):
            at = ",".join(map(str, index))
            figures.append(Figure("004", f"{name}[{at}]", float(want), float(engine[index]), 0))
    return figures


if __name__ == "__main__":
    standalone(run, __doc__)
