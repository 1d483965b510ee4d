"""Second derivatives: the Hessian of a function of a few Values."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from autograd.backward import grad
from autograd.value import Value

__all__ = ["hessian"]


def hessian(f: Callable[..., Value], inputs: Sequence[float]) -> list[list[float]]:
    """The matrix of ∂²f/∂xᵢ∂xⱼ at ``inputs``, by differentiating the gradient again.

    ``f(*values)`` takes one Value per input. Ops whose derivative is piecewise
    constant (relu, abs, leaky_relu) contribute zero second derivative.
    """
    xs = [Value(x, label=f"x[{i}]") for i, x in enumerate(inputs)]
    if not xs:
        raise ValueError("hessian: inputs is empty; give at least one number")
    out = f(*xs)
    if not isinstance(out, Value):
        raise TypeError(f"hessian: f must return a Value, got {type(out).__name__}")
    first = grad(out, xs, create_graph=True)
    return [[float(d) for d in grad(g, xs)] for g in first]
