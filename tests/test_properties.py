"""Random expression graphs: backward equals numeric derivatives, reuse sums over paths."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import Value
from tests.helpers import close, numeric_partials

# Each step combines earlier nodes with an op that stays finite on any real input.
STEPS = {
    "add": (2, lambda a, b: a + b),
    "sub": (2, lambda a, b: a - b),
    "tanh_mul": (2, lambda a, b: (a * b).tanh()),
    "ratio": (2, lambda a, b: a / (1 + b * b)),
    "sigmoid": (1, lambda a: a.sigmoid()),
    "exp_tanh": (1, lambda a: a.tanh().exp()),
    "log_1p_sq": (1, lambda a: (1 + a * a).log()),
    "neg": (1, lambda a: -a),
    "square": (1, lambda a: a**2),
}
# The same steps on plain floats, written independently, for the numeric side.
FLOAT_STEPS = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "tanh_mul": lambda a, b: math.tanh(a * b),
    "ratio": lambda a, b: a / (1 + b * b),
    "sigmoid": lambda a: 1 / (1 + math.exp(-a)),
    "exp_tanh": lambda a: math.exp(math.tanh(a)),
    "log_1p_sq": lambda a: math.log(1 + a * a),
    "neg": lambda a: -a,
    "square": lambda a: a * a,
}

N_LEAVES = 3


@st.composite
def programs(draw):
    """A list of (step, operand indices); operands index leaves then earlier steps."""
    program = []
    for i in range(draw(st.integers(1, 12))):
        name = draw(st.sampled_from(sorted(STEPS)))
        arity = STEPS[name][0]
        operands = tuple(draw(st.integers(0, N_LEAVES + i - 1)) for _ in range(arity))
        program.append((name, operands))
    return program


leaf_values = st.lists(st.floats(-2, 2, allow_nan=False), min_size=N_LEAVES, max_size=N_LEAVES)


def run(program, leaves, steps, replace=None):
    """Evaluate; ``replace[(step, slot)]`` overrides one operand of one step."""
    nodes = list(leaves)
    for i, (name, operands) in enumerate(program):
        args = [nodes[j] for j in operands]
        for slot in range(len(args)):
            if replace and (i, slot) in replace:
                args[slot] = replace[(i, slot)]
        nodes.append(steps[name][1](*args) if steps is STEPS else steps[name](*args))
    return nodes


def output(nodes):
    """The sum of every step's node, so every step reaches the root."""
    total = nodes[N_LEAVES]
    for node in nodes[N_LEAVES + 1 :]:
        total = total + node
    return total


@settings(max_examples=150, deadline=None)
@given(programs(), leaf_values)
def test_backward_equals_numeric_derivatives(program, xs):
    leaves = [Value(x) for x in xs]
    output(run(program, leaves, STEPS)).backward()
    numeric = numeric_partials(lambda *v: output(run(program, v, FLOAT_STEPS)), xs)
    for leaf, want in zip(leaves, numeric, strict=True):
        assert close(leaf.grad, want, rel=1e-4, abs_=1e-5), (leaf.grad, want)


@settings(max_examples=150, deadline=None)
@given(programs(), leaf_values, st.data())
def test_reused_node_gets_the_sum_over_its_uses(program, xs, data):
    nodes = run(program, [Value(x) for x in xs], STEPS)
    uses = [(i, s, j) for i, (_, ops) in enumerate(program) for s, j in enumerate(ops)]
    shared = data.draw(st.sampled_from(uses))[2]
    output(nodes).backward()

    # Cut every use of the shared node into its own leaf: each gets one path's share.
    copies = {(i, s): Value(nodes[shared].data) for i, s, j in uses if j == shared}
    cut = run(program, [Value(x) for x in xs], STEPS, replace=copies)
    output(cut).backward()
    through_uses = sum(c.grad for c in copies.values())
    assert close(nodes[shared].grad - (shared >= N_LEAVES), through_uses, 1e-9, 1e-12)
