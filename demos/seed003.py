"""Seed 003: a 2-3-3-1 sigmoid network backpropagated layer by layer, and its bias slip."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from autograd import Value, check_nodes
from demos.report import Figure, say, standalone
from nn import MLP, bce
from viz import draw_dot

X = np.array(
    [
        [150, 70],
        [254, 73],
        [312, 68],
        [120, 60],
        [154, 61],
        [212, 65],
        [216, 67],
        [145, 67],
        [184, 64],
        [130, 69],
    ],
    dtype=float,
)
Y = np.array([0, 1, 1, 0, 0, 1, 1, 0, 1, 0], dtype=float)
STANDARD = (X - X.mean(axis=0)) / X.std(axis=0)
SIZES = [2, 3, 3, 1]
TOL = 1e-9


def weights() -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Random weights drawn as the notebook draws them (it set no seed; we use 3)."""
    rng = np.random.RandomState(3)
    ws = [rng.randn(SIZES[i + 1], SIZES[i]) for i in range(3)]
    bs = [rng.randn(SIZES[i + 1], 1) for i in range(3)]
    return ws, bs


def layer_by_layer(
    x: np.ndarray, ws: list[np.ndarray], bs: list[np.ndarray], *, notebook_bias: bool
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """dC/dW and dC/db by the notebook's formulas; ``notebook_bias`` keeps its slip."""
    a = [x.T]
    for w, b in zip(ws, bs, strict=True):
        a.append(1 / (1 + np.exp(-(w @ a[-1] + b))))
    m = x.shape[0]
    dz = (a[3] - Y.reshape(1, m)) / m
    d_w, d_b = [None] * 3, [None] * 3
    for layer in (2, 1, 0):
        d_w[layer] = dz @ a[layer].T
        summed = d_w[layer] if (notebook_bias and layer < 2) else dz
        d_b[layer] = np.sum(summed, axis=1, keepdims=True)
        if layer:
            dz = (ws[layer].T @ dz) * a[layer] * (1 - a[layer])
    return d_w, d_b


def build(ws: list[np.ndarray], bs: list[np.ndarray]) -> MLP:
    model = MLP(2, SIZES[1:], activation="sigmoid", output_activation="sigmoid", rng=0)
    model.set_weights(ws, [b.ravel() for b in bs])
    for name, p in model.named_parameters():
        p.label = name.replace("layers.", "L").replace(".neurons.", "n")
    return model


def run(out: Path) -> list[Figure]:
    ws, bs = weights()
    raw = [build(ws, bs)(list(row)).data for row in X]
    say(f"on the raw (weight, height) rows every output is {raw[0]:.8f}: the first layer")
    say("saturates, as in the notebook, where all ten outputs were equal too")
    spread = float(np.ptp(raw))
    say("so the features are standardized (mean 0, std 1) before the gradients are compared")
    model = build(ws, bs)
    loss = bce([model(list(row)) for row in STANDARD], list(Y))
    loss.label = "C"
    loss.backward()
    say(f"C = mean binary cross-entropy over the 10 rows: {loss.data:.10f}")

    right_w, right_b = layer_by_layer(STANDARD, ws, bs, notebook_bias=False)
    slip_w, slip_b = layer_by_layer(STANDARD, ws, bs, notebook_bias=True)
    layers = model.layers
    engine_w = [np.array([[p.grad for p in n.w] for n in layer.neurons]) for layer in layers]
    engine_b = [np.array([[n.b.grad] for n in layer.neurons]) for layer in layers]
    gap = max(
        float(np.max(np.abs(e - r)))
        for e, r in zip(engine_w + engine_b, right_w + right_b, strict=True)
    )
    say(f"backward vs the layer formulas with dC/db = Σ dC/dZ: largest gap {gap:.2e}")

    hand: dict[Value, float] = {}
    for layer, gw, gb in zip(layers, slip_w, slip_b, strict=True):
        for j, neuron in enumerate(layer.neurons):
            hand.update({p: float(gw[j, i]) for i, p in enumerate(neuron.w)})
            hand[neuron.b] = float(gb[j, 0])
    report = check_nodes(loss, hand, atol=TOL, rtol=1e-4)
    flagged = sorted(r.name for r in report.failures)
    say("the node check of the notebook's gradients (dC/db = Σ dC/dW):")
    for line in report.diagnosis.splitlines():
        say(f"  {line}")
    say(f"  nodes whose gradient is wrong: {', '.join(flagged)}")
    expected = sorted(
        f"L{li}n{j}.b"
        for li in range(3)
        for j in range(SIZES[li + 1])
        if abs(slip_b[li][j, 0] - right_b[li][j, 0]) > TOL + 1e-4 * abs(right_b[li][j, 0])
    )
    draw_dot(loss, collapse=model).save(out / "seed003-network.svg")
    say(f"the network, a box per neuron: {out / 'seed003-network.svg'}")
    return [
        Figure("003", "raw rows: outputs all equal", 0.0, spread, 1e-12),
        Figure("003", "backward vs layer formulas", 0.0, gap, 1e-12),
        Figure("003", "wrong nodes found (b1, b2)", 6.0, float(len(flagged)), 0),
        Figure("003", "they are the slipped biases", 1.0, float(flagged == expected), 0),
        Figure(
            "003",
            "every weight gradient passes",
            1.0,
            float(all(r.ok for r in report.rows if r.name.split(".")[-1].startswith("w"))),
            0,
        ),
    ]


if __name__ == "__main__":
    standalone(run, __doc__)
