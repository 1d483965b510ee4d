"""``autograd.lift``: a scalar graph as its tensor program, checked and run as code."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time

import pytest

import nn
from autograd import Value, define_op, grad, lift, topo_order
from autograd.replay import lift_forms
from autograd.replay.lift_code import NoFormula
from tests.helpers import lecture_demo_loss, lecture_graph


def run(code: str) -> dict:
    """The JSON line an emitted script prints, run in a fresh process."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def assert_same(out: dict, root: Value, leaves: list[Value]) -> None:
    """The script's loss and grads are chainrule's, to 1e-10 relative."""
    assert out["loss"] == pytest.approx(root.data, rel=1e-10)
    expected = grad(root, leaves)
    assert len(out["grads"]) == len(expected)
    assert out["grads"] == pytest.approx(expected, rel=1e-10, abs=1e-14)


@pytest.fixture(scope="module")
def demo():
    model, loss = lecture_demo_loss()
    start = time.perf_counter()
    lifted = lift(loss)
    return loss, lifted, time.perf_counter() - start


def test_demo_loss_lifts_to_its_three_layers_in_time(demo):
    loss, lifted, seconds = demo
    assert seconds < 5
    layers = [b for b in lifted.blocks if b.kind == "matmul"]
    assert [b.shape for b in layers] == [(100, 16), (100, 16), (100, 1)]
    first = layers[0]
    assert first.forward == "Z1 = X·W1ᵀ + b1"
    assert first.backward == ("dX = dZ1·W1", "dW1 = dZ1ᵀ·X", "db1 = Σ_batch dZ1")
    # each neuron is b + 2 products: 2 additions and 2 multiplications per sample
    assert len(first.covers) == 100 * 16 * 4
    after = lifted.blocks[lifted.blocks.index(first) + 1]
    assert (after.kind, after.forward) == ("elementwise", "A1 = relu(Z1)")
    squares = lifted.blocks[0]  # the L2 term: every parameter squared, gathered from 6 arrays
    assert (squares.forward, squares.shape) == ("mul1 = p ⊙ p", (337,))


def test_demo_leaves_are_every_leaf_once(demo):
    loss, lifted, _ = demo
    every = [n for n in topo_order(loss) if n.is_leaf]
    assert len(lifted.leaves) == len(every) == len(set(lifted.leaves))
    assert set(lifted.leaves) == set(every)
    names = [a.name for a in lifted.program.leaf_arrays]
    assert names[:7] == ["X", "W1", "b1", "W2", "b2", "W3", "b3"]  # layers first, then the rest


def test_demo_check_passes_without_touching_grads(demo):
    loss, lifted, _ = demo
    leaves = lifted.leaves
    before = [(v.data, v.grad) for v in leaves]
    report = lifted.check()
    assert report, str(report)
    assert "FAILED" not in str(report)
    assert [(v.data, v.grad) for v in leaves] == before


def test_demo_numpy_code_reproduces_backward_in_a_fresh_process(demo):
    loss, lifted, _ = demo
    code = lifted.numpy_code()
    assert "import torch" not in code
    assert "Z1 = X @ W1.T + b1  # Z1 = X·W1ᵀ + b1" in code
    assert "dW1 += dZ1.T @ X" in code
    start = time.perf_counter()
    exec(compile(code.replace("print(", "str("), "<lifted>", "exec"), {})  # noqa: S102
    assert time.perf_counter() - start < 1
    assert_same(run(code), loss, lifted.leaves)


def test_demo_torch_code_reproduces_backward_in_a_fresh_process(demo):
    pytest.importorskip("torch", reason="torch is optional: pip install torch==2.13.0")
    loss, lifted, _ = demo
    code = lifted.torch_code()
    assert "numpy" not in code and ".backward(" in code
    assert_same(run(code), loss, lifted.leaves)


def test_chainrule_mlp_dot_neurons_are_layers():
    rng = random.Random(3)
    model = nn.MLP(3, [4, 4, 1])
    xs = [[Value(rng.uniform(-1, 1)) for _ in range(3)] for _ in range(6)]
    ys = [1.0, -1.0, 1.0, 0.5, -0.5, 0.0]
    loss = sum((model(x) - y) ** 2 for x, y in zip(xs, ys, strict=True))
    lifted = lift(loss)
    layers = [b for b in lifted.blocks if b.kind == "matmul"]
    assert [b.shape for b in layers] == [(6, 4), (6, 4), (6, 1)]
    assert lifted.check()
    assert_same(run(lifted.numpy_code()), loss, lifted.leaves)



def test_expression_without_layers_lifts_to_scalar_blocks_in_its_names():
    leaves, out = lecture_graph()
    lifted = lift(out)
    assert [b.kind for b in lifted.blocks] == ["scalar"] * 3
    assert [b.forward for b in lifted.blocks] == ["e = a ⊙ b", "d = e + c", "L = d ⊙ f"]
    assert lifted.blocks[2].backward == ("dd = dL ⊙ f", "df = dL ⊙ d")
    assert lifted.leaves == list(leaves)
    code = lifted.numpy_code()
    assert "e = a * b" in code
    # by hand: L = (2·-3 + 10)·-2 = -8; dL/da = b·f = 6, dL/db = a·f = -4, dL/dc = f, dL/df = d
    assert run(code) == {"loss": -8.0, "grads": [6.0, -4.0, -2.0, 4.0]}
    assert lifted.check()


def test_expression_of_many_ops_reproduces_in_numpy_and_torch():
    x, y, w = Value(0.7, label="x"), Value(-1.3, label="y"), Value(0.4, label="w")
    z = (x * y).tanh() + (x / y) ** 3 - w.exp() * x + (y * y).sigmoid() + (x - w).relu().log()
    lifted = lift(z)
    assert {b.kind for b in lifted.blocks} == {"scalar", "reduction"}  # the sum of the last two
    assert lifted.check()
    assert_same(run(lifted.numpy_code()), z, lifted.leaves)
    pytest.importorskip("torch", reason="torch is optional: pip install torch==2.13.0")
    assert_same(run(lifted.torch_code()), z, lifted.leaves)


def test_a_shared_scalar_is_broadcast_and_its_gradient_summed():
    w = Value(1.5, label="w")
    xs = [Value(float(i)) for i in range(1, 5)]
    loss = sum((w * x).tanh() for x in xs)
    lifted = lift(loss)
    kinds = {b.kind for b in lifted.blocks}
    assert "broadcast" in kinds and "reduction" in kinds
    broadcast = next(b for b in lifted.blocks if b.kind == "broadcast")
    assert "Σ(" in " ".join(broadcast.backward)
    assert lifted.check()
    assert_same(run(lifted.numpy_code()), loss, lifted.leaves)


def test_check_names_the_first_block_whose_formula_is_wrong(monkeypatch):
    _, loss = lecture_demo_loss(8)
    wrong = lift_forms.Form("relu({a})", "np.maximum({a}, 0.0)", "", ("d{out}",), ("d{out}",))
    monkeypatch.setitem(lift_forms.FORMS, "relu", wrong)  # relu' = 1 everywhere: wrong
    report = lift(loss).check()
    assert not report
    # the loss's own relu (max(0, 1 - y·score)) is the last relu, so backward meets it first
    assert report.title().startswith("lift check FAILED: block relu1: its backward gives dadd1 = ")


def test_str_and_html_show_shapes_formulas_and_the_traced_rule(demo):
    _, lifted, _ = demo
    text = str(lifted)
    assert "matmul" in text and "100×16" in text and "dW2 = dZ2ᵀ·A1" in text
    assert "frozen at its recorded value" in text
    assert "<table" in lifted._repr_html_()


def test_a_data_dependent_graph_is_lifted_as_recorded():
    x = Value(-0.5, label="x")
    y = x.tanh() if x.data > 0 else x.relu() * 3.0
    lifted = lift(y)
    assert [b.op for b in lifted.blocks] == ["relu", "mul"]
    assert "a Python `if` on .data" in str(lifted)


def test_bad_input_is_named():
    with pytest.raises(TypeError, match="lift: the root must be a Value"):
        lift(3.0)
    with pytest.raises(ValueError, match="the root is a leaf"):
        lift(Value(1.0))
    define_op("halve_no_array", lambda a: a / 2, lambda out, a: (0.5,), "1/2")
    lifted = lift(Value.apply("halve_no_array", Value(0.5)) * 2.0)
    assert "halve_no_array" in str(lifted)
    with pytest.raises(NoFormula, match=r"your op 'halve_no_array' .* array=f"):
        lifted.numpy_code()


def test_draw_dot_lift_draws_one_box_per_block_with_its_formulas():
    from viz import draw_dot

    _, out = lecture_graph()
    diagram = draw_dot(out, lift=True)
    assert diagram.kind == "blocks" and diagram.nodes == 4 + 3  # leaves a, b, c, f; 3 blocks
    assert "L = d ⊙ f" in diagram.source and "dd = dL ⊙ f\\ndf = dL ⊙ d" in diagram.source
    assert diagram.source.count(" -> ") == 6
    with pytest.raises(ValueError, match="lift=True draws the whole graph"):
        draw_dot(out, lift=True, depth=1)


def test_per_sample_sums_become_one_row_sum():
    rng = random.Random(5)
    model = nn.MLP(3, [4, 2])
    xs = [[Value(rng.uniform(-1, 1)) for _ in range(3)] for _ in range(4)]
    loss = nn.softmax_cross_entropy([model(x) for x in xs], [0, 1, 1, 0])
    lifted = lift(loss)
    rowsum = next(b for b in lifted.blocks if b.op == "rowsum")
    assert (rowsum.shape, rowsum.backward) == ((4,), ("dexp1 = ds1·1ᵀ",))
    assert rowsum.forward == "s1 = Σ_row exp1"
    assert next(b for b in lifted.blocks if b.op == "log").shape == (4,)
    assert lifted.check()
    assert_same(run(lifted.numpy_code()), loss, lifted.leaves)
    pytest.importorskip("torch", reason="torch is optional: pip install torch==2.13.0")
    assert_same(run(lifted.torch_code()), loss, lifted.leaves)


def printed(code: str) -> dict:
    """The JSON line an emitted script prints, run in this process (fast, for many ops)."""
    import contextlib
    import io

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        exec(compile(code, "<lifted>", "exec"), {})  # noqa: S102
    return json.loads(buffer.getvalue())


BINARY = {"add": "__add__", "sub": "__sub__", "mul": "__mul__", "div": "__truediv__",
          "vpow": "__pow__", "max": "max", "min": "min",
          "atan2": "atan2", "hypot": "hypot"}  # fmt: skip
UNARY = {"pow": lambda x: x**3, "neg": lambda x: -x, "leaky_relu": lambda x: x.leaky_relu(0.1),
         "clamp": lambda x: x.clamp(0.0, 0.5),
         "binary_cross_entropy": lambda x: Value.apply(
             "binary_cross_entropy", x, Value(0.8, label="t"))}  # fmt: skip


@pytest.mark.parametrize("op", sorted(lift_forms.FORMS))
def test_every_op_with_a_formula_reproduces_its_gradients(op):
    x, y = Value(0.3, label="x"), Value(0.8, label="y")
    if op in BINARY:
        made = getattr(x, BINARY[op])(y)
    else:
        made = UNARY[op](x) if op in UNARY else getattr(x, op)()
    assert made.op == op
    out = made * y
    lifted = lift(out)
    assert lifted.check()
    assert_same(printed(lifted.numpy_code()), out, lifted.leaves)
    pytest.importorskip("torch", reason="torch is optional: pip install torch==2.13.0")
    assert_same(printed(lifted.torch_code()), out, lifted.leaves)
