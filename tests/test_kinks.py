"""Kinks said out loud: the op table says where each op has one and which convention
its derivative follows there; the stepper, graph_text, the diagram, gradcheck and
check_nodes read it when a forward pass lands exactly on one."""

import math

import pytest

from autograd import OPS, Value, check_nodes, gradcheck, graph_text
from autograd.explain.describe import describe, kink_note
from autograd.explain.forward import forward_steps
from viz.dot import build_dot, select

KINKED = {"relu", "leaky_relu", "abs", "sign", "max", "min", "clamp", "hypot"}

# (op, params, a point on the kink, a point off it)
AT_KINK = [
    ("relu", {}, (0.0,), (0.1,)),
    ("leaky_relu", {"slope": 0.2}, (0.0,), (-0.1,)),
    ("abs", {}, (0.0,), (-0.1,)),
    ("sign", {}, (0.0,), (0.3,)),
    ("max", {}, (1.5, 1.5), (1.5, 1.4)),
    ("min", {}, (-2.0, -2.0), (-2.0, 1.0)),
    ("clamp", {"lo": -1.0, "hi": 1.0}, (1.0,), (0.5,)),
    ("clamp", {"lo": -1.0, "hi": 1.0}, (-1.0,), (-1.5,)),
    ("hypot", {}, (0.0, 0.0), (0.0, 1.0)),
]


def test_the_ops_with_a_kink_are_those_with_a_corner_or_a_jump():
    assert {name for name, op in OPS.items() if op.kink is not None} == KINKED
    assert {name for name, *_ in AT_KINK} == KINKED


@pytest.mark.parametrize(("name", "params", "on", "off"), AT_KINK)
def test_a_node_knows_it_sits_on_a_kink_only_there(name, params, on, off):
    node = Value.apply(name, *on, **params)
    note = kink_note(node)
    assert note is not None and note.startswith(f"{name} at its kink")
    assert "a numeric derivative can disagree" in note
    assert kink_note(Value.apply(name, *off, **params)) is None


def _torch_grads(torch, name, params, xs):
    leaves = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    run = {
        "relu": lambda a: torch.relu(a),
        "leaky_relu": lambda a: torch.nn.functional.leaky_relu(a, params.get("slope", 0.0)),
        "abs": lambda a: a.abs(),
        "sign": lambda a: a.sign(),
        "max": lambda a, b: torch.maximum(a, b),
        "min": lambda a, b: torch.minimum(a, b),
        "clamp": lambda a: a.clamp(params.get("lo"), params.get("hi")),
        "hypot": lambda a, b: torch.hypot(a, b),
    }[name]
    run(*leaves).backward()
    return [leaf.grad.item() for leaf in leaves]


@pytest.mark.parametrize(("name", "params", "on", "off"), AT_KINK)
def test_the_convention_at_each_kink_is_pytorchs(name, params, on, off):
    torch = pytest.importorskip("torch", reason="torch is not installed: no PyTorch reference")
    ours = list(Value.apply(name, *on, **params).local_grads())
    theirs = _torch_grads(torch, name, params, on)
    if name == "hypot":  # the one place we differ, and the note says so
        assert ours == [0.0, 0.0] and all(math.isnan(t) for t in theirs)
        assert "PyTorch's hypot gives nan there" in kink_note(Value.apply(name, *on))
    else:
        assert ours == theirs


def _relu_at_zero():
    a, w = Value(0.0, label="a"), Value(3.0, label="w")
    r = a.relu()
    r.label = "r"
    loss = r * w
    loss.label = "L"
    return a, r, loss


NOTE = "relu at its kink a = 0: the derivative there is a convention, 0 as PyTorch's relu"


def test_the_stepper_line_names_the_convention():
    a, r, loss = _relu_at_zero()
    lines = [step.line for step in loss.backward_steps()]
    kinked = [line for line in lines if "⚠" in line]
    assert len(kinked) == 1 and kinked[0].startswith("a.grad += ∂r/∂a")
    assert NOTE in kinked[0] and "a numeric derivative can disagree" in kinked[0]
    assert NOTE in forward_steps(loss, wrt=a).finish()[0].line


def test_graph_text_notes_the_kink_under_the_table():
    a, r, loss = _relu_at_zero()
    text = graph_text(loss)
    assert text.splitlines()[-1] == f"⚠ r: {kink_note(r, describe(loss).names)}"
    assert NOTE in text
    away = Value(0.5).relu() * 2.0
    assert "⚠" not in graph_text(away)


def test_the_diagram_marks_the_node_and_names_the_convention():
    a, r, loss = _relu_at_zero()
    described = describe(loss)
    source = build_dot(select(described, loss), None)
    (line,) = [x for x in source.splitlines() if "kink" in x]
    me = f"v{described.index[r]}op"
    assert line.strip().startswith(f"{me} [") and 'xlabel="⚠ kink"' in line and NOTE in line
    smooth = describe(Value(0.5).relu())
    plain = build_dot(select(smooth, smooth.root), None)
    assert "kink" not in plain


def test_gradcheck_says_a_mismatch_sits_on_a_kink_instead_of_a_bare_fail():
    report = gradcheck(lambda x, y: x.relu() * y, [0.0, 2.0])
    assert not report  # the numbers do differ: 0 against 1 (half of 2)
    text = str(report)
    assert "FAIL at a kink" in text
    assert "x[0] reaches a kink, so the numbers may differ without a wrong rule" in text
    assert "relu at its kink x[0] = 0" in text
    assert "FAIL at a kink" not in str(gradcheck(lambda x: x.relu() * 2, [0.3]))


def test_check_nodes_does_not_blame_relu_at_its_kink():
    a, r, loss = _relu_at_zero()
    diagnosis = check_nodes(loss).diagnosis
    assert "not a wrong rule: node r sits on a kink" in diagnosis and NOTE in diagnosis
    assert "the wrong local rule" not in diagnosis
