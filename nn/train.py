"""``fit``: mini-batch training with a progress bar, returning the loss history."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from nn.layers import Rng, generator
from nn.losses import LOSSES, Loss, l2_penalty
from nn.module import Module
from nn.optim import SGD, Optimizer

__all__ = ["History", "fit"]


@dataclass
class History:
    """Mean loss per epoch, and accuracy per epoch for classification losses."""

    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)


def fit(
    model: Module,
    X: Sequence[Any] | np.ndarray,
    y: Sequence[Any] | np.ndarray,
    *,
    loss: str | Loss = "mse",
    optimizer: Optimizer | None = None,
    epochs: int = 10,
    batch_size: int | None = None,
    l2: float = 0.0,
    shuffle: bool = True,
    rng: Rng = None,
    progress: bool = True,
) -> History:
    """Train ``model`` on samples ``X`` with targets ``y``; return the history.

    Each batch: zero the grads, run the model on every sample, take the mean
    ``loss`` (plus ``l2 · Σ p²`` if ``l2`` > 0), backward, ``optimizer.step()``.
    ``batch_size=None`` uses the whole set; the default optimizer is SGD(lr=0.01).
    Loss and accuracy are measured on each batch before its update.
    """
    loss_fn = _loss(loss)
    samples, targets = list(X), list(y)
    if len(samples) != len(targets):
        raise ValueError(f"fit: {len(samples)} samples but {len(targets)} targets")
    if not samples:
        raise ValueError("fit: no samples")
    if epochs < 1:
        raise ValueError(f"fit: epochs must be >= 1, got {epochs}")
    size = len(samples) if batch_size is None else batch_size
    if size < 1:
        raise ValueError(f"fit: batch_size must be >= 1, got {batch_size}")
    opt = optimizer if optimizer is not None else SGD(model.parameters(), lr=0.01)
    gen = generator(rng)
    history = History()
    bar = tqdm(range(epochs), desc="fit", unit="epoch", disable=not progress)
    for _ in bar:
        order = gen.permutation(len(samples)) if shuffle else np.arange(len(samples))
        loss_sum, right, classified = 0.0, 0.0, False
        for start in range(0, len(samples), size):
            batch = order[start : start + size]
            outputs = [model(samples[i]) for i in batch]
            wanted = [targets[i] for i in batch]
            value = loss_fn(outputs, wanted)
            if l2:
                value = value + l2_penalty(model.parameters(), l2)
            opt.zero_grad()
            value.backward()
            opt.step()
            loss_sum += value.data * len(batch)
            accuracy = loss_fn.accuracy(outputs, wanted)
            if accuracy is not None:
                classified = True
                right += float(accuracy) * len(batch)
        history.loss.append(loss_sum / len(samples))
        if classified:
            history.accuracy.append(right / len(samples))
        shown = {"loss": f"{history.loss[-1]:.4g}"}
        if classified:
            shown["acc"] = f"{history.accuracy[-1]:.3f}"
        bar.set_postfix(shown)
    return history


def _loss(loss: str | Loss) -> Loss:
    if isinstance(loss, Loss):
        return loss
    if loss not in LOSSES:
        raise ValueError(f"fit: unknown loss {loss!r}; choose one of {', '.join(LOSSES)}")
    return LOSSES[loss]
