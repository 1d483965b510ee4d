"""Two moons: micrograd's demo, an MLP(2, [16, 16, 1]) trained with a max-margin loss."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from autograd import no_grad
from demos.report import Figure, say, standalone
from nn import MLP, SGD, fit, make_moons

if TYPE_CHECKING:  # matplotlib loads when a plot is drawn
    from matplotlib.figure import Figure as Figure_

EPOCHS = 60


def run(out: Path) -> list[Figure]:
    x, labels = make_moons(100, noise=0.1, rng=0)
    y = labels * 2 - 1
    model = MLP(2, [16, 16, 1], rng=1)
    say(f"{model}: ReLU, ReLU, linear; hinge loss + 1e-4·Σp², SGD with momentum")
    opt = SGD(model.parameters(), lr=0.05, momentum=0.9)
    history = fit(model, x, y, loss="hinge", optimizer=opt, epochs=EPOCHS, l2=1e-4, rng=0)
    with no_grad():
        scores = np.array([model(row).data for row in x])
    accuracy = float(np.mean((scores > 0) == (y > 0)))
    say(f"loss {history.loss[0]:.4f} → {history.loss[-1]:.4f}; accuracy {accuracy:.2f}")
    written = plot(model, x, y, history.loss, out)
    say(f"decision boundary and loss curve: {', '.join(str(p) for p in written)}")
    return [Figure("moons", "accuracy ≥ 0.95 (micrograd: 1.0)", 1.0, accuracy, 0.05)]


def plot(model: MLP, x: np.ndarray, y: np.ndarray, losses: list[float], out: Path) -> list[Path]:
    """The decision boundary over a grid, and the loss per epoch, as PNG files."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    written = []
    for name, fig in (
        ("moons-boundary.png", boundary_figure(model, x, y)),
        ("moons-loss.png", loss_figure(losses)),
    ):
        fig.savefig(out / name, dpi=100, bbox_inches="tight")
        plt.close(fig)
        written.append(out / name)
    return written


def boundary_figure(model: MLP, x: np.ndarray, y: np.ndarray) -> Figure_:
    """The model's classes over a grid around the data, the samples on top."""
    import matplotlib.pyplot as plt

    h = 0.05
    xs = np.arange(x[:, 0].min() - 1, x[:, 0].max() + 1, h)
    ys = np.arange(x[:, 1].min() - 1, x[:, 1].max() + 1, h)
    gx, gy = np.meshgrid(xs, ys)
    with no_grad():
        z = np.array([model([a, b]).data > 0 for a, b in zip(gx.ravel(), gy.ravel(), strict=True)])
    fig, ax = plt.subplots(figsize=(5, 4))
    ax.contourf(gx, gy, z.reshape(gx.shape), cmap=plt.cm.Spectral, alpha=0.8)
    ax.scatter(x[:, 0], x[:, 1], c=y, s=30, cmap=plt.cm.Spectral, edgecolors="k")
    ax.set_xlabel("x[0], the first input")
    ax.set_ylabel("x[1], the second input")
    ax.set_title("two moons: decision boundary")
    return fig


def loss_figure(losses: list[float]) -> Figure_:
    """The mean training loss per epoch."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3))
    ax.plot(range(1, len(losses) + 1), losses)
    ax.set_xlabel("epoch")
    ax.set_ylabel("mean loss")
    ax.set_title("two moons: training loss")
    return fig


if __name__ == "__main__":
    standalone(run, __doc__)
