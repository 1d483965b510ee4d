"""A chain of additions on the narrow rows (micrograd's ``sum(p * p for p in params)``)
replays as one running sum: few groups, the scalar engine's numbers."""

from __future__ import annotations

import numpy as np
import pytest

from autograd import Value
from autograd.replay.tape import trace
from autograd.replay.tape_groups import Chain
from nn import MLP, l2_penalty


def _scalar_rows(f, rows, params):
    """Outputs per row and the params' grads summed over the rows, on the scalar engine."""
    for p in params:
        p.grad = 0.0
    outs = []
    for row in rows:
        out = f([Value(a) for a in row[:-1]], Value(row[-1]))
        out.backward()
        outs.append(out.data)
    return np.array(outs), np.array([p.grad for p in params])


def test_the_notebooks_l2_term_is_one_group_with_the_scalar_engines_numbers():
    model = MLP(2, [16, 16, 1], rng=1)
    params = model.parameters()

    def notebook(xs, t):
        return (1 - model(xs) * t).relu() + 1e-4 * sum(p * p for p in params)

    def ours(xs, t):
        return (1 - model(xs) * t).relu() + l2_penalty(params, 1e-4)

    tape = trace(notebook, [0.1, 0.2], 1.0)
    chains = [g for g in tape.groups if isinstance(g, Chain)]
    assert len(chains) == 1 and len(chains[0].ids) == len(params)  # 0 + p0², then + pᵢ²
    assert len(tape.groups) <= len(trace(ours, [0.1, 0.2], 1.0).groups) + 1  # was 351
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(7, 2)), np.sign(rng.normal(size=7))
    out = tape.forward(x, y)
    for p in params:
        p.grad = 0.0
    tape.backward()
    grads = np.array([p.grad for p in params])
    want_out, want_grads = _scalar_rows(lambda xs, t: notebook(xs, t), np.c_[x, y], params)
    np.testing.assert_allclose(out, want_out, rtol=1e-12, atol=0)
    np.testing.assert_allclose(grads, want_grads, rtol=1e-12, atol=1e-300)


def test_the_running_sum_adds_in_the_scalar_order_so_its_number_is_the_same():
    rng = np.random.default_rng(0)
    ws = [Value(float(v)) for v in rng.normal(scale=[1e-8, 1.0, 1e8] * 20)]
    tape = trace(lambda x: [x * ws[0], sum(w * w for w in ws)], 0.5)
    out = tape.forward(np.array([0.5, 2.0]))
    by_hand = 0
    for w in ws:
        by_hand = by_hand + w.data * w.data  # Python's floats, left to right
    assert out[:, 1].tolist() == [by_hand, by_hand]
    tape.backward(np.array([[0.0, 0.25], [0.0, 0.5]]))
    assert [w.grad for w in ws[1:]] == [2 * w.data * 0.75 for w in ws[1:]]


def test_terms_on_either_side_repeated_or_read_elsewhere():
    a, b, c = Value(1.5), Value(-2.0), Value(0.25)

    def f(x):
        s = a + b  # first node: two terms
        s = c * c + s  # the running sum on the right
        s = s + a  # a again
        mid = s * 1.0
        s = s + b * b  # s is read twice here: the run stops at mid's parent
        s = s + c
        return [x * s, mid + x]

    tape = trace(f, 1.0)
    runs = [len(g.ids) for g in tape.groups if isinstance(g, Chain)]
    assert sorted(runs) == [2, 3]  # s + b², then + c; a + b, + c², + a
    tape.forward(np.array([2.0, -1.0]))
    for v in (a, b, c):
        v.grad = 0.0
    tape.backward()
    replayed = [a.grad, b.grad, c.grad]
    for v in (a, b, c):
        v.grad = 0.0
    for x in (2.0, -1.0):
        for out in f(Value(x)):
            out.backward()
    assert replayed == pytest.approx([a.grad, b.grad, c.grad], rel=1e-12)


def test_an_overflow_in_the_chain_names_the_addition():
    big = [Value(1.0), Value(1.0), Value(1.0)]
    tape = trace(lambda x: x + sum(big), 1.0)
    big[0].data = big[1].data = 1e308  # the parameters moved after the trace
    with pytest.raises(FloatingPointError, match=r"add\(1e\+308, 1e\+308\) at node"):
        tape.forward(np.array([1.0]))
