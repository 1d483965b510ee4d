"""Losses on Values, each the mean over a batch of samples.

Every loss takes the model's outputs (one Value per sample, or one list of Values
per sample for softmax cross-entropy) and the targets as plain numbers.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from autograd import Value, dot, total
from autograd.ops import primal
from nn.functional import log_softmax

__all__ = [
    "LOSSES",
    "Loss",
    "bce",
    "bce_with_logits",
    "hinge",
    "l1",
    "l2_penalty",
    "mse",
    "softmax_cross_entropy",
]


@dataclass(frozen=True)
class Loss:
    """A loss: ``loss(outputs, targets)`` gives a Value; ``accuracy`` scores a batch.

    ``replayable`` says that ``per_sample`` also works with the target as a Value
    and builds the same graph for every sample, so ``fit`` may trace it once and
    replay it over a batch (see ``autograd.replay.tape``); ``check_target`` then runs on
    the plain targets instead.
    """

    name: str
    per_sample: Callable[[Any, Any], Value]
    correct: Callable[[Any, float], bool] | None = None  # also on arrays, for the replay
    check_target: Callable[[float], None] | None = None
    replayable: bool = False

    def __call__(self, outputs: Any, targets: Any) -> Value:
        pairs = _pairs(self.name, outputs, targets)
        self.check_targets([t for _, t in pairs])
        if self.replayable:  # its per_sample takes the target as a Value: name it
            pairs = list(
                zip([o for o, _ in pairs], _named_targets([t for _, t in pairs]), strict=False)
            )
        return total([self.per_sample(o, t) for o, t in pairs]) * (1.0 / len(pairs))

    def check_targets(self, targets: Sequence[Any]) -> None:
        """Raise a clear error for the first target this loss cannot take."""
        if self.check_target is not None:
            for t in targets:
                self.check_target(t)

    def accuracy(self, outputs: Any, targets: Any) -> float | None:
        """Fraction classified right, or None for a regression loss."""
        if self.correct is None:
            return None
        pairs = _pairs(self.name, outputs, targets)
        return sum(self.correct(o, t) for o, t in pairs) / len(pairs)


def _pairs(name: str, outputs: Any, targets: Any) -> list[tuple[Any, float]]:
    outs = [outputs] if isinstance(outputs, Value) else list(outputs)
    targs = [targets] if isinstance(targets, (int, float)) else list(targets)
    if len(outs) != len(targs):
        raise ValueError(f"{name}: {len(outs)} outputs for {len(targs)} targets")
    if not outs:
        raise ValueError(f"{name}: no samples")
    return list(zip(outs, targs, strict=True))


def _named_targets(targets: list[Any]) -> list[Any]:
    """Number targets as leaves named ``y`` (``y[i]`` in a batch), for diagrams."""
    if not all(isinstance(t, (int, float)) for t in targets):
        return targets
    if len(targets) == 1:
        return [Value(targets[0], label="y")]
    return [Value(t, label=f"y[{i}]") for i, t in enumerate(targets)]


def _value(name: str, output: Any) -> Value:
    if isinstance(output, Value):
        return output
    if isinstance(output, (int, float)):
        return Value(output)
    raise TypeError(f"{name}: each output must be one Value, got {type(output).__name__}")


def _squared(o: Any, t: float) -> Value:
    d = _value("mse", o) - t
    return d * d


def _absolute(o: Any, t: float) -> Value:
    return (_value("l1", o) - t).abs()


def _logistic(z: Value, y: float) -> Value:
    """-[y·log σ(z) + (1-y)·log(1-σ(z))] = softplus(z) - y·z, stable for any z."""
    return z.softplus() - z * y


def _bce_from_probability(o: Any, y: Any) -> Value:
    """PyTorch's BCELoss on the probability itself: ``p`` stays in the graph, and
    logs are clamped at -100, so p = 0 or 1 gives a large finite loss, not inf."""
    return Value.apply("binary_cross_entropy", _value("bce", o), y)


def _bce_from_logit(o: Any, y: float) -> Value:
    return _logistic(_value("bce_with_logits", o), y)


def _softmax_ce(logits: Sequence[Value], target: Any) -> Value:
    """-log softmax(z)[k] for a class index k, or -Σₖ yₖ·log softmax(z)ₖ for a vector y
    of class probabilities (soft labels), as PyTorch's CrossEntropyLoss takes either."""
    if isinstance(logits, Value) or len(logits) < 2:
        raise TypeError("softmax_cross_entropy: each output must be a list of >= 2 logits")
    if not isinstance(target, numbers.Real):
        probabilities = _soft_label(target, len(logits))
        return -dot(probabilities, log_softmax(logits))
    k = int(target)
    if k != target or not 0 <= k < len(logits):
        raise ValueError(
            f"softmax_cross_entropy: target {target} is not a class index in 0..{len(logits) - 1}"
            " nor a list of class probabilities"
        )
    zs = [_value("softmax_cross_entropy", z) for z in logits]
    shift = max(z.data for z in zs)  # a constant: log-sum-exp without overflow
    shifted = [z - shift for z in zs]
    # log Σ exp(zⱼ - m) - (zₖ - m): the loss keeps its digits as it nears 0
    return total([s.exp() for s in shifted]).log() - shifted[k]


def _soft_label(target: Any, classes: int) -> list[float]:
    """``target`` as a list of ``classes`` probabilities (each >= 0, summing to 1)."""
    try:
        ys = [float(y) for y in target]
    except (TypeError, ValueError):
        raise TypeError(
            "softmax_cross_entropy: a target is a class index or a list of class "
            f"probabilities, got {type(target).__name__} {target!r:.60}"
        ) from None
    if len(ys) != classes:
        raise ValueError(
            f"softmax_cross_entropy: the soft label {target!r:.60} has {len(ys)} "
            f"probabilities for {classes} logits"
        )
    if not all(0.0 <= y <= 1.0 for y in ys) or abs(math.fsum(ys) - 1.0) > 1e-6:
        raise ValueError(
            f"softmax_cross_entropy: the soft label {target!r:.60} is not a probability "
            f"vector: each must lie in [0, 1] and they must sum to 1 (they sum to {sum(ys)})"
        )
    return ys


def _probability(name: str, y: Any) -> None:
    """Refuse a target of ``name`` outside [0, 1]: it is the probability of class 1."""
    if isinstance(y, Value):
        y = y.data
    if not isinstance(y, numbers.Real):  # True and False are 1 and 0, hard labels
        raise TypeError(
            f"{name}: a target is the probability of class 1, a number in [0, 1]; "
            f"got {type(y).__name__} {y!r:.40}"
        )
    if not 0.0 <= y <= 1.0:
        raise ValueError(
            f"{name}: target {y} is outside [0, 1]; a target is the probability of "
            "class 1 (0 or 1 for a hard label; for labels -1 and 1 use hinge)"
        )


# Named functions, not lambdas, so that a Loss pickles (multiprocessing, joblib).


def _bce_target(y: Any) -> None:
    _probability("bce", y)


def _bce_with_logits_target(y: Any) -> None:
    _probability("bce_with_logits", y)


def _probability_right(p: Any, y: Any) -> Any:
    return (primal(p) > 0.5) == (y > 0.5)


def _logit_right(z: Any, y: Any) -> Any:
    return (primal(z) > 0) == (y > 0.5)


def _score_right(s: Any, y: Any) -> Any:
    return (primal(s) > 0) == (y > 0)


def _plus_or_minus_one(y: float) -> None:
    if y not in (-1, 1):
        raise ValueError(f"hinge: targets must be -1 or 1, got {y}")


def _margin(o: Any, y: Any) -> Value:
    return (1 - _value("hinge", o) * y).relu()


def _argmax(scores: Sequence[Value | float]) -> int:
    values = [v.data if isinstance(v, Value) else v for v in scores]
    return values.index(max(values))


def _same_class(logits: Sequence[Value], target: Any) -> bool:
    """The top logit is the target class (for soft labels: its most likely class)."""
    k = int(target) if isinstance(target, numbers.Real) else _argmax(list(target))
    return _argmax(logits) == k


mse = Loss("mse", _squared, replayable=True)
l1 = Loss("l1", _absolute, replayable=True)
bce = Loss(
    "bce",
    _bce_from_probability,
    _probability_right,
    check_target=_bce_target,
    replayable=True,
)
bce_with_logits = Loss(
    "bce_with_logits",
    _bce_from_logit,
    _logit_right,
    check_target=_bce_with_logits_target,
    replayable=True,
)
# the target picks which logit is subtracted: a graph that depends on the data
softmax_cross_entropy = Loss("softmax_cross_entropy", _softmax_ce, _same_class)
hinge = Loss(
    "hinge",
    _margin,
    _score_right,
    check_target=_plus_or_minus_one,
    replayable=True,
)

LOSSES = {loss.name: loss for loss in (mse, l1, bce, bce_with_logits, softmax_cross_entropy, hinge)}
"""The losses by name, for ``fit(loss="hinge")``."""


def l2_penalty(params: Sequence[Value], alpha: float) -> Value:
    """``alpha · Σ p²``, micrograd's regularization term."""
    if alpha < 0 or not math.isfinite(alpha):
        raise ValueError(f"l2: alpha must be a finite number >= 0, got {alpha}")
    return total([p * p for p in params]) * alpha
