"""Every op in the table against central differences of its own forward function."""

import math

import pytest

from autograd import OPS, Value
from tests.helpers import close, numeric_partials, op_cases


@pytest.mark.parametrize("name", sorted(OPS))
def test_backward_matches_central_differences(name):
    cases = list(op_cases(name))
    assert len(cases) >= 3, f"op {name!r} has fewer than 3 sample points in its domain"
    for params, xs in cases:
        leaves = [Value(x) for x in xs]
        out = Value.apply(name, *leaves, **params)
        out.backward()
        expected = numeric_partials(OPS[name].bind(**params).run, xs)
        for slot, (leaf, want) in enumerate(zip(leaves, expected, strict=True)):
            assert close(leaf.grad, want), (name, params, xs, slot, leaf.grad, want)


@pytest.mark.parametrize("name", sorted(OPS))
def test_local_grads_on_values_equal_local_grads_on_floats(name):
    """create_graph feeds Values through the same rule: it must give the same numbers."""
    for params, xs in op_cases(name):
        node = Value.apply(name, *xs, **params)
        as_floats = node.local_grads()
        as_values = node.op_spec.grads(node, *node.parents)
        for f, v in zip(as_floats, as_values, strict=True):
            assert math.isclose(f, getattr(v, "data", v), rel_tol=1e-12, abs_tol=1e-300)


@pytest.mark.parametrize("name", sorted(OPS))
def test_every_op_explains_itself(name):
    op = OPS[name]
    assert op.formula and op.rules and op.symbol
    assert op.rule(0) and op.input_name(0)


def test_builtins_cannot_be_replaced():
    from autograd import define_op

    with pytest.raises(ValueError, match="built in"):
        define_op("tanh", math.tanh, lambda out, a: (1.0,), "1")
