"""Second order: gradcheck(order=2) against a Hessian by hand, check_nodes(order=2)
over the op table and naming a user op whose rule leaves the graph, and the
gradient graph of create_graph labelled with the rules it came from."""

import math

import pytest

from autograd import OPS, Value, check_nodes, define_op, grad, gradcheck, topo_order
from autograd.explain.describe import describe, origin
from autograd.ops import primal
from tests.helpers import op_cases


@pytest.mark.parametrize("name", sorted(n for n, op in OPS.items() if op.builtin))
def test_every_built_in_rule_is_right_at_second_order(name):
    for params, xs in op_cases(name):
        node = Value.apply(name, *[Value(x) for x in xs], **params)
        report = check_nodes(node, order=2)
        assert report, (name, params, xs, str(report))
        assert len(report.rows) == len(xs) ** 2


def test_gradcheck_order_2_against_a_hessian_by_hand():
    report = gradcheck(lambda x, y: x * x * y, [3.0, 2.0], order=2)
    assert report and len(report.rows) == 4
    # f = x²y: ∂²f/∂x² = 2y = 4, ∂²f/∂x∂y = 2x = 6, ∂²f/∂y² = 0
    assert [r.analytic for r in report.rows] == [4.0, 6.0, 6.0, 0.0]
    assert all(abs(r.numeric - r.analytic) < 1e-6 for r in report.rows)
    assert "all 4 Hessian entries agree" in str(report)


def test_gradcheck_order_2_agrees_with_torch_on_a_smooth_function():
    torch = pytest.importorskip("torch", reason="torch is not installed: no torch Hessian")

    def f(x, y):
        return (x * y).tanh() * x.exp() + (y * y + 1).log() / (1 + x * x)

    xs = [0.4, -0.7]
    theirs = torch.autograd.functional.hessian(
        lambda t: f(t[0], t[1]), torch.tensor(xs, dtype=torch.float64)
    )
    report = gradcheck(f, xs, order=2)
    assert report
    for k, r in enumerate(report.rows):
        assert math.isclose(r.analytic, theirs[k // 2][k % 2].item(), rel_tol=1e-12, abs_tol=1e-14)


def _cube_of_floats():
    """Right at first order (3a²), but written with primal: a constant to create_graph."""
    return define_op("cube_f", lambda a: a**3, lambda out, a: (3 * primal(a) ** 2,), rule="3·a²")


def test_check_nodes_order_2_names_a_rule_that_leaves_the_graph():
    _cube_of_floats()
    x, y = Value(0.5, label="x"), Value(-1.2, label="y")
    c = Value.apply("cube_f", x)
    c.label = "c"
    loss = (c * y).tanh()
    assert check_nodes(loss)  # first order is right
    report = check_nodes(loss, order=2)
    assert not report
    (bad,) = report.failures
    assert bad.node is c and bad.analytic == 0.0 and bad.numeric == pytest.approx(6 * 0.5)
    assert report.diagnosis.startswith(
        "the wrong second-order rule: op 'cube_f' at node c: its rule ∂c/∂x = 3·x², "
        "differentiated again, gives ∂²c/∂x∂x = 0.0, numerically 3.0"
    )
    assert "plain float (written with primal() or .data?)" in report.diagnosis
    hessian = gradcheck(lambda x: Value.apply("cube_f", x), [0.5], order=2)
    assert not hessian and "check_nodes(f(...), order=2)" in str(hessian)


def test_check_nodes_order_2_names_a_rule_half_in_the_graph():
    define_op("cube_h", lambda a: a**3, lambda out, a: (3 * a * primal(a),), rule="3·a²")
    x = Value(2.0, label="x")
    c = Value.apply("cube_h", x)
    c.label = "c"
    report = check_nodes(c, order=2)
    (bad,) = report.failures
    assert (bad.analytic, bad.numeric) == (6.0, pytest.approx(12.0))  # 3a against 6a
    assert "op 'cube_h' at node c" in report.diagnosis
    assert "plain float" not in report.diagnosis  # the rule is a Value: only half of it is


def test_second_order_at_a_kink_is_said():
    report = gradcheck(lambda x: x.relu() * x, [0.0], order=2)
    assert not report and "FAIL at a kink" in str(report) and "relu at its kink" in str(report)
    z = Value(0.0, label="z")
    nodes = check_nodes(z.relu() * 3.0, order=2)
    assert nodes.diagnosis.startswith("only at kinks: relu at its kink z = 0")


def test_order_is_checked():
    with pytest.raises(ValueError, match="order must be 1 or 2"):
        gradcheck(lambda x: x, [1.0], order=3)
    with pytest.raises(ValueError, match="takes no grads"):
        check_nodes(Value(1.0).exp(), {}, order=2)


# -- backward is a graph too --------------------------------------------------------


def test_create_graph_nodes_say_which_rule_made_them():
    x = Value(0.5, label="x")
    y = x.tanh()
    y.label = "y"
    z = y * x
    z.label = "z"
    dz = grad(z, x, create_graph=True)
    forward = set(topo_order(z))
    made = [n for n in topo_order(dz) if n not in forward and not n.is_leaf]
    texts = [origin(n) for n in made]
    assert all(texts), texts  # every node of the gradient graph says where it came from
    assert texts.count("tanh's rule ∂out/∂a = 1 - out²") == 2  # out*out, then 1 - out*out
    assert "the chain rule through tanh: (∂out/∂a = 1 - out²) · out.grad" in texts
    assert "the chain rule through mul: (∂out/∂b = a) · out.grad" in texts
    assert origin(dz) == "the sum of the shares of a node read more than once"
    assert all(origin(n) == "" for n in forward)  # the forward graph is not touched
    # and nothing is tagged by a plain backward
    a = Value(0.5)
    b = a.tanh() * a
    b.backward()
    assert all(origin(n) == "" for n in topo_order(b))


def test_the_diagram_of_a_gradient_labels_its_nodes():
    from viz.dot import build_dot, select

    x = Value(0.5, label="x")
    y = x.tanh()
    y.label = "y"
    dy = grad(y, x, create_graph=True)
    dy.label = "dy"  # a label kept beside the origin
    described = describe(dy)
    source = build_dot(select(described, dy), None)
    assert "from tanh's rule ∂out/∂a = 1 - out²" in source
    assert "{ dy | from the chain rule through tanh" in source
    assert dy.label == "dy" and origin(dy)
