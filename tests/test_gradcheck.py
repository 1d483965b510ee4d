"""gradcheck and the node-by-node check, on right and deliberately wrong derivatives."""

import math

import pytest

from autograd import OPS, Value, check_nodes, define_op, gradcheck
from tests.helpers import op_cases

BUILTINS = sorted(name for name, op in OPS.items() if op.builtin)


def _wrong_sigmoid() -> str:
    """seed 000's mistake: the derivative written ``s * 1 - s``, which is always 0."""
    define_op(
        "wrong_sigmoid",
        lambda a: 1 / (1 + math.exp(-a)),
        lambda out, a: (out * 1 - out,),
        rule="s * 1 - s",
    )
    return "wrong_sigmoid"


@pytest.mark.parametrize("name", BUILTINS)
def test_gradcheck_passes_on_every_op(name):
    for params, xs in op_cases(name):
        report = gradcheck(lambda *vs, p=params: Value.apply(name, *vs, **p), list(xs))
        assert report, f"{name} {params} at {xs}\n{report}"
        assert len(report.rows) == len(xs)


def test_report_table_has_a_row_per_input_and_the_figures():
    report = gradcheck(lambda a, b: a * b + b.exp(), [2.0, 0.0])
    assert bool(report)
    rows = report.rows
    assert [r.index for r in rows] == [0, 1]
    assert rows[0].analytic == 0.0  # ∂/∂a = b = 0
    assert rows[1].analytic == 3.0  # ∂/∂b = a + e^0
    assert abs(rows[1].numeric - 3.0) < 1e-8
    text = str(report)
    header = text.splitlines()[0].split()
    assert header == [
        "input",
        "value",
        "analytic",
        "numeric",
        "abs",
        "error",
        "rel",
        "error",
        "result",
    ]
    assert "all 2 inputs pass" in text


def test_gradcheck_fails_on_a_wrong_custom_op_and_names_the_input():
    name = _wrong_sigmoid()
    report = gradcheck(lambda a, b: a * 3 + Value.apply(name, b), [0.5, 0.25])
    assert not report
    assert [r.index for r in report.failures] == [1]
    bad = report.failures[0]
    assert bad.analytic == 0.0
    s = 1 / (1 + math.exp(-0.25))
    assert abs(bad.numeric - s * (1 - s)) < 1e-8
    assert "1 of 2 inputs FAIL: x[1]" in str(report)


@pytest.mark.parametrize(
    "call, error, words",
    [
        (lambda: gradcheck(lambda a: 2.0, [1.0]), TypeError, "must return a Value"),
        (lambda: gradcheck(lambda a: a, []), ValueError, "inputs is empty"),
        (lambda: gradcheck(lambda a: a, [1.0], eps=0), ValueError, "eps must be > 0"),
        (lambda: gradcheck(lambda a: a, [1.0], eps=-1e-3), ValueError, "eps must be > 0"),
        (lambda: gradcheck(lambda a: a, 1.0), TypeError, "list of numbers"),
        (lambda: gradcheck(lambda a: a, [math.nan]), ValueError, "finite"),
        (lambda: gradcheck(lambda a: a.log(), [1e-7]), ValueError, "x\\[0\\] nudged"),
    ],
)
def test_gradcheck_refuses_bad_arguments(call, error, words):
    with pytest.raises(error, match=words):
        call()


def _network(act):
    """A small two-layer tanh network with one neuron whose activation is ``act``."""
    x = [Value(v, label=f"x{i}") for i, v in enumerate((0.5, -1.5, 2.0))]
    hidden = []
    for j in range(4):
        w = [Value(0.3 * (j - i) + 0.1, label=f"w{j}{i}") for i in range(3)]
        z = Value.apply("dot", *[t for pair in zip(w, x, strict=True) for t in pair])
        z.label = f"z{j}"
        h = Value.apply(act, z) if j == 2 else z.tanh()
        h.label = f"h{j}"
        hidden.append(h)
    out = hidden[0] * 0.7 - hidden[1] * 0.2 + hidden[2] * 1.1 + hidden[3] * 0.4
    loss = (out - 1.0) ** 2
    loss.label = "loss"
    return loss


def test_node_check_passes_on_right_rules():
    report = check_nodes(_network("sigmoid"))
    assert report, str(report)
    assert "agree" in report.diagnosis
    assert report.rows[0].name == "loss" and report.rows[0].gradient == 1.0


def test_node_check_pinpoints_the_one_wrong_rule_among_many():
    report = check_nodes(_network(_wrong_sigmoid()))
    assert not report
    first = report.first_failure
    assert first.name == "z2"  # the wrong sigmoid's input, nothing downstream of it
    assert all(r.ok for r in report.rows if r.name in {"h2", "loss", "z0", "z1", "z3"})
    assert "op 'wrong_sigmoid' at node h2" in report.diagnosis
    assert "s * 1 - s gives 0.0" in report.diagnosis
    assert "first disagreement: node z2" in str(report)


def test_node_check_of_hand_given_gradients_names_the_wrong_one():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b
    c.label = "c"
    loss = c * c + b
    loss.label = "loss"
    # by hand: dloss/dc = 2c = -12, dloss/da = -12·b = 36, dloss/db = -12·a + 1 = -23;
    # the node c*c is not given, so it is not checked
    hand = {loss: 1.0, c: -12.0, a: 36.0, b: -24.0}
    report = check_nodes(loss, hand)
    assert report.first_failure.node is b
    assert "the given gradient is wrong" in report.diagnosis
    assert "backward gives -23.0" in report.diagnosis
    assert sum(r.gradient is None for r in report.rows) == 1
    hand[b] = -23.0
    assert check_nodes(loss, hand)


def test_node_check_leaves_grad_alone():
    loss = _network("sigmoid")
    check_nodes(loss)
    assert loss.grad == 0.0


# -- the default (replay) is never less truthful than replay=False ------------------


def _branchy(x):
    return x.tanh() if x.data > 0 else x * x


@pytest.mark.parametrize("replay", [True, False])
def test_a_branch_on_the_data_within_eps_fails_on_every_path(replay):
    report = gradcheck(_branchy, [1e-7], replay=replay)
    assert not report, str(report)
    (row,) = report.rows
    assert row.analytic == 1 - math.tanh(1e-7) ** 2  # tanh's rule, by hand
    # f's own values: tanh(x + eps) above 0, (x - eps)² below it
    x, eps = 1e-7, 1e-6
    assert row.numeric == (math.tanh(x + eps) - (x - eps) ** 2) / (2 * eps)
    assert report.branching == ([0] if replay else [])
    assert ("graph changes within eps of x[0]" in str(report)) is replay
    assert ("graph changes within eps" in report._repr_html_()) is replay


def test_the_replay_names_only_the_inputs_whose_graph_branches():
    report = gradcheck(lambda a, b: a * b + _branchy(b), [2.0, -1e-7])
    assert report.branching == [1]
    assert [r.index for r in report.failures] == [1]
    assert gradcheck(lambda a, b: a * b + _branchy(b), [2.0, 0.5]).branching == []


def test_a_branch_whose_other_side_leaves_the_traced_ops_domain_is_named():
    def f(x):  # traced on the log side; below 0 the traced log would refuse the row
        return x.log() if x.data > 0 else x * 2.0

    report = gradcheck(f, [1e-7])
    assert report.branching == [0] and not report
    x, eps = 1e-7, 1e-6
    assert report.rows[0].numeric == (math.log(x + eps) - (x - eps) * 2.0) / (2 * eps)


# -- a number read out of the graph (.data) is a constant to backward ----------------


def test_reading_data_is_named_as_a_constant_not_a_branch():
    report = gradcheck(lambda x: x * x.data, [3.0])
    (row,) = report.rows
    assert (row.analytic, row.numeric) == (3.0, pytest.approx(6.0))  # x·3 vs d(x²)/dx = 2x
    assert report.constants == [0] and report.branching == []
    text = str(report)
    assert "backward treats that number as a constant" in text
    assert "branch" not in text
    assert "backward treats that number as a constant" in report._repr_html_()


def test_math_on_data_is_named_too_and_a_passing_input_is_not():
    report = gradcheck(lambda a, b: a * b + a * math.exp(a.data), [0.5, 2.0])
    assert report.constants == [0] and [r.index for r in report.failures] == [0]
    assert report.rows[0].numeric == pytest.approx(2.0 + math.exp(0.5) * 1.5, rel=1e-6)


def test_a_real_branch_keeps_the_branch_message_and_no_constant_one():
    report = gradcheck(_branchy, [1e-7])
    assert report.constants == [] and report.branching == [0]
    assert "backward treats that number as a constant" not in str(report)


def test_float_or_math_on_a_value_says_what_backward_would_miss():
    with pytest.raises(TypeError, match="backward would treat it as a constant"):
        gradcheck(lambda x: x * math.exp(x), [1.0])
    with pytest.raises(TypeError, match="f calls float\\(\\) or a math function"):
        gradcheck(lambda x: x * float(x), [1.0])
