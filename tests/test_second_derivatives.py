"""Second derivatives through create_graph, against numeric second differences."""

import math

import pytest

from autograd import OPS, Value, grad, hessian
from tests.helpers import close, op_cases

BUILTINS = sorted(name for name, op in OPS.items() if op.builtin)
PIECEWISE_LINEAR = {"relu", "abs", "leaky_relu"}


def numeric_hessian(f, xs, h=1e-4):
    """∂²f/∂xᵢ∂xⱼ by central second differences, in float64."""
    n = len(xs)

    def at(i, di, j, dj):
        moved = list(xs)
        moved[i] += di
        moved[j] += dj
        return f(*moved)

    return [
        [
            (at(i, h, j, h) - at(i, h, j, -h) - at(i, -h, j, h) + at(i, -h, j, -h)) / (4 * h * h)
            for j in range(n)
        ]
        for i in range(n)
    ]


@pytest.mark.parametrize("name", BUILTINS)
def test_second_derivatives_of_every_op(name):
    for params, xs in op_cases(name):
        run = OPS[name].bind(**params).run
        got = hessian(lambda *vs, p=params: Value.apply(name, *vs, **p), xs)
        want = numeric_hessian(run, list(xs))
        for i, row in enumerate(want):
            for j, w in enumerate(row):
                assert close(got[i][j], w, rel=1e-4, abs_=1e-5), (name, params, xs, i, j)


@pytest.mark.parametrize("name", sorted(PIECEWISE_LINEAR))
def test_piecewise_linear_ops_have_zero_second_derivative(name):
    x = Value(-0.8)
    params = {"slope": 0.1} if name == "leaky_relu" else {}
    dy = grad(Value.apply(name, x, **params), x, create_graph=True)
    assert grad(dy, x) == 0.0


def test_hessian_of_a_two_input_function():
    # by hand, f = x²y + exp(xy): f_xx = 2y + y²e^{xy}, f_xy = 2x + (1 + xy)e^{xy}, f_yy = x²e^{xy}
    x, y = 0.5, -1.5
    e = math.exp(x * y)
    got = hessian(lambda a, b: a * a * b + (a * b).exp(), [x, y])
    want = [[2 * y + y * y * e, 2 * x + (1 + x * y) * e], [2 * x + (1 + x * y) * e, x * x * e]]
    for g_row, w_row in zip(got, want, strict=True):
        for g, w in zip(g_row, w_row, strict=True):
            assert abs(g - w) < 1e-12


def test_hessian_refuses_bad_arguments():
    with pytest.raises(ValueError, match="empty"):
        hessian(lambda: Value(1.0), [])
    with pytest.raises(TypeError, match="must return a Value"):
        hessian(lambda a: 3.0, [1.0])
