"""Softmax and log-softmax over a list of Values, stable for any logits."""

from __future__ import annotations

from collections.abc import Sequence

from autograd import Value, total

__all__ = ["log_softmax", "softmax"]


def _logits(name: str, values: Sequence[Value | float]) -> list[Value]:
    if isinstance(values, (Value, int, float)) or not values:
        raise TypeError(f"{name} takes a non-empty list of Values, got {values!r:.60}")
    out = []
    for i, v in enumerate(values):
        if isinstance(v, Value):
            out.append(v)
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            out.append(Value(v))
        else:
            raise TypeError(f"{name}: item {i} is {type(v).__name__} {v!r:.40}, not a Value")
    return out


def _shifted(zs: list[Value]) -> tuple[list[Value], list[Value], Value]:
    """zₖ - m with m the largest logit (a constant), exp of each (<= 1) and their sum (>= 1)."""
    m = max(z.data for z in zs)
    shifted = [z - m for z in zs]
    exps = [s.exp() for s in shifted]
    return shifted, exps, total(exps)


def softmax(values: Sequence[Value | float]) -> list[Value]:
    """exp(zₖ) / Σ exp(zⱼ) for each k, computed as exp(zₖ - m) / Σ exp(zⱼ - m) with m the
    largest logit held constant: the same numbers and gradients, and no overflow."""
    _, exps, denominator = _shifted(_logits("softmax", values))
    return [e / denominator for e in exps]


def log_softmax(values: Sequence[Value | float]) -> list[Value]:
    """zₖ - log Σ exp(zⱼ) for each k, as (zₖ - m) - log Σ exp(zⱼ - m): exact where softmax
    underflows to 0 (so log(softmax(z)) would fail) and where it is near 1."""
    shifted, _, denominator = _shifted(_logits("log_softmax", values))
    log_sum = denominator.log()
    return [s - log_sum for s in shifted]
