"""``fit``: mini-batch training with a progress bar, returning the loss history."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from autograd import Value
from autograd.explain.display import chart_range, line_chart
from autograd.explain.text import num
from autograd.replay.tape import Tape, TapeMismatch, trace
from nn.layers import Rng, generator
from nn.losses import LOSSES, Loss, l2_penalty
from nn.module import Module
from nn.optim import SGD, Optimizer

__all__ = ["History", "fit"]


@dataclass(repr=False)
class History:
    """Mean loss per epoch, and accuracy per epoch for classification losses.

    In a notebook it shows as a plot of each (an SVG drawn here, no plotting library).
    """

    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)

    def __repr__(self) -> str:
        if not self.loss:
            return "History(no epochs)"
        parts = [f"loss {num(self.loss[0])} → {num(self.loss[-1])}"]
        if self.accuracy:
            parts.append(f"accuracy {num(self.accuracy[0])} → {num(self.accuracy[-1])}")
        epochs = len(self.loss)
        return f"History({epochs} epoch{'s' * (epochs > 1)}: {', '.join(parts)})"

    def _repr_html_(self) -> str:
        if not self.loss:
            return "<p>History: no epochs</p>"
        low, high = chart_range(self.loss, floor=0.0 if min(self.loss) >= 0 else None)
        charts = [line_chart("loss", self.loss, low=low, high=high)]
        if self.accuracy:
            charts.append(line_chart("accuracy", self.accuracy, low=0.0, high=1.0))
        return (
            f'<div style="display:flex;flex-wrap:wrap;gap:8px">{"".join(charts)}</div>'
            f"<p>{escape(repr(self))}</p>"
        )


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
    replay: bool | None = None,
) -> History:
    """Train ``model`` on samples ``X`` with targets ``y``; return the history.

    Each batch: zero the grads, run the model on every sample, take the mean
    ``loss`` (plus ``l2 · Σ p²`` if ``l2`` > 0), backward, ``optimizer.step()``.
    ``batch_size=None`` uses the whole set; the default optimizer is SGD(lr=0.01).
    Loss and accuracy are measured on each batch before its update.

    ``replay``: run each batch as one numpy replay of a traced per-sample graph
    (``autograd.replay.tape``), with the same numbers as the scalar path. ``None`` picks
    it when it pays: a loss that allows it, number targets, batches big enough
    for the model (``REPLAY_MIN_WORK``), and a graph that retraces the same on
    another sample. ``True`` insists (and raises if it cannot), ``False`` stays scalar.
    The retrace is repeated after 1, 2, 4, 8, … epochs, as the weights change
    (``TapeMismatch`` if the graph has changed with them).
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
    tape = _replay_tape(model, loss_fn, samples, targets, l2, size, replay)
    if tape is None:
        step = _ScalarStep(model, loss_fn, samples, targets, l2, opt)
    else:
        step = _ReplayStep(tape, loss_fn, samples, targets, opt)
    history = History()
    try:
        _epochs(step, tape, samples, targets, size, shuffle, gen, epochs, progress, history)
    finally:
        step.sync()  # the replay's parameters, held as arrays, back to their Values
    return history


def _epochs(
    step: _ScalarStep | _ReplayStep,
    tape: Tape | None,
    samples: list,
    targets: list,
    size: int,
    shuffle: bool,
    gen: np.random.Generator,
    epochs: int,
    progress: bool,
    history: History,
) -> None:
    # advanced by hand once an epoch's loss is known: a tqdm iterated over counts only
    # when it redraws, so a fast fit showed 0/60 beside a changing loss
    with tqdm(total=epochs, desc="fit", unit="epoch", disable=not progress) as bar:
        classified = step.loss_fn.correct is not None
        for epoch in range(epochs):
            order = gen.permutation(len(samples)) if shuffle else np.arange(len(samples))
            loss_sum, right = 0.0, 0.0
            if tape is not None and epoch & (epoch - 1) == 0 and epoch:  # 1, 2, 4, 8, ...
                step.sync()  # the retrace reads the weights from the Values
                tape.verify(samples[order[0]], targets[order[0]])
            for start in range(0, len(samples), size):
                value, batch_right = step(order[start : start + size])
                loss_sum += value
                right += batch_right
            history.loss.append(loss_sum / len(samples))
            if classified:
                history.accuracy.append(right / len(samples))
            shown = {"loss": f"{history.loss[-1]:.4g}"}
            if classified:
                shown["acc"] = f"{history.accuracy[-1]:.3f}"
            bar.set_postfix(shown, refresh=False)
            bar.update(1)


REPLAY_MIN_WORK = 12
"""The replay pays when batch size × traced nodes is at least this many times its
number of groups (its numpy calls per pass); below, the scalar path is faster.
Chosen from ``benchmarks/fit_paths.py``, where the two paths break even at 10 to 16."""


@dataclass
class _ScalarStep:
    """One batch on the scalar engine: the loss summed over the batch, and how
    many it classified right (0 for a regression loss)."""

    model: Module
    loss_fn: Loss
    samples: list
    targets: list
    l2: float
    opt: Optimizer

    def __call__(self, batch: np.ndarray) -> tuple[float, float]:
        outputs = [self.model(self.samples[i]) for i in batch]
        wanted = [self.targets[i] for i in batch]
        value = self.loss_fn(outputs, wanted)
        if self.l2:
            value = value + l2_penalty(self.model.parameters(), self.l2)
        self.opt.zero_grad()
        value.backward()
        self.opt.step()
        accuracy = self.loss_fn.accuracy(outputs, wanted) or 0.0
        return value.data * len(batch), float(round(accuracy * len(batch)))

    def sync(self) -> None:
        """Nothing to write: this path moves the Values themselves."""


class _ReplayStep:
    """One batch as a replay of the traced per-sample graph: the same numbers, the
    parameters held as arrays from batch to batch (``Tape.training``), and the
    outputs kept as an array (the losses it replays have one output each)."""

    def __init__(self, tape: Tape, loss_fn: Loss, samples: list, targets: list, opt: Optimizer):
        self.loss_fn, self.run = loss_fn, tape.training(opt)
        self.x, self.t = np.asarray(samples, dtype=float), np.asarray(targets, dtype=float)
        self.outputs = len(tape.outputs)
        self.seeds: dict[int, np.ndarray] = {}

    def __call__(self, batch: np.ndarray) -> tuple[float, float]:
        x, t = self.x[batch], self.t[batch]
        seed = self.seeds.get(len(batch))
        if seed is None:  # d(mean loss)/d(each row's loss), 0 for the outputs
            seed = self.seeds[len(batch)] = np.zeros((len(batch), self.outputs))
            seed[:, 0] = 1.0 / len(batch)
        out = self.run.step(x, t, seed=seed)  # columns: loss, outputs
        right = 0.0
        if self.loss_fn.correct is not None:  # its rule reads arrays as it reads Values
            right = float(np.count_nonzero(self.loss_fn.correct(out[:, 1], t)))
        return float(out[:, 0].mean()) * len(batch), right

    def sync(self) -> None:
        self.run.sync()


def _replay_tape(
    model: Module,
    loss_fn: Loss,
    samples: list,
    targets: list,
    l2: float,
    size: int,
    replay: bool | None,
) -> Tape | None:
    """The traced per-sample graph ``[loss + l2 term, *outputs]``, or None for the scalar path."""
    if replay is False:
        return None
    why = _why_not_replay(loss_fn, targets)
    if why:
        if replay:
            raise ValueError(f"fit: replay=True, but {why}")
        return None
    loss_fn.check_targets(targets)
    params = model.parameters()

    def per_sample(x: list[Value], t: Value) -> list[Value]:
        out = model(x)
        outs = out if isinstance(out, list) else [out]
        value = loss_fn.per_sample(out, t)
        return [value + l2_penalty(params, l2) if l2 else value, *outs]

    tape = trace(per_sample, samples[0], targets[0])
    if replay is None and size * len(tape.nodes) < REPLAY_MIN_WORK * len(tape.groups):
        return None  # too little work per numpy call: the scalar path is faster
    try:
        tape.verify(samples[-1], targets[-1])
    except TapeMismatch:
        if replay:
            raise
        return None
    return tape


def _why_not_replay(loss_fn: Loss, targets: list) -> str:
    if not loss_fn.replayable:
        return f"the loss {loss_fn.name!r} builds a graph that depends on its target"
    if not all(isinstance(t, (int, float, np.number)) for t in targets):
        return "the targets are not plain numbers"
    return ""


def _loss(loss: str | Loss) -> Loss:
    if isinstance(loss, Loss):
        return loss
    if loss not in LOSSES:
        raise ValueError(f"fit: unknown loss {loss!r}; choose one of {', '.join(LOSSES)}")
    return LOSSES[loss]
