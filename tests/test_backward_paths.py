"""One backward on every path: a zero upstream gradient passes 0, and no gradient is NaN.

The paths: ``backward()``, ``grad()``, ``backward(create_graph=True)``, ``check_nodes``,
the stepper (the backward timeline) and the tape's replay. On a dead branch (the
gradient reaching a node is 0) each gives 0 to its parents, even where the node's
local derivative does not exist (sqrt at 0); and none leaves NaN or inf in a gradient.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from autograd import OPS, Value, check_nodes, define_op, grad, hessian, topo_order
from autograd.replay.tape import trace

# (function, inputs, d/dinput by hand): each has a node whose upstream gradient is 0
# and whose local derivative is infinite there
DEAD_BRANCHES = [
    # sqrt(x)·0: the product's rule sends 0 to sqrt, whose slope at 0 is infinite
    (lambda x: x.sqrt() * 0.0, [0.0], [0.0]),
    # relu(x)·sqrt(y) at x < 0, y = 0: d/dx = relu'(x)·sqrt(y) = 0, d/dy = relu(x)·∞ → 0
    (lambda x, y: x.relu() * y.sqrt(), [-1.0, 0.0], [0.0, 0.0]),
    # asin(x)·(x - 1) at 1: asin' is infinite, its upstream x - 1 is 0; d/dx = asin(1) = π/2
    (lambda x: x.asin() * (x - 1.0), [1.0], [math.pi / 2]),
    # a dead branch through two ops: (sqrt(x) + 1)·0 + 3x at x = 0: d/dx = 3
    (lambda x: (x.sqrt() + 1.0) * 0.0 + 3.0 * x, [0.0], [3.0]),
]


def _graph(f, inputs):
    xs = [Value(v) for v in inputs]
    return xs, f(*xs)


@pytest.mark.parametrize("f, inputs, want", DEAD_BRANCHES)
def test_every_path_gives_the_same_finite_gradient_on_a_dead_branch(f, inputs, want):
    xs, y = _graph(f, inputs)
    y.backward()
    assert [x.grad for x in xs] == want

    xs, y = _graph(f, inputs)
    assert grad(y, xs) == want

    xs, y = _graph(f, inputs)
    y.backward(create_graph=True)
    assert [float(getattr(x.grad, "data", x.grad)) for x in xs] == want

    xs, y = _graph(f, inputs)
    report = check_nodes(y)  # the gradients it checks are backward's, at every node
    assert [r.gradient for r in report.rows if r.node in xs] == want[::-1]

    tape = trace(f, *inputs)
    tape.forward(*[[v] for v in inputs])
    assert [float(g[0]) for g in tape.backward()] == want


def test_micrograds_manual_backward_follows_the_same_rule():
    x = Value(0.0)
    s = x.sqrt()
    y = s * 0.0
    y.grad = 1.0
    for node in reversed(topo_order(y)):
        node._backward()  # sqrt's turn: its grad is 0, and its slope at 0 is not needed
    assert (s.grad, x.grad) == (0.0, 0.0)


@pytest.mark.parametrize("f, inputs, want", DEAD_BRANCHES)
def test_the_stepper_finishes_with_exactly_backwards_gradients(f, inputs, want):
    xs, y = _graph(f, inputs)
    steps = y.backward_steps()
    steps.finish()
    y.backward()
    for node in topo_order(y):
        assert steps.grad(node) == node.grad
    assert [steps.grad(x) for x in xs] == want


def test_the_replay_equals_the_scalar_path_row_by_row_with_dead_and_live_rows():
    f = lambda x, y: x.relu() * y.sqrt()  # noqa: E731
    rows = [(-1.0, 0.0), (2.0, 4.0), (-3.0, 0.0), (0.5, 0.25)]
    tape = trace(f, *rows[1])
    out = tape.forward(*np.array(rows).T)
    gx, gy = tape.backward()
    for r, (x, y) in enumerate(rows):
        a, b = Value(x), Value(y)
        z = f(a, b)
        z.backward()
        assert (out[r], gx[r], gy[r]) == (z.data, a.grad, b.grad)
    # by hand at (2, 4): d/dx = sqrt(4) = 2, d/dy = 2·1/(2·2) = 0.5
    assert (gx[1], gy[1]) == (2.0, 0.5)


def test_where_the_replay_refuses_the_scalar_path_raises_too():
    tape = trace(lambda x: x.sqrt(), 1.0)
    tape.forward([4.0, 0.0])  # sqrt' at 0 is infinite and its upstream is 1
    with pytest.raises(ArithmeticError, match=r"sqrt\(0.0\) at node 1, batch row 1.*raises"):
        tape.backward()
    with pytest.raises(ZeroDivisionError, match=r"sqrt\(0.0\)"):
        Value(0.0).sqrt().backward()


def test_second_derivatives_keep_a_branch_whose_gradient_is_zero_only_here():
    # f = (x - 1)·x² at x = 1: the gradient reaching x² is x - 1 = 0 here, not nearby.
    # By hand f'' = 6x - 2 = 4; dropping that branch would give 2.
    assert hessian(lambda x: (x - 1.0) * x**2, [1.0]) == [[4.0]]
    # and a branch that is 0 everywhere, through sqrt at 0, gives 0
    assert hessian(lambda x: x.sqrt() * 0.0 + x * x, [0.0]) == [[2.0]]


# -- no NaN or inf in a gradient -----------------------------------------------------


def _overflowing():
    x = Value(1e-10, label="x")
    # every forward number is finite (1e290, 1e300, 0); backward gives x inf - inf
    return x, x * 1e300 * 1e10 - x * 1e300 * 1e10


@pytest.mark.parametrize(
    "path",
    [
        lambda z, x: z.backward(),
        lambda z, x: grad(z, x),
        lambda z, x: z.backward_steps().finish(),
        lambda z, x: check_nodes(z),
    ],
    ids=["backward", "grad", "steps", "check_nodes"],
)
def test_a_leaf_whose_gradient_is_nan_raises_naming_it_and_the_op(path):
    x, z = _overflowing()
    with pytest.raises(ValueError, match=r"gradient of node 'x' \(leaf, data=1e-10\) is nan.*mul"):
        path(z, x)


def test_the_replay_refuses_the_overflow_that_backward_refuses():
    tape = trace(lambda x: x * 1e300 * 1e10 - x * 1e300 * 1e10, 1e-10)
    tape.forward([1e-10])
    with pytest.raises(FloatingPointError, match=r"mul at depth \d: a gradient it passes back"):
        tape.backward()


def test_an_inner_node_whose_gradient_is_inf_raises_naming_it():
    x = Value(1.0)
    y = x * 1e-300
    z = (y * 1e200) * 1e200  # 1e100; the gradient reaching y is 1e200·1e200 = inf
    with pytest.raises(OverflowError, match=r"gradient of node \(mul, data=1e-300\) is inf"):
        z.backward()
    with pytest.raises(OverflowError, match=r"1e\+200·1e\+200 = inf.*rescale"):
        grad(z, x)


def test_the_replay_refuses_a_seed_that_is_not_finite():
    tape = trace(lambda x: x * 2.0, 1.0)
    tape.forward([1.0, 2.0])
    for bad in (math.nan, math.inf):
        with pytest.raises(ValueError, match=rf"seed holds {bad} at row 1"):
            tape.backward([1.0, bad])
    assert list(tape.backward([1.0, 3.0])[0]) == [2.0, 6.0]


def test_the_replay_refuses_an_infinite_gradient_from_a_rule():
    define_op("test_inf_slope", lambda a: a, lambda out, a: (math.inf,), "∞")
    try:
        x = Value(2.0, label="x")
        with pytest.raises(OverflowError, match=r"node 'x' \(leaf, data=2.0\) is inf.*infinite"):
            Value.apply("test_inf_slope", x).backward()
        tape = trace(lambda x: Value.apply("test_inf_slope", x), 2.0)
        tape.forward([2.0])
        with pytest.raises(OverflowError, match=r"gradient of input 0, batch row 0 is inf"):
            tape.backward()
    finally:
        del OPS["test_inf_slope"]
