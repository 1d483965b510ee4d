"""Optimizers: SGD (with momentum and Nesterov) and Adam, updating Values in place.

Updates change ``.data`` directly, so they record no graph.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from autograd import Value

__all__ = ["SGD", "Adam", "Optimizer"]


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
        for i, g in enumerate(grads):
            if not isinstance(g, float) or not math.isfinite(g):
                raise ValueError(
                    f"{type(self).__name__}.step: parameter {i} has gradient {g!r}; "
                    "run backward() (without create_graph) on a finite loss first"
                )
        return grads


def _positive(name: str, value: float, *, zero_ok: bool = False) -> None:
    if not (value >= 0 if zero_ok else value > 0) or not math.isfinite(value):
        raise ValueError(f"{name} must be {'>= 0' if zero_ok else '> 0'}, got {value}")


class SGD(Optimizer):
    """``p -= lr · v``, where ``v = momentum · v + g`` (PyTorch's form; v starts at g).

    With ``nesterov=True`` the step uses ``g + momentum · v`` instead of ``v``.
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 0.01,
        *,
        momentum: float = 0.0,
        nesterov: bool = False,
    ) -> None:
        super().__init__(params, lr)
        _positive("momentum", momentum, zero_ok=True)
        if nesterov and momentum == 0:
            raise ValueError("nesterov needs a momentum > 0")
        self.momentum, self.nesterov = momentum, nesterov
        self.velocity: list[float] | None = None

    def reset(self) -> None:
        """Forget the momentum built up so far."""
        self.velocity = None

    def step(self) -> None:
        grads = self._grads()
        mu = self.momentum
        if mu:
            if self.velocity is None:
                self.velocity = grads
            else:
                self.velocity = [mu * v + g for v, g in zip(self.velocity, grads, strict=True)]
            if self.nesterov:
                grads = [g + mu * v for g, v in zip(grads, self.velocity, strict=True)]
            else:
                grads = self.velocity
        lr = self.lr
        for p, g in zip(self.params, grads, strict=True):
            p.data -= lr * g


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
        self.t += 1
        c1, c2 = 1 - b1**self.t, 1 - b2**self.t
        for i, (p, g) in enumerate(zip(self.params, grads, strict=True)):
            self.m[i] = m = b1 * self.m[i] + (1 - b1) * g
            self.v[i] = v = b2 * self.v[i] + (1 - b2) * g * g
            p.data -= self.lr * (m / c1) / (math.sqrt(v / c2) + self.eps)
