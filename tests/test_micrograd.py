"""micrograd's names and its lecture's code, run on chainrule; its demo, run on both engines."""

import gc
import math
import random

import pytest

from autograd import Value, define_op
from nn import MLP, Layer, Neuron, make_moons
from tests.helpers import numeric_partials


def lecture_neuron():
    """The lecture's neuron: x1 = 2, x2 = 0, w1 = -3, w2 = 1, b = 6.88..., o = tanh(n)."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    x1w1 = x1 * w1
    x2w2 = x2 * w2
    x1w1x2w2 = x1w1 + x2w2
    n = x1w1x2w2 + b
    return (x1, x2, w1, w2, b), (x1w1, x2w2, x1w1x2w2, n)


def neuron_by_hand(x1, x2, w1, w2, b):
    return math.tanh(x1 * w1 + x2 * w2 + b)


def test_lecture_manual_backprop_node_by_node():
    leaves, (x1w1, x2w2, x1w1x2w2, n) = lecture_neuron()
    o = n.tanh()
    o.grad = 1.0
    for node in (o, n, leaves[4], x1w1x2w2, x2w2, x1w1):  # the lecture's order, b included
        node._backward()
    start = [leaf.data for leaf in leaves]
    o_by_hand = neuron_by_hand(*start)
    assert o.data == o_by_hand and math.isclose(o.data, 1 / math.sqrt(2), rel_tol=1e-15)
    dn = 1 - o_by_hand**2  # the lecture's 0.5
    assert n.grad == dn and math.isclose(dn, 0.5, rel_tol=1e-15)
    x1, x2, w1, w2, b = leaves
    assert (x1.grad, w1.grad, x2.grad, w2.grad, b.grad) == (-3.0 * dn, 2.0 * dn, dn, 0.0, dn)
    assert [round(g, 6) for g in (x1.grad, w1.grad, x2.grad, w2.grad)] == [-1.5, 1.0, 0.5, 0.0]
    numeric = numeric_partials(neuron_by_hand, start)
    assert all(
        math.isclose(leaf.grad, d, abs_tol=1e-8) for leaf, d in zip(leaves, numeric, strict=True)
    )


def test_lecture_tanh_written_with_exp_gives_the_same_grads():
    leaves, (*_, n) = lecture_neuron()
    e = (2 * n).exp()
    o = (e - 1) / (e + 1)
    o.backward()
    assert math.isclose(o.data, 1 / math.sqrt(2), rel_tol=1e-12)
    assert [round(leaf.grad, 9) for leaf in leaves] == [-1.5, 0.5, 1.0, 0.0, 0.5]
    assert (e._op, o._op) == ("exp", "/")


def test_prev_and_op_are_micrograds():
    a, b, c, f = Value(2.0), Value(-3.0), Value(10.0), Value(-2.0)
    e = a * b
    d = e + c
    L = d * f
    assert (L._op, d._op, e._op, a._op) == ("*", "+", "*", "")
    assert d._prev == {e, c} and L._prev == {d, f} and a._prev == set()
    assert (a * a)._prev == {a}  # a set: micrograd's too holds a once
    symbols = [(a**2)._op, (a**2.0)._op, (a**-1)._op, (a**0.5)._op]
    assert symbols == ["**2", "**2.0", "**-1", "**0.5"]  # as micrograd's f'**{other}'
    ops = [a.relu()._op, a.tanh()._op, a.exp()._op, a.log()._op, a.sigmoid()._op, (a - b)._op]
    assert ops == ["ReLU", "tanh", "exp", "log", "sigmoid", "-"]


def test_backward_node_by_node_equals_backward_and_counts_a_reused_parent_twice():
    a = Value(3.0)
    b = a + a  # the lecture's bug: micrograd's first version gave a.grad 1
    b.grad = 1.0
    b._backward()
    assert a.grad == 2.0
    a._backward()  # a leaf has no rule to apply
    assert a.grad == 2.0
    x, y = Value(0.5), Value(-1.5)
    out = (x * y).tanh() * x
    order = [out, out.parents[0], out.parents[0].parents[0]]
    out.grad = 1.0
    for node in order:
        node._backward()
    by_hand = {x: x.grad, y: y.grad}
    x.grad = y.grad = 0.0
    out.backward()
    assert by_hand == {x: x.grad, y: y.grad}


@pytest.mark.parametrize(
    "call", [math.log, math.exp, math.sqrt, math.tanh, float], ids=lambda f: f.__name__
)
def test_math_functions_on_a_value_raise_and_say_what_to_use(call):
    with pytest.raises(TypeError, match=r"v\.log\(\).*v\.data for the number \(2\.5\)"):
        call(Value(2.5))


def test_a_custom_derivative_of_the_wrong_type_or_count_names_the_op_and_what_it_gave():
    define_op("square_bad", lambda a: a * a, lambda out, a: 2 * a, rule="2a")
    define_op("square_two", lambda a: a * a, lambda out, a: (2 * a, 1.0), rule="2a")
    define_op("square_str", lambda a: a * a, lambda out, a: ("2a",), rule="2a")
    x = Value(3.0)
    cases = [
        ("square_bad", TypeError, r"op 'square_bad' returned float 6\.0, not a tuple.*\(6\.0,\)"),
        ("square_two", ValueError, r"op 'square_two' returned 2 derivatives \(6\.0, 1\.0\)"),
        ("square_str", TypeError, r"op 'square_str' returned str '2a' as the derivative"),
    ]
    for name, error, message in cases:
        y = Value.apply(name, x)
        for run in (y.backward, y._backward, y.local_grads):
            with pytest.raises(error, match=message):
                run()
    assert x.grad == 0.0


def test_nn_takes_micrograds_signatures():
    assert Neuron(2, nonlin=False).activation == "linear" and Neuron(2).activation == "relu"
    assert Neuron(2, False).activation == "linear"
    assert Neuron(2, activation="tanh").activation == "tanh"
    assert [n.activation for n in Layer(3, 2, nonlin=False).neurons] == ["linear"] * 2
    model = MLP(2, [3, 1])
    assert [layer.neurons[0].activation for layer in model.layers] == ["relu", "linear"]
    with pytest.raises(TypeError, match=r"nouts must be a list of layer sizes.*got int 1"):
        MLP(2, 1)
    with pytest.raises(TypeError, match=r"write activation='tanh'"):
        Neuron(2, "tanh")


def test_default_weights_are_micrograds_draws_and_rng_keeps_numpy():
    random.seed(7)
    neuron = Neuron(3)
    random.seed(7)
    assert [w.data for w in neuron.w] == [random.uniform(-1, 1) for _ in range(3)]
    assert neuron.b.data == 0.0
    random.seed(7)
    assert [w.data for w in Neuron(3, rng=0).w] != [w.data for w in neuron.w]
    assert random.random() == random.Random(7).random()  # rng= draws nothing from random


def test_seed_1337_holds_micrograd_010s_weights():
    mnn = pytest.importorskip("micrograd.nn", reason="micrograd 0.1.0 is in the dev extra")
    random.seed(1337)
    ours = MLP(2, [16, 16, 1])
    random.seed(1337)
    theirs = mnn.MLP(2, [16, 16, 1])
    assert [p.data for p in ours.parameters()] == [p.data for p in theirs.parameters()]
    assert len(ours.parameters()) == 337


def demo_run(Value, MLP, X, y, steps=100):
    """micrograd's demo notebook loop: SVM max-margin loss + 1e-4 L2, lr 1.0 - 0.9 k/100."""
    random.seed(1337)
    model = MLP(2, [16, 16, 1])
    history = []
    for k in range(steps):
        inputs = [list(map(Value, row)) for row in X]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores, strict=True)]
        data_loss = sum(losses) * (1.0 / len(losses))
        alpha = 1e-4
        reg_loss = alpha * sum(p * p for p in model.parameters())
        total_loss = data_loss + reg_loss
        accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(y, scores, strict=True)]
        model.zero_grad()
        total_loss.backward()
        learning_rate = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= learning_rate * p.grad
        history.append((total_loss.data, sum(accuracy) / len(accuracy)))
        if k % 5 == 4 and not gc.isenabled():
            gc.collect(0)
    return history


def test_micrograds_moons_demo_runs_step_for_step_on_both_engines():
    # 10 samples, not the notebook's 100: micrograd takes about 0.4 s a step at 100.
    # (At 100 samples the two agree too, to 3e-16 in the loss, accuracies equal.)
    engine = pytest.importorskip("micrograd.engine", reason="micrograd 0.1.0 is in the dev extra")
    mnn = pytest.importorskip("micrograd.nn", reason="micrograd 0.1.0 is in the dev extra")
    X, labels = make_moons(10, noise=0.1, rng=1)
    X = [[float(v) for v in row] for row in X]
    y = [float(2 * t - 1) for t in labels]
    ours = demo_run(Value, MLP, X, y)
    gc.disable()  # micrograd's closures make cycles: collect them every few steps instead
    try:
        theirs = demo_run(engine.Value, mnn.MLP, X, y)
    finally:
        gc.enable()
    for k, ((loss, acc), (their_loss, their_acc)) in enumerate(zip(ours, theirs, strict=True)):
        assert abs(loss - their_loss) <= 1e-9, f"step {k}"
        assert acc == their_acc, f"step {k}"
    assert len({acc for _, acc in ours}) > 3  # the accuracies move, so agreeing means something
    assert ours[-1][1] == 1.0 and ours[-1][0] < ours[0][0] / 10


@pytest.mark.parametrize("name", ["_backward", "_prev", "_op"])
def test_assigning_a_micrograd_name_on_a_plain_value_says_what_to_do(name):
    c = Value(2.0, label="a") * 3.0
    c.label = "c"
    with pytest.raises(AttributeError) as caught:
        setattr(c, name, lambda: None)
    message = str(caught.value)
    assert f"cannot set {name} of Value(data=6.0) (label 'c')" in message
    assert "Value(data, _children, _op)" in message or "define_op" in message
    assert "read-only" not in message and "no setter" not in message
    assert c._op == "*" and len(c._prev) == 2  # still read from the graph


def test_a_learners_subclass_keeps_its_backward_closure():
    class Mine(Value):
        pass

    a, b = Mine(2.0), Mine(-3.0)
    out = Mine(a.data * b.data, (a, b), "*")
    calls = []
    out._backward = lambda: calls.append(out.grad)
    out.grad = 5.0
    out._backward()
    assert calls == [5.0]
    plain = Mine(1.0) * 2.0  # an op's node of the subclass's base: the table's rule
    with pytest.raises(AttributeError, match="define_op"):
        plain._backward = lambda: None
