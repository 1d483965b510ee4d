"""Optimizer steps against hand-computed numbers."""

import math

import pytest

from autograd import Value
from nn import SGD, Adam


def _step(opt, p, g):
    p.grad = g
    opt.step()
    return p.data


def test_plain_sgd():
    p = Value(1.0)
    assert _step(SGD([p], lr=0.1), p, 0.5) == 0.95


def test_momentum_by_hand():
    # v1 = g1 = 0.5, p = 1 - 0.05; v2 = 0.9·0.5 + 0.5 = 0.95, p = 0.95 - 0.095
    p = Value(1.0)
    opt = SGD([p], lr=0.1, momentum=0.9)
    assert _step(opt, p, 0.5) == pytest.approx(0.95, abs=1e-15)
    assert _step(opt, p, 0.5) == pytest.approx(0.855, abs=1e-15)
    opt.reset()
    assert _step(opt, p, 0.5) == pytest.approx(0.805, abs=1e-15)


def test_nesterov_by_hand():
    # step 1: v = 0.5, uses 0.5 + 0.9·0.5 = 0.95; step 2: v = 0.95, uses 0.5 + 0.855 = 1.355
    p = Value(1.0)
    opt = SGD([p], lr=0.1, momentum=0.9, nesterov=True)
    assert _step(opt, p, 0.5) == pytest.approx(0.905, abs=1e-15)
    assert _step(opt, p, 0.5) == pytest.approx(0.7695, abs=1e-15)


def test_adam_by_hand():
    p = Value(1.0)
    opt = Adam([p], lr=0.1)
    # t = 1: m = 0.05, v = 0.00025; m̂ = 0.5, v̂ = 0.25; step 0.1 · 0.5 / (0.5 + 1e-8)
    assert _step(opt, p, 0.5) == pytest.approx(1 - 0.1 * 0.5 / (0.5 + 1e-8), abs=1e-15)
    # t = 2, g = -1: m = 0.045 - 0.1 = -0.055, v = 0.00024975 + 0.001 = 0.00124975
    m_hat, v_hat = -0.055 / 0.19, 0.00124975 / 0.001999
    want = 0.9000000020 - 0.1 * m_hat / (math.sqrt(v_hat) + 1e-8)
    assert _step(opt, p, -1.0) == pytest.approx(want, abs=1e-9)
    assert opt.t == 2


def test_zero_grad_and_bad_arguments():
    p = Value(1.0)
    p.grad = 3.0
    SGD([p]).zero_grad()
    assert p.grad == 0.0
    with pytest.raises(ValueError, match="no parameters"):
        SGD([])
    with pytest.raises(ValueError, match="lr must be > 0"):
        Adam([p], lr=0)
    with pytest.raises(ValueError, match="nesterov needs a momentum"):
        SGD([p], nesterov=True)
    with pytest.raises(ValueError, match="betas"):
        Adam([p], betas=(0.9, 1.0))
    p.grad = math.inf
    with pytest.raises(ValueError, match="parameter 0 has gradient inf"):
        SGD([p]).step()


def test_updates_record_no_graph():
    p = Value(1.0)
    loss = p * p
    loss.backward()
    SGD([p], lr=0.1).step()
    assert p.is_leaf and p.data == 0.8
