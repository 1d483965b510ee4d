"""Seed 001: a 2-2-1 linear network without biases, its six partials by hand, and SGD."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from autograd import Value, total
from demos.report import Figure, say, standalone
from viz import animate, draw_dot

COEFFICIENTS = (87.73730719, 74.07686178)
LR, EPOCHS = 4e-3, 3


def make_regression(n_informative: int, noise: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's ``make_regression(n_features=2, random_state=42)``, with numpy alone.

    Its steps: standard normal X (100×2), coefficients 100·uniform for the informative
    features, optional Gaussian noise, then a shuffle of the samples and of the features.
    """
    rng = np.random.RandomState(42)
    x = rng.standard_normal(size=(100, 2))
    truth = np.zeros((2, 1))
    truth[:n_informative, :] = 100 * rng.uniform(size=(n_informative, 1))
    y = x @ truth
    if noise > 0:
        y += rng.normal(scale=noise, size=y.shape)
    rows = np.arange(100)
    rng.shuffle(rows)
    x, y = x[rows], y[rows]
    columns = np.arange(2)
    rng.shuffle(columns)
    return x[:, columns], y.ravel()


def network(w: list[Value], x1: float, x2: float) -> Value:
    """ŷ = w5·(w1·x1 + w3·x2) + w6·(w2·x1 + w4·x2): the notebook's wiring, linear, no bias."""
    h1 = w[0] * x1 + w[2] * x2
    h2 = w[1] * x1 + w[3] * x2
    h1.label, h2.label = "H1", "H2"
    out = w[4] * h1 + w[5] * h2
    out.label = "ŷ"
    return out


def hand_partials(w: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The notebook's six partials of L = Σ(y - ŷ)², written out."""
    w1, w2, w3, w4, w5, w6 = w
    x1, x2 = x[:, 0], x[:, 1]
    r = y - (x1 * (w1 * w5 + w2 * w6) + x2 * (w3 * w5 + w4 * w6))
    return np.array(
        [
            -2 * w5 * np.sum(x1 * r),
            -2 * w6 * np.sum(x1 * r),
            -2 * w5 * np.sum(x2 * r),
            -2 * w6 * np.sum(x2 * r),
            -2 * np.sum((w1 * x1 + w3 * x2) * r),
            -2 * np.sum((w2 * x1 + w4 * x2) * r),
        ]
    )


def run(out: Path) -> list[Figure]:
    x, y = make_regression(n_informative=2)
    start = np.random.RandomState(42).rand(6)
    w = [Value(float(v), label=f"w{i + 1}") for i, v in enumerate(start)]
    loss = total([(network(w, a, b) - t) ** 2 for (a, b), t in zip(x, y, strict=True)])
    loss.backward()
    engine = np.array([p.grad for p in w])
    by_hand = hand_partials(start, x, y)
    say("L = Σ(y - ŷ)² over the easy problem, at the notebook's starting weights:")
    for i in range(6):
        say(f"  dL/dw{i + 1}: backward {engine[i]:.10g}, by hand {by_hand[i]:.10g}")

    sample = network(w, float(x[0, 0]), float(x[0, 1]))
    first = (sample - float(y[0])) ** 2
    first.label = "L₀"
    first.zero_grad()  # the leaves still hold the whole data set's gradient from above
    first.backward()
    draw_dot(first).save(out / "seed001-network.svg")
    animate(first, out / "seed001-backprop.html")
    say(f"one sample's graph: {out / 'seed001-network.svg'}, stepped in seed001-backprop.html")

    for _ in range(EPOCHS):  # SGD one sample at a time; L = (y - ŷ)², so lr/2 is the notebook's
        for (a, b), t in zip(x, y, strict=True):
            sq = (network(w, a, b) - t) ** 2
            for p in w:
                p.grad = 0.0
            sq.backward()
            for p in w:
                p.data -= LR / 2 * p.grad
    v = [p.data for p in w]
    found = (v[0] * v[4] + v[1] * v[5], v[2] * v[4] + v[3] * v[5])
    rmse = float(np.sqrt(np.mean((x @ np.array(found) - y) ** 2)))
    least_squares = np.linalg.lstsq(x, y, rcond=None)[0]
    say(f"after {EPOCHS} epochs: coefficients {found[0]:.8f}, {found[1]:.8f}; RMSE {rmse:.3g}")
    say(f"least squares without intercept: {least_squares[0]:.8f}, {least_squares[1]:.8f}")
    figures = [
        Figure(
            "001",
            f"dL/dw{i + 1} = hand partial",
            float(by_hand[i]),
            float(engine[i]),
            1e-9 * max(1.0, abs(by_hand[i])),
        )
        for i in range(6)
    ]
    figures += [
        Figure("001", "β1 = w1·w5 + w2·w6", COEFFICIENTS[0], found[0], 5e-9),
        Figure("001", "β2 = w3·w5 + w4·w6", COEFFICIENTS[1], found[1], 5e-9),
        Figure("001", "least squares β1", COEFFICIENTS[0], float(least_squares[0]), 5e-9),
        Figure("001", "least squares β2", COEFFICIENTS[1], float(least_squares[1]), 5e-9),
        Figure("001", "RMSE below 1e-6", 0.0, rmse, 1e-6),
    ]
    return figures


if __name__ == "__main__":
    standalone(run, __doc__)
