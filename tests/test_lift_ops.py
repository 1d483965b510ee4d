"""``lift`` on the ops with their own formulas (erf, gelu, clamp, atan2, hypot, the fused
binary cross-entropy) and on a learner's ``define_op`` op: check() and both scripts, run
in fresh processes, against chainrule's own backward."""

from __future__ import annotations

import random

import numpy as np
import pytest

import nn
from autograd import Value, define_op, lift
from autograd.replay.lift_code import NoFormula
from tests.test_lift import assert_same, run


def _cube(a):
    return a**3 - a


def _cube_grads(out, a):
    return (3 * a**2 - 1,)


def _spread(a, b):
    return np.log(1 + a**2 + b**2)


def _spread_grads(out, a, b):
    return 2 * a / (1 + a**2 + b**2), 2 * b / (1 + a**2 + b**2)


define_op("cube_less", lambda a: a**3 - a, _cube_grads, "3a² - 1", array=_cube)
define_op(
    "spread",
    lambda a, b: float(_spread(a, b)),
    _spread_grads,
    ("2a/(1 + a² + b²)", "2b/(1 + a² + b²)"),
    formula="log(1 + a² + b²)",
    array=_spread,
)

BUILD = {
    "erf": lambda x, y: x.erf() * y,
    "gelu": lambda x, y: x.gelu() * y,
    "clamp": lambda x, y: x.clamp(-0.4, 0.6) * y,
    "atan2": lambda x, y: x.atan2(y),
    "hypot": lambda x, y: x.hypot(y),
    "cube_less": lambda x, y: Value.apply("cube_less", x) * y,
    "spread": lambda x, y: Value.apply("spread", x, y),
}


def _vector_graph(op: str) -> Value:
    rng = random.Random(3)
    xs = [Value(rng.uniform(-1, 1)) for _ in range(6)]
    ys = [Value(rng.uniform(0.5, 1.5)) for _ in range(6)]
    return sum(BUILD[op](x, y) for x, y in zip(xs, ys, strict=True))


def _bce_graph() -> Value:
    rng = random.Random(4)
    model = nn.MLP(2, [3, 1])
    xs = [[Value(rng.uniform(-1, 1)) for _ in range(2)] for _ in range(5)]
    probs = [model(x).sigmoid() for x in xs]
    return nn.bce(probs, [1.0, 0.0, 1.0, 1.0, 0.0])


@pytest.mark.parametrize("op", [*BUILD, "binary_cross_entropy"])
def test_op_lifts_checks_and_both_scripts_reproduce_backward(op):
    root = _bce_graph() if op == "binary_cross_entropy" else _vector_graph(op)
    lifted = lift(root)
    blocks = [b for b in lifted.blocks if b.op == op]
    assert sum(len(b.nodes) for b in blocks) in (6, 5)  # bce's named targets: a block each
    if op in BUILD:
        assert [(b.kind, b.shape) for b in blocks] == [("elementwise", (6,))]
    assert lifted.check(), str(lifted.check())
    assert_same(run(lifted.numpy_code()), root, lifted.leaves)
    pytest.importorskip("torch", reason="torch is optional: pip install torch==2.13.0")
    assert_same(run(lifted.torch_code()), root, lifted.leaves)


def test_formulas_come_from_the_op_table():
    lifted = lift(_vector_graph("atan2"))
    block = next(b for b in lifted.blocks if b.op == "atan2")
    a, b = (o.name for o in block.operands)
    assert block.forward == f"{block.name} = atan2({a}, {b})"
    assert block.backward[0] == f"d{a} = d{block.name} ⊙ ({b}/({b}² + {a}²))"
    clamp = next(b for b in lift(_vector_graph("clamp")).blocks if b.op == "clamp")
    assert "min(max(" in clamp.forward and "-0.4 ≤" in clamp.backward[0]


def test_a_user_op_script_carries_its_source():
    lifted = lift(_vector_graph("spread"))
    code = lifted.numpy_code()
    assert "def _spread(a, b):" in code and "def _spread_grads(out, a, b):" in code
    assert "class Op_spread(torch.autograd.Function)" in lifted.torch_code()


def test_a_user_op_from_lambdas_is_refused_by_name():
    define_op("lambda_op", lambda a: 2 * a, lambda out, a: (2.0,), "2", array=lambda a: 2 * a)
    lifted = lift(Value.apply("lambda_op", Value(0.5)) * 3.0)
    with pytest.raises(NoFormula, match="your op 'lambda_op': its array form is a lambda"):
        lifted.torch_code()
