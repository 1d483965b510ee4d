"""``lift`` on graphs built with micrograd's own classes (micrograd 0.1.0) and with a
learner's own micrograd-style class: the same blocks, checked against their grads, and
code that prints their numbers."""

from __future__ import annotations

import random
import time

import pytest
from micrograd.engine import Value as MicrogradValue
from micrograd.nn import MLP as MicrogradMLP

from autograd import Value, lift
from autograd.check.compare import rebuild
from nn import make_moons
from tests.test_lift import run
from tests.test_micrograd_constructor import LecturesValue


def assert_theirs(out: dict, root, leaves) -> None:
    """The script's loss and grads are their graph's own, to 1e-10 relative."""
    assert out["loss"] == pytest.approx(root.data, rel=1e-10)
    assert out["grads"] == pytest.approx([leaf.grad for leaf in leaves], rel=1e-10, abs=1e-14)


@pytest.fixture(scope="module")
def micrograd_demo():
    """micrograd's demo.ipynb loss, with micrograd's own Value and nn, after its backward."""
    random.seed(1337)
    X, y = make_moons(100, noise=0.1, rng=1)
    model = MicrogradMLP(2, [16, 16, 1])
    inputs = [[MicrogradValue(float(v)) for v in row] for row in X]
    scores = list(map(model, inputs))
    losses = [(1 + -(2.0 * t - 1) * s).relu() for t, s in zip(y, scores, strict=True)]
    data_loss = sum(losses) * (1.0 / len(losses))
    loss = data_loss + 1e-4 * sum(p * p for p in model.parameters())
    loss.backward()
    start = time.perf_counter()
    lifted = lift(loss)
    return model, loss, lifted, time.perf_counter() - start


def test_micrographs_demo_lifts_to_its_three_layers(micrograd_demo):
    model, loss, lifted, seconds = micrograd_demo
    assert seconds < 5
    layers = [b for b in lifted.blocks if b.kind == "matmul"]
    assert [b.shape for b in layers] == [(100, 16), (100, 16), (100, 1)]
    assert [b.forward for b in layers] == [
        "Z1 = X·W1ᵀ + b1",
        "Z2 = A1·W2ᵀ + b2",
        "Z3 = A2·W3ᵀ + b3",
    ]
    weights = {id(p) for n in model.layers[0].neurons for p in n.w}
    first = lifted.program.leaf_arrays[1]
    assert first.name == "W1" and {id(lifted.theirs[n]) for n in first.nodes} == weights


def test_micrographs_demo_checks_against_micrographs_own_grads(micrograd_demo):
    _, loss, lifted, _ = micrograd_demo
    assert lifted.check()
    leaf = lifted.leaves[5]
    saved = leaf.grad
    leaf.grad = saved + 1.0  # their grad, wrong: check names it
    try:
        report = lifted.check()
    finally:
        leaf.grad = saved
    assert not report and "FAILED" in str(report)


def test_micrographs_demo_code_prints_micrographs_numbers(micrograd_demo):
    _, loss, lifted, _ = micrograd_demo
    assert_theirs(run(lifted.numpy_code()), loss, lifted.leaves)
    pytest.importorskip("torch", reason="torch is optional: pip install torch==2.13.0")
    assert_theirs(run(lifted.torch_code()), loss, lifted.leaves)


class Plain:
    """A learner's own Value, not chainrule's: data, grad, _prev (a set), _op, closures."""

    def __init__(self, data, _children=(), _op=""):
        self.data, self.grad, self._prev, self._op = data, 0.0, set(_children), _op
        self._backward = lambda: None

    def __sub__(self, other):
        out = Plain(self.data - other.data, (self, other), "-")

        def _backward():
            self.grad += out.grad
            other.grad -= out.grad

        out._backward = _backward
        return out

    def __mul__(self, other):
        out = Plain(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def backward(self):
        order, _ = rebuild(self)  # their nodes, each after its parents
        self.grad = 1.0
        for v in reversed(order):
            v._backward()


def test_a_learners_own_class_lifts_in_its_order():
    a, b, c = Plain(2.0), Plain(-3.0), Plain(0.5)
    out = (a - b) * (b - c)  # subtraction: the closure's order, not the set's
    out.backward()
    lifted = lift(out)
    assert [(blk.op, blk.shape) for blk in lifted.blocks] == [("sub", (2,)), ("mul", ())]
    assert lifted.check()
    assert_theirs(run(lifted.numpy_code()), out, lifted.leaves)


def test_a_learners_chainrule_subclass_with_closures_lifts():
    w, x = LecturesValue(0.7), LecturesValue(-1.3)
    out = (w * x).tanh() * Value(2.0)  # the learner's * and tanh, the table's *
    out.backward()
    lifted = lift(out)
    assert [blk.op for blk in lifted.blocks] == ["mul", "tanh", "mul"]
    assert lifted.check()
    assert_theirs(run(lifted.numpy_code()), out, lifted.leaves)


def test_a_graph_that_cannot_be_rebuilt_is_named():
    out = Plain(2.0) * Plain(3.0)
    out.data = 7.0  # no op of the table gives it
    with pytest.raises(ValueError, match="lift: their graph cannot be rebuilt"):
        lift(out)
