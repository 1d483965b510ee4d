"""Shared test helpers: central differences computed independently of the engine."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence

from autograd import OPS, Value

POINTS = (-1.7, -0.6, 0.35, 0.9, 2.2)
"""Sample inputs, all away from the kinks of relu, abs and leaky_relu at 0."""

PARAMS = {"pow": ({"k": 2}, {"k": 3}, {"k": -1.5}, {"k": 0.5}), "leaky_relu": ({"slope": 0.2},)}
"""Constant parameters to try for the ops that take them."""


def numeric_partials(f: Callable[..., float], xs: Sequence[float], h: float = 1e-6) -> list[float]:
    """∂f/∂x_i by central differences, in float64."""
    partials = []
    for i in range(len(xs)):
        up, down = list(xs), list(xs)
        up[i] += h
        down[i] -= h
        partials.append((f(*up) - f(*down)) / (2 * h))
    return partials


def close(a: float, b: float, rel: float = 1e-5, abs_: float = 1e-6) -> bool:
    return abs(a - b) <= abs_ + rel * max(abs(a), abs(b))


def _sample_inputs(arity: int | None) -> list[tuple[float, ...]]:
    """Input tuples for an op: all pairs for binary ops, four points for n-ary ones."""
    if arity is None:
        return [POINTS[:4], POINTS[1:5], (0.5, -1.2)]
    return list(itertools.product(POINTS, repeat=arity))


def op_cases(name: str) -> Iterator[tuple[dict, tuple[float, ...]]]:
    """(params, inputs) pairs inside the op's domain, for testing every op alike."""
    op = OPS[name]
    for params in PARAMS.get(name, ({},)):
        bound = op.bind(**params)
        for xs in _sample_inputs(op.arity):
            try:
                bound.run(*xs)
                bound.grads(bound.run(*xs), *xs)
            except (ArithmeticError, ValueError):
                continue  # outside the op's domain; the domain tests cover these
            yield params, xs


def small_graph() -> tuple[Value, Value, Value]:
    """a, b and d = tanh(a·b + a), labelled a, b, c (= a·b) and d: a reused leaf, three ops."""
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b
    c.label = "c"
    d = (c + a).tanh()
    d.label = "d"
    return a, b, d
