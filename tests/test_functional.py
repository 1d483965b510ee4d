"""softmax and log_softmax against hand-computed values, mpmath, and their Jacobian."""

import math

import pytest

from autograd import Value, grad
from nn import log_softmax, softmax


def test_softmax_by_hand():
    # exp(log 1), exp(log 2), exp(log 5) over 8
    zs = [Value(math.log(k)) for k in (1.0, 2.0, 5.0)]
    s = softmax(zs)
    for got, want in zip(s, (1 / 8, 2 / 8, 5 / 8), strict=True):
        assert math.isclose(got.data, want, rel_tol=1e-15)
    # the Jacobian by hand: ∂sᵢ/∂zⱼ = sᵢ·(δᵢⱼ - sⱼ)
    probabilities = (1 / 8, 2 / 8, 5 / 8)
    for i, si in enumerate(s):
        for j, dz in enumerate(grad(si, zs)):
            want = probabilities[i] * ((i == j) - probabilities[j])
            assert math.isclose(dz, want, rel_tol=1e-14, abs_tol=1e-17), (i, j)


def test_log_softmax_by_hand_and_its_gradient_is_one_hot_minus_softmax():
    zs = [Value(math.log(k)) for k in (1.0, 2.0, 5.0)]
    out = log_softmax(zs)
    for got, k in zip(out, (1, 2, 5), strict=True):
        assert math.isclose(got.data, math.log(k / 8), rel_tol=1e-15)
    # ∂(log sₖ)/∂zⱼ = δₖⱼ - sⱼ
    for dz, want in zip(grad(out[2], zs), (-1 / 8, -2 / 8, 1 - 5 / 8), strict=True):
        assert math.isclose(dz, want, rel_tol=1e-14)


def test_huge_logits_neither_overflow_nor_lose_the_small_ones():
    zs = [Value(1000.0), Value(1001.0), Value(-1000.0)]
    s = [v.data for v in softmax(zs)]
    e = math.exp(-1.0)  # by hand: shift by 1001
    assert s == pytest.approx([e / (1 + e), 1 / (1 + e), 0.0], rel=1e-15, abs=0)
    logs = [v.data for v in log_softmax(zs)]
    log_sum = math.log1p(e)  # log(exp(-1) + 1 + exp(-2001))
    assert logs == pytest.approx([-1 - log_sum, -log_sum, -2001 - log_sum], rel=1e-15)


def test_log_softmax_against_mpmath():
    mpmath = pytest.importorskip("mpmath", reason="mpmath (in the dev extra) is the reference")
    rows = [[0.3, -1.2, 2.0, 0.7], [5.0, -3.0], [18.200703248772136, -21.450336365470534, 2.5]]
    for zs in rows:
        with mpmath.mp.workdps(40):
            log_sum = mpmath.log(mpmath.fsum(mpmath.exp(mpmath.mpf(z)) for z in zs))
            want = [float(mpmath.mpf(z) - log_sum) for z in zs]
        got = [v.data for v in log_softmax([Value(z) for z in zs])]
        for g, w in zip(got, want, strict=True):
            # as PyTorch's: log Σ exp(zⱼ - m) rounds the sum (>= 1) once, so the error
            # is 1e-16 at most in absolute terms, also where softmax is 1 - 1.6e-7
            assert abs(g - w) <= 1e-13 * abs(w) + 4e-16, (zs, g, w)


def test_numbers_mix_with_values_and_bad_input_is_named():
    assert [v.data for v in softmax([0.0, Value(0.0)])] == [0.5, 0.5]
    with pytest.raises(TypeError, match="softmax takes a non-empty list of Values"):
        softmax([])
    with pytest.raises(TypeError, match="log_softmax takes a non-empty list"):
        log_softmax(Value(1.0))
    with pytest.raises(TypeError, match="softmax: item 1 is str"):
        softmax([Value(1.0), "2"])
