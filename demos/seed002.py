"""Seed 002: a 10-10-10 tanh/sigmoid network learns to invert bits, with momentum."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from autograd import trace
from demos.report import Figure, say, standalone
from nn import MLP, bce

EPOCH_LOSSES = (0.45465070, 0.13697961, 0.06206941)
UNSEEN = [1, 0, 1, 1, 1, 1, 0, 1, 0, 0]
PREDICTED = [0, 1, 0, 0, 0, 0, 1, 0, 1, 1]
LR, MOMENTUM, EPOCHS = 0.01, 0.9, 100


def data() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The notebook's draws from seed 0, in its order: V, W, the 300 samples, one unseen x."""
    rng = np.random.RandomState(0)
    v = rng.normal(scale=0.1, size=(10, 10))
    w = rng.normal(scale=0.1, size=(10, 10))
    x = rng.binomial(1, 0.5, (300, 10))
    unseen = rng.binomial(1, 0.5, 10)
    return v, w, x, x ^ 1, unseen


def train(
    model: MLP, x: np.ndarray, t: np.ndarray, epochs: int, *, replay: bool = False
) -> list[float]:
    """Per-sample SGD with momentum, on the notebook's schedule; mean loss per epoch.

    The notebook subtracts the previous update before computing the new one, and
    starts each epoch with no momentum; its gradient is that of the BCE summed over
    the 10 outputs, while it prints the mean. ``replay`` runs each sample through a
    tape traced once (a batch of one row) instead of a new scalar graph.
    """
    params = model.parameters()
    samples = [[float(v) for v in row] for row in x]
    targets = [[float(v) for v in row] for row in t]
    step = _replayed_sample(model, samples[0], targets[0]) if replay else _scalar_sample(model)
    history = []
    for _ in tqdm(range(epochs), desc="seed 002", unit="epoch", leave=False):
        update = [0.0] * len(params)
        losses = []
        for sample, target in zip(samples, targets, strict=True):
            model.zero_grad()
            losses.append(step(sample, target))
            for p, u in zip(params, update, strict=True):
                p.data -= u
            update = [LR * p.grad + MOMENTUM * u for p, u in zip(params, update, strict=True)]
        history.append(float(np.mean(losses)))
    return history


def _scalar_sample(model: MLP) -> Callable[[list, list], float]:
    def step(sample: list[float], target: list[float]) -> float:
        loss = bce(model(sample), target)
        (loss * len(target)).backward()
        return loss.data

    return step


def _replayed_sample(model: MLP, sample: list, target: list) -> Callable[[list, list], float]:
    tape = trace(lambda xs, ts: bce(model(xs), ts) * len(ts), sample, target)

    def step(sample: list[float], target: list[float]) -> float:
        summed = tape.forward([sample], [target])[0]
        tape.backward()
        return summed / len(target)

    return step


def run(out: Path) -> list[Figure]:
    v, w, x, t, unseen = data()
    model = MLP(10, [10, 10], activation="tanh", output_activation="sigmoid", rng=0)
    model.set_weights([v.T, w.T], [np.zeros(10), np.zeros(10)])  # x·V is V.T acting on x
    say("by hand: A = x·V + bv, Z = tanh(A), Y = σ(Z·W + bw); errors Y - t, tanh' · (W·Ew)")
    say(f"the engine builds the same net as an MLP and trains {EPOCHS} epochs with backward()")
    history = train(model, x, t, EPOCHS)
    for epoch in range(3):
        say(f"epoch {epoch}: mean loss {history[epoch]:.8f} (notebook {EPOCH_LOSSES[epoch]:.8f})")
    say(f"epoch {EPOCHS - 1}: mean loss {history[-1]:.8f}")
    predicted = [int(y.data > 0.5) for y in model([float(b) for b in unseen])]
    say(f"unseen input {unseen.tolist()} → {predicted} (its bits inverted: {x_inverted(unseen)})")
    figures = [
        Figure("002", f"mean loss, epoch {e}", EPOCH_LOSSES[e], history[e], 1e-7) for e in range(3)
    ]
    figures.append(Figure("002", "unseen input drawn", 1.0, float(unseen.tolist() == UNSEEN), 0))
    figures += [
        Figure("002", f"prediction bit {i}", float(PREDICTED[i]), float(predicted[i]), 0)
        for i in range(10)
    ]
    return figures


def x_inverted(bits: np.ndarray) -> list[int]:
    return (bits ^ 1).tolist()


if __name__ == "__main__":
    standalone(run, __doc__)
