"""Powers at base 0: the limits, the same on every path, and PyTorch's values.

By hand: a**0 is 1 for every a, so d/da is 0 (at a = 0 too); 0**b is 0 for every
b > 0, so d/db is 0; d/da a**b at a = 0 is b·0^(b-1): 1 for b = 1, 0 for b > 1.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from autograd import Value, check_nodes, grad, hessian
from autograd.replay.tape import trace

# (function, inputs, gradient by hand)
CASES = [
    (lambda x: x**0, [0.0], [0.0]),
    (lambda x: x**0 * 3.0 + x, [0.0], [1.0]),
    (lambda a, b: a**b, [0.0, 0.0], [0.0, 0.0]),
    (lambda a, b: a**b, [0.0, 1.0], [1.0, 0.0]),
    (lambda a, b: a**b, [0.0, 2.0], [0.0, 0.0]),
    (lambda y: 0.0**y, [0.1], [0.0]),
    (lambda y: 0.0**y, [0.5], [0.0]),
    (lambda y: 0.0**y, [0.9], [0.0]),
    (lambda y: 0**y * 2.0 + y, [0.3], [1.0]),
]


def _every_path(f, inputs: list[float]) -> dict[str, list[float]]:
    """The gradient of f at inputs by backward, grad, create_graph, the stepper,
    check_nodes' gradients and the tape's replay."""
    found = {}

    def fresh():
        xs = [Value(v) for v in inputs]
        return xs, f(*xs)

    xs, y = fresh()
    y.backward()
    found["backward"] = [x.grad for x in xs]
    xs, y = fresh()
    found["grad"] = grad(y, xs)
    xs, y = fresh()
    y.backward(create_graph=True)
    found["create_graph"] = [float(getattr(x.grad, "data", x.grad)) for x in xs]
    xs, y = fresh()
    steps = y.backward_steps()
    steps.finish()
    found["steps"] = [steps.grad(x) for x in xs]
    xs, y = fresh()
    rows = {r.node: r.gradient for r in check_nodes(y).rows}
    found["check_nodes"] = [rows[x] for x in xs]
    tape = trace(f, *inputs)
    tape.forward(*[[v] for v in inputs])
    found["replay"] = [float(g[0]) for g in tape.backward()]
    return found


@pytest.mark.parametrize("f, inputs, want", CASES)
def test_every_path_gives_the_limit(f, inputs, want):
    for path, got in _every_path(f, inputs).items():
        assert got == want, path


def test_a_constant_base_is_no_leaf_of_the_graph():
    y = Value(0.5)
    z = 0.0**y
    assert z.op == "rpow" and z.parents == (y,) and z.params == {"base": 0.0}
    # 2**y: d/dy = 2^y·ln 2, and the same recorded op for an int base
    w = 2**y
    w.backward()
    assert (w.data, y.grad, w._op) == (2**0.5, 2**0.5 * math.log(2), "2.0**")


def test_a_negative_base_raises_naming_it():
    y = Value(2.0)
    z = (-2.0) ** y
    assert z.data == 4.0
    with pytest.raises(ValueError, match=r"-2.0\*\*a toward a needs a base >= 0"):
        z.backward()
    with pytest.raises(ZeroDivisionError, match=r"0 to the negative power -1.0"):
        0.0 ** Value(-1.0)


def test_second_derivatives_at_base_zero():
    # x**1·3 is 3x: f'' = 0; x**0 is 1: f'' = 0; x**2: f'' = 2; 0**y is 0 for y > 0: f'' = 0
    assert hessian(lambda x: x**1 * 3, [0.0]) == [[0.0]]
    assert hessian(lambda x: x**0, [0.0]) == [[0.0]]
    assert hessian(lambda x: x**2, [0.0]) == [[2.0]]
    assert hessian(lambda y: 0.0**y, [0.3]) == [[0.0]]
    # a**b at (0, 2) is a²: [[2, 0], [0, 0]]; at (2, 0) by hand:
    # f_ab = a^(b-1)(1 + b ln a) = 1/2, f_bb = a^b ln² a = ln² 2, f_aa = b(b-1)a^(b-2) = 0
    assert hessian(lambda a, b: a**b, [0.0, 2.0]) == [[2.0, 0.0], [0.0, 0.0]]
    got = hessian(lambda a, b: a**b, [2.0, 0.0])
    want = [[0.0, 0.5], [0.5, math.log(2) ** 2]]
    assert np.allclose(got, want, rtol=1e-15, atol=0)


def test_the_values_are_pytorchs():
    torch = pytest.importorskip("torch", reason="torch (an optional extra) is the reference")

    def torch_grad(f, inputs):
        ts = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in inputs]
        return [float(g) for g in torch.autograd.grad(f(*ts), ts)]

    for f, inputs, want in CASES:
        assert torch_grad(f, inputs) == want
    for f, x in [(lambda x: x**1 * 3, 0.0), (lambda x: x**0, 0.0), (lambda x: x**2, 0.0)]:
        t = torch.tensor(x, dtype=torch.float64)
        expected = float(torch.autograd.functional.hessian(f, t))
        assert hessian(f, [x]) == [[expected]]
