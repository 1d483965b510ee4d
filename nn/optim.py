"""Optimizers: SGD (momentum, Nesterov, dampening, weight decay), RMSprop and Adam,
as PyTorch defines them, updating Values in place.

Updates change ``.data`` directly, so they record no graph.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING

from autograd import Value
from autograd.storage import all_finite, numbers, set_numbers

if TYPE_CHECKING:
    import numpy as np

__all__ = ["SGD", "Adam", "Optimizer", "RMSprop"]


class Optimizer:
    """Holds the parameters; ``step()`` moves them, ``zero_grad()`` clears their grads.

    A subclass writes its rule once, in ``_update``, on arrays of all the
    parameters: ``step()`` reads the Values into arrays and writes them back,
    and a replay that holds the parameters as arrays (``Tape.training``) calls
    ``update`` on its own arrays with the same numbers.
    """

    def __init__(self, params: Iterable[Value], lr: float) -> None:
        self.params = list(params)
        if not self.params:
            raise ValueError(f"{type(self).__name__}: no parameters to optimize")
        if not all(isinstance(p, Value) for p in self.params):
            raise TypeError(f"{type(self).__name__}: parameters must be Values")
        _positive("lr", lr)
        self.lr = lr

    def zero_grad(self) -> None:
        set_numbers(self.params, "grad", 0.0)

    def step(self) -> None:
        """Move every parameter by one step of the rule (or none, and raise, if one
        would leave the finite numbers). Without numpy (Pyodide's core) only SGD steps."""
        try:
            import numpy  # noqa: F401
        except ImportError:
            self._step_without_numpy()
            return
        grads = numbers(self.params, "grad", slow=self._grads)  # update() names a NaN
        set_numbers(self.params, "data", self.update(numbers(self.params, "data"), grads))

    def update(self, data: np.ndarray, grads: np.ndarray) -> np.ndarray:
        """The parameters after one step from ``data`` with gradients ``grads`` (arrays
        in the order of ``params``), the optimizer's state moved along. Raises, with the
        state unchanged, where a gradient, an average or a new weight is not finite."""
        import numpy as np

        if not all_finite(grads):
            i = int(np.flatnonzero(~np.isfinite(grads))[0])
            raise self._bad_gradient(i, float(grads[i]))
        with np.errstate(all="ignore"):  # a step that overflows is refused below, by name
            moves, state = self._update(data, grads)
            for name, what in self._checked.items():
                self._check_finite(state[name], what, data, grads)
            new = data - moves
        self._check_finite(new, "would become {}", data, grads)
        vars(self).update(state)
        return new

    _checked: dict[str, str] = {}  # state arrays that must stay finite, and what to say

    def _update(self, data: np.ndarray, grads: np.ndarray) -> tuple[np.ndarray, dict]:
        """The amount to subtract from each parameter, and the new state (attributes)."""
        raise NotImplementedError

    def _step_without_numpy(self) -> None:
        raise ModuleNotFoundError(
            f"{type(self).__name__}.step needs numpy: pip install numpy (SGD steps without it)"
        )

    def _grads(self) -> list[float]:
        grads = [p.grad for p in self.params]
        if _all_finite(grads):
            return grads
        for i, g in enumerate(grads):
            if not isinstance(g, float) or not math.isfinite(g):
                raise self._bad_gradient(i, g)
        return grads

    def _bad_gradient(self, i: int, grad: object) -> ValueError:
        return ValueError(
            f"{type(self).__name__}.step: parameter {i} has gradient {grad!r}; "
            "run backward() (without create_graph) on a finite loss first"
        )

    def _check_finite(
        self, numbers: np.ndarray, what: str, data: np.ndarray, grads: np.ndarray
    ) -> None:
        """Raise ``_diverged`` for the first of ``numbers`` (one per parameter) that is
        not finite, ``what`` saying what it is (``{}`` stands for the number)."""
        import numpy as np

        if not all_finite(numbers):
            i = int(np.flatnonzero(~np.isfinite(numbers))[0])
            raise self._diverged(i, what.format(float(numbers[i])), data[i], grads[i])

    def _diverged(self, i: int, what: str, data: float, grad: float) -> OverflowError:
        p = self.params[i]
        name = f" ({p.label})" if p.label else ""
        return OverflowError(
            f"{type(self).__name__}.step: parameter {i}{name} {what} (data {float(data)!r}, "
            f"grad {float(grad)!r}); the step changed nothing. Lower the learning rate or clip "
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
        self.velocity: np.ndarray | list[float] | None = None

    def reset(self) -> None:
        """Forget the momentum built up so far."""
        self.velocity = None

    def _step_without_numpy(self) -> None:
        """The same rule on floats, one parameter at a time (the same float operations as
        ``_update``, so the same numbers)."""
        grads = self._grads()
        data = [p.data for p in self.params]
        wd = self.weight_decay
        d = [g + wd * x for g, x in zip(grads, data, strict=True)] if wd else grads
        mu, velocity = self.momentum, self.velocity
        if mu:
            if velocity is None:
                velocity = list(d)
            else:
                keep = 1 - self.dampening
                velocity = [mu * v + keep * g for v, g in zip(velocity, d, strict=True)]
            ahead = self.nesterov
            d = [g + mu * v for g, v in zip(d, velocity, strict=True)] if ahead else velocity
        new = [x - self.lr * g for x, g in zip(data, d, strict=True)]
        for i, x in enumerate(new):
            if not math.isfinite(x):
                raise self._diverged(i, f"would become {x}", data[i], grads[i])
        self.velocity = velocity
        for p, x in zip(self.params, new, strict=True):
            p.data = x

    def _update(self, data: np.ndarray, grads: np.ndarray) -> tuple[np.ndarray, dict]:
        grads = _decayed(grads, data, self.weight_decay)
        mu, velocity = self.momentum, self.velocity
        if mu:
            if velocity is None:
                velocity = grads.copy()  # the caller's array may be reused
            else:
                velocity = mu * velocity + (1 - self.dampening) * grads
            grads = grads + mu * velocity if self.nesterov else velocity
        return self.lr * grads, {"velocity": velocity}


def _decayed(grads: np.ndarray, data: np.ndarray, weight_decay: float) -> np.ndarray:
    """``g + weight_decay · p``: PyTorch's weight decay, an L2 penalty's gradient."""
    if not weight_decay:
        return grads
    return grads + weight_decay * data


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
        self.square_avg, self.grad_avg, self.buffer = _zeros(n), _zeros(n), _zeros(n)

    def _update(self, data: np.ndarray, grads: np.ndarray) -> tuple[np.ndarray, dict]:
        import numpy as np

        g = _decayed(grads, data, self.weight_decay)
        a, mu = self.alpha, self.momentum
        state = {"square_avg": a * self.square_avg + (1 - a) * g * g}
        v = state["square_avg"]
        if self.centered:
            state["grad_avg"] = m = a * self.grad_avg + (1 - a) * g
            v = np.maximum(v - m * m, 0.0)  # >= 0 in exact arithmetic; rounding must not fail √
        step = g / (np.sqrt(v) + self.eps)
        if mu:
            state["buffer"] = step = mu * self.buffer + step
        return self.lr * step, state

    _checked = {"square_avg": _SQUARED}


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
        self.m, self.v = _zeros(len(self.params)), _zeros(len(self.params))

    def _update(self, data: np.ndarray, grads: np.ndarray) -> tuple[np.ndarray, dict]:
        import numpy as np

        b1, b2 = self.betas
        t = self.t + 1
        c1, c2 = 1 - b1**t, 1 - b2**t
        m = b1 * self.m + (1 - b1) * grads
        v = b2 * self.v + (1 - b2) * grads * grads
        return self.lr * (m / c1) / (np.sqrt(v / c2) + self.eps), {"t": t, "m": m, "v": v}

    _checked = {"v": _SQUARED}


def _zeros(n: int) -> np.ndarray:
    try:
        import numpy as np
    except ImportError:
        raise ModuleNotFoundError(
            "Adam and RMSprop keep their state in numpy arrays: pip install numpy "
            "(SGD steps without it)"
        ) from None

    return np.zeros(n)
