"""Small classic datasets, generated with numpy alone."""

from __future__ import annotations

from typing import TYPE_CHECKING

from nn.layers import Rng, generator

if TYPE_CHECKING:
    import numpy as np

__all__ = ["make_moons", "xor"]


def make_moons(n: int = 100, noise: float = 0.1, rng: Rng = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles: points (n, 2) and labels 0/1 (n,), shuffled.

    The same shapes as scikit-learn's ``make_moons``; the random draws differ.
    """
    import numpy as np

    if n < 2:
        raise ValueError(f"make_moons: n must be >= 2, got {n}")
    gen = generator(rng)
    outer, inner = n // 2, n - n // 2
    t_out = np.linspace(0, np.pi, outer)
    t_in = np.linspace(0, np.pi, inner)
    X = np.vstack(
        [
            np.column_stack([np.cos(t_out), np.sin(t_out)]),
            np.column_stack([1 - np.cos(t_in), 0.5 - np.sin(t_in)]),
        ]
    )
    y = np.concatenate([np.zeros(outer), np.ones(inner)])
    X += gen.normal(0.0, noise, X.shape)
    order = gen.permutation(n)
    return X[order], y[order]


def xor() -> tuple[list[list[float]], list[float]]:
    """The four XOR points and their labels 0/1."""
    return [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [0.0, 1.0, 1.0, 0.0]
