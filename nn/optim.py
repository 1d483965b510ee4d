"""Optimizers: SGD (momentum, Nesterov, dampening, weight decay), RMSprop and Adam,
as PyTorch defines them, updating Values in place.

Updates change ``.data`` directly, so they record no graph.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from autograd import Value

__all__ = ["SGD", "Adam", "Optimizer", "RMSprop"]


class Optimizer:
    """Holds the parameters; ``step()`` moves them, ``zero_grad()`` clears their grads."""

    def __init__(self, params: Iterable[Value], lr: float) -> None:
        self.params = list(params)
        if not self.params:
            raise ValueError(f"{type(self).__name__}: no parameters to optimize")
        if not all(isinstance(p, Value) for p in self.params):
            raise TypeError(f"{type(self).__name__}: parameters must be Values")
        _positive("lr", lr)
        self.lr = lr

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        raise NotImplementedError

    def _grads(self) -> list[float]:
        grads = [p.grad for p in self.params]
        if _all_finite(grads):
            return grads
        for i, g in enumerate(grads):
            if not isinstance(g, float) or not math.isfinite(g):
                raise ValueError(
                    f"{type(self).__name__}.step: parameter {i} has gradient {g!r}; "
                    "run backward() (without create_graph) on a finite loss first"
                )
        return grads

    def _move(self, steps: list[float]) -> None:
        """``p.data -= step`` for every parameter, or for none if any result is not finite."""
        moved = [p.data - step for p, step in zip(self.params, steps, strict=True)]
        self._check_finite(moved, "would become {}")
        for p, new in zip(self.params, moved, strict=True):
            p.data = new

    def _check_finite(self, numbers: list[float], what: str) -> None:
        """Raise ``_diverged`` for the first of ``numbers`` (one per parameter) that is
        not finite, ``what`` saying what it is (``{}`` stands for the number)."""
        for i, x in enumerate([] if _all_finite(numbers) else numbers):
            if not math.isfinite(x):
                raise self._diverged(i, what.format(x))

    def _diverged(self, i: int, what: str) -> OverflowError:
        p = self.params[i]
        name = f" ({p.label})" if p.label else ""
        return OverflowError(
            f"{type(self).__name__}.step: parameter {i}{name} {what} (data {p.data!r}, "
            f"grad {p.grad!r}); the step changed nothing. Lower the learning rate or clip "
            "the gradients"
        )


def _all_finite(numbers: list[float]) -> bool:
    """True when every item is a finite float: their sum is then a finite float
    (an inf or NaN makes it inf or NaN). One C loop, where checking each took 40%
    of a step. False (also when a sum of finite numbers overflows) sends the
    caller to its item-by-item check, which names the first bad one."""
    total = sum(numbers, 0.0)
    return type(total) is float and math.isfinite(total)


_SQUARED = "has a squared gradient average of {}"


def _positive(name: str, value: float, *, zero_ok: bool = False) -> None:
    if not (value >= 0 if zero_ok else value > 0) or not math.isfinite(value):
        raise ValueError(f"{name} must be {'>= 0' if zero_ok else '> 0'}, got {value}")


class SGD(Optimizer):
    """Stochastic gradient descent as PyTorch's ``torch.optim.SGD`` defines it.

    With ``d = g + weight_decay · p``, the step is ``p -= lr · d``; with momentum,
    ``v = momentum · v + (1 - dampening) · d`` (v starts at d) and the step uses v,
    or ``d + momentum · v`` with ``nesterov=True``.
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 0.01,
        *,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
    ) -> None:
        super().__init__(params, lr)
        _positive("momentum", momentum, zero_ok=True)
        _positive("weight_decay", weight_decay, zero_ok=True)
        if not 0 <= dampening <= 1:
            raise ValueError(f"dampening must lie in [0, 1], got {dampening}")
        if nesterov and (momentum == 0 or dampening != 0):
            raise ValueError("nesterov needs a momentum > 0 and dampening 0 (as in PyTorch)")
        self.momentum, self.dampening, self.nesterov = momentum, dampening, nesterov
        self.weight_decay = weight_decay
        self.velocity: list[float] | None = None

    def reset(self) -> None:
        """Forget the momentum built up so far."""
        self.velocity = None

    def step(self) -> None:
        grads = _decayed(self._grads(), self.params, self.weight_decay)
        mu, velocity = self.momentum, self.velocity
        if mu:
            if velocity is None:
                velocity = grads
            else:
                keep = 1 - self.dampening
                velocity = [mu * v + keep * g for v, g in zip(velocity, grads, strict=True)]
            if self.nesterov:
                grads = [g + mu * v for g, v in zip(grads, velocity, strict=True)]
            else:
                grads = velocity
        lr = self.lr
        self._move([lr * g for g in grads])
        self.velocity = velocity


def _decayed(grads: list[float], params: list[Value], weight_decay: float) -> list[float]:
    """``g + weight_decay · p``: PyTorch's weight decay, an L2 penalty's gradient."""
    if not weight_decay:
        return grads
    return [g + weight_decay * p.data for g, p in zip(grads, params, strict=True)]


class RMSprop(Optimizer):
    """RMSprop as PyTorch's ``torch.optim.RMSprop`` defines it.

    ``v = alpha · v + (1 - alpha) · d²`` with ``d = g + weight_decay · p``; the step is
    ``lr · d / (√v + eps)``. ``centered=True`` uses v minus the square of the mean
    gradient (kept the same way) instead of v; ``momentum`` keeps a buffer
    ``b = momentum · b + d / (√v + eps)`` (from 0) and steps by ``lr · b``.
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 0.01,
        *,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
    ) -> None:
        super().__init__(params, lr)
        if not 0 <= alpha <= 1:
            raise ValueError(f"alpha must lie in [0, 1], got {alpha}")
        _positive("eps", eps)
        _positive("weight_decay", weight_decay, zero_ok=True)
        _positive("momentum", momentum, zero_ok=True)
        self.alpha, self.eps, self.weight_decay = alpha, eps, weight_decay
        self.momentum, self.centered = momentum, centered
        n = len(self.params)
        self.square_avg, self.grad_avg, self.buffer = [0.0] * n, [0.0] * n, [0.0] * n

    def step(self) -> None:
        grads = _decayed(self._grads(), self.params, self.weight_decay)
        a, mu = self.alpha, self.momentum
        square_avg, grad_avg, buffer = list(self.square_avg), list(self.grad_avg), list(self.buffer)
        steps = []
        for i, g in enumerate(grads):
            square_avg[i] = v = a * square_avg[i] + (1 - a) * g * g
            if self.centered:
                grad_avg[i] = m = a * grad_avg[i] + (1 - a) * g
                v = max(v - m * m, 0.0)  # >= 0 in exact arithmetic; rounding must not make √ fail
            step = g / (math.sqrt(v) + self.eps)
            if mu:
                buffer[i] = step = mu * buffer[i] + step
            steps.append(self.lr * step)
        self._check_finite(square_avg, _SQUARED)
        self._move(steps)
        self.square_avg, self.grad_avg, self.buffer = square_avg, grad_avg, buffer


class Adam(Optimizer):
    """Adam (Kingma & Ba): moments of g and g², bias-corrected, step ``lr·m̂/(√v̂ + eps)``."""

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        *,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
    ) -> None:
        super().__init__(params, lr)
        if not all(0 <= b < 1 for b in betas):
            raise ValueError(f"betas must lie in [0, 1), got {betas}")
        _positive("eps", eps)
        self.betas, self.eps = betas, eps
        self.t = 0
        self.m = [0.0] * len(self.params)
        self.v = [0.0] * len(self.params)

    def step(self) -> None:
        grads = self._grads()
        b1, b2 = self.betas
        t = self.t + 1
        c1, c2 = 1 - b1**t, 1 - b2**t
        ms, vs, steps = list(self.m), list(self.v), []
        for i, g in enumerate(grads):
            ms[i] = m = b1 * ms[i] + (1 - b1) * g
            vs[i] = v = b2 * vs[i] + (1 - b2) * g * g
            steps.append(self.lr * (m / c1) / (math.sqrt(v / c2) + self.eps))
        self._check_finite(vs, _SQUARED)
        self._move(steps)
        self.t, self.m, self.v = t, ms, vs
