"""micrograd's constructor, ``Value(data, _children=(), _op='')``, and a learner's subclass.

Each figure is checked against micrograd 0.1.0 itself, running the same code, or by hand.
"""

import math

import pytest
from micrograd.engine import Value as MicrogradValue

from autograd import Value, grad


class LecturesValue(Value):
    """Ops written the lecture's way: a node from the constructor, a ``_backward`` closure."""

    def __mul__(self, other):
        other = other if isinstance(other, Value) else LecturesValue(other)
        out = LecturesValue(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def __pow__(self, k):
        out = LecturesValue(self.data**k, (self,), f"**{k}")

        def _backward():
            self.grad += k * self.data ** (k - 1) * out.grad

        out._backward = _backward
        return out

    def relu(self):
        out = LecturesValue(max(self.data, 0.0), (self,), "ReLU")

        def _backward():
            self.grad += (out.data > 0) * out.grad

        out._backward = _backward
        return out

    def exp(self):
        out = LecturesValue(math.exp(self.data), (self,), "exp")

        def _backward():
            self.grad += out.data * out.grad

        out._backward = _backward
        return out

    def tanh(self):
        t = (math.exp(2 * self.data) - 1) / (math.exp(2 * self.data) + 1)
        out = LecturesValue(t, (self,), "tanh")

        def _backward():
            self.grad += (1 - t**2) * out.grad

        out._backward = _backward
        return out


def overwriting_add(cls):
    """``__add__`` with the lecture's slip: ``=`` where ``+=`` belongs."""

    def __add__(self, other):
        out = cls(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad = 1.0 * out.grad
            other.grad = 1.0 * out.grad

        out._backward = _backward
        return out

    cls.__add__ = __add__
    return cls


@overwriting_add
class OverwritingValue(Value):
    """Our Value with the slip."""


@overwriting_add
class OverwritingMicrograd(MicrogradValue):
    """micrograd's Value with the same slip."""


def test_the_constructor_takes_children_and_an_op_as_micrograd_does():
    a, b = Value(2.0), Value(-3.0)
    c = Value(-6.0, (a, b), "*")
    assert c.data == -6.0
    assert c._prev == {a, b}
    assert c.parents == (a, b)
    assert c._op == "*"
    assert not c.is_leaf


def test_children_are_kept_once_as_micrograds_prev_set_keeps_them():
    a = Value(3.0)
    assert Value(6.0, (a, a), "+").parents == (a,)


def test_the_label_stays_the_second_way_in():
    assert Value(2.0, "x").label == "x"
    assert Value(2.0, label="y").label == "y"
    assert Value(2.0, (), "", "z").label == "z"
    a = Value(1.0)
    node = Value(2.0, (a,), "exp", label="e")
    assert (node.label, node._op, node.parents) == ("e", "exp", (a,))
    with pytest.raises(TypeError, match="two labels"):
        Value(2.0, "x", label="y")


@pytest.mark.parametrize(
    "children, message",
    [(5, "_children is the tuple of Values"), ((1.0,), "a child is float")],
)
def test_children_that_are_not_values_are_refused_by_name(children, message):
    with pytest.raises(TypeError, match=message):
        Value(2.0, children, "+")


def test_an_op_that_is_not_a_string_is_refused():
    with pytest.raises(TypeError, match="_op is a str"):
        Value(2.0, (Value(1.0),), 3)


def _neuron(cls):
    """A neuron and a square, in the ops micrograd 0.1.0 has: built from ``cls``."""
    x1, x2 = cls(2.0), cls(0.5)
    w1, w2 = cls(-3.0), cls(1.0)
    b = cls(6.75)
    n = x1 * w1 + x2 * w2 + b
    o = n.relu() * x1**2 + (w2 * x2) ** 3
    o.backward()
    return [v.grad for v in (x1, x2, w1, w2, b)], o.data


def test_a_learners_subclass_backpropagates_as_micrograd_does():
    ours, ours_out = _neuron(LecturesValue)
    theirs, theirs_out = _neuron(MicrogradValue)
    assert ours_out == pytest.approx(theirs_out, rel=1e-12)
    assert ours == pytest.approx(theirs, rel=1e-12)
    # and by hand: o = n·x1² + (w2·x2)³ with n = x1·w1 + x2·w2 + b = 1.25 > 0
    assert ours[2] == pytest.approx(2.0 * 2.0**2, rel=1e-12)  # do/dw1 = x1·x1²
    assert ours[0] == pytest.approx(-3.0 * 4.0 + 1.25 * 2 * 2.0, rel=1e-12)  # w1·x1² + n·2x1


def test_the_lectures_tanh_and_exp_closures_give_the_chain_rule():
    x, w = LecturesValue(0.75), LecturesValue(-0.5)
    o = (x * w).tanh() * x.exp()
    o.backward()
    t, e = math.tanh(-0.375), math.exp(0.75)
    assert x.grad == pytest.approx((1 - t**2) * -0.5 * e + t * e, rel=1e-12)
    assert w.grad == pytest.approx((1 - t**2) * 0.75 * e, rel=1e-12)


def test_learners_nodes_and_table_nodes_mix_in_one_graph():
    a, b = LecturesValue(0.5), Value(-1.25)
    y = (a * b).exp() + a.tanh() * b  # learner's *, exp and tanh; the table's + and *
    y.backward()
    e = math.exp(0.5 * -1.25)
    assert a.grad == pytest.approx(e * -1.25 + (1 - math.tanh(0.5) ** 2) * -1.25, rel=1e-12)
    assert b.grad == pytest.approx(e * 0.5 + math.tanh(0.5), rel=1e-12)


@pytest.mark.parametrize("storage_runs", [1, 2])
def test_a_second_backward_adds_into_the_leaves_only(storage_runs):
    a, b = LecturesValue(2.0), LecturesValue(3.0)
    c = a * b
    for _ in range(storage_runs):
        c.backward()
    assert (a.grad, b.grad) == (3.0 * storage_runs, 2.0 * storage_runs)


def test_an_overwriting_closure_gives_micrograds_wrong_answer_too():
    # b = a + a: the lecture shows the grad comes out 1, not 2, with '='
    a = OverwritingValue(3.0)
    b = a + a
    b.backward()
    reference = OverwritingMicrograd(3.0)
    mb = reference + reference
    mb.backward()
    assert a.grad == reference.grad == 1.0


def test_a_node_without_a_closure_passes_nothing_back_as_micrograds_default():
    a, reference = Value(2.0), MicrogradValue(2.0)
    Value(4.0, (a,), "+").backward()
    MicrogradValue(4.0, (reference,), "+").backward()
    assert a.grad == reference.grad == 0.0


def test_the_lectures_manual_steps_call_each_closure():
    x, w = LecturesValue(2.0), LecturesValue(-0.5)
    n = x * w
    o = n.tanh()
    o.grad = 1.0
    o._backward()
    n._backward()
    assert n.grad == pytest.approx(1 - math.tanh(-1.0) ** 2, rel=1e-12)
    assert w.grad == pytest.approx(n.grad * 2.0, rel=1e-12)


def test_tools_that_read_the_table_name_the_learners_node():
    a = LecturesValue(0.3)
    y = Value(2.0) + a.exp()  # the table's +, the learner's exp
    with pytest.raises(TypeError, match=r"of exp\(0.3\): this node was made by Value\(data, _"):
        grad(y, a)
    with pytest.raises(TypeError, match="_backward closure"):
        a.exp().local_grads()
