"""The op table's rules and their derivatives keep their digits: checked against mpmath.

create_graph differentiates each rule once more, so a rule's form matters twice: its
value and its own slopes must both be accurate, and finite wherever the exact answer is.
"""

from __future__ import annotations

import pytest

from autograd import OPS, Value
from autograd.check.higher import hessian

mp = pytest.importorskip("mpmath", reason="mpmath is a test dependency: pip install mpmath")
mp.mp.dps = 80


def relative(got: float, want) -> float:
    want = float(want)
    if want == 0.0:
        return abs(got)
    return abs(got - want) / abs(want)


@pytest.mark.parametrize("x", [1e-17, -3e-12, 1e-8, 0.3, -0.49, 0.5, 0.9, -0.99999999])
def test_second_derivatives_of_asin_and_acos(x):
    """asin'' = a/(1 - a²)^(3/2): near 0 its slope -2a was lost in (1 + a) - (1 - a)."""
    a = mp.mpf(x)
    want = a / (1 - a * a) ** mp.mpf(1.5)
    assert relative(hessian(lambda v: v.asin(), [x])[0][0], want) <= 1e-15
    assert relative(hessian(lambda v: v.acos(), [x])[0][0], -want) <= 1e-15


@pytest.mark.parametrize("a, b", [(1e4, 1e-3), (3.0, 1e-6), (-1e-3, 1e4), (2.0, -3.0), (1e-200, 1)])
def test_the_hessian_of_hypot_where_one_input_dominates(a, b):
    """∂²h/∂a² = b²/h³: written as 1/h - a²/h³ it lost 3e-5 of its digits (torch 2e-6)."""
    x, y = mp.mpf(a), mp.mpf(b)
    h3 = mp.hypot(x, y) ** 3
    want = [[y * y / h3, -x * y / h3], [-x * y / h3, x * x / h3]]
    got = hessian(lambda p, q: p.hypot(q), [a, b])
    for i in range(2):
        for j in range(2):
            assert relative(got[i][j], want[i][j]) <= 1e-15, (i, j, got[i][j], float(want[i][j]))


def _second(name: str, a):
    """The exact second derivative of a one-input op, in mpmath."""
    phi = mp.exp(-a * a / 2) / mp.sqrt(2 * mp.pi)
    return {
        "atan": -2 * a / (1 + a * a) ** 2,
        "erf": -4 * a / mp.sqrt(mp.pi) * mp.exp(-a * a),
        "erfc": 4 * a / mp.sqrt(mp.pi) * mp.exp(-a * a),
        "gelu": phi * (2 - a * a),
    }[name]


@pytest.mark.parametrize("name", ["atan", "erf", "erfc", "gelu"])
@pytest.mark.parametrize("x", [1e300, -1e300, 1e160, -45.0, -3.0, 0.7, 2.0, 27.0, 1e10])
def test_hessians_are_finite_where_the_exact_answer_is(name, x):
    """At ±1e300 a² overflows: the rule's form must not compute it where the answer is 0."""
    got = hessian(lambda v: Value.apply(name, v), [x])[0][0]
    want = _second(name, mp.mpf(x))
    assert relative(got, want) <= 1e-14 or abs(got - float(want)) <= 1e-300, (got, want)


def test_the_hessian_of_a_power_at_tiny_base_and_exponent():
    """a**b at (1e-300, 1e-300): b(b-1)·a^(b-2) is -1e300, finite, though a^(b-2) is not."""
    a = b = mp.mpf(1e-300)
    out = a**b
    want = [
        [b * (b - 1) * out / (a * a), out / a * (1 + b * mp.log(a))],
        [out / a * (1 + b * mp.log(a)), out * mp.log(a) ** 2],
    ]
    got = hessian(lambda p, q: p**q, [1e-300, 1e-300])
    for i in range(2):
        for j in range(2):
            assert relative(got[i][j], want[i][j]) <= 1e-15, (i, j, got[i][j], float(want[i][j]))


@pytest.mark.parametrize("p", [1e-8, 1e-12, 3e-5, 0.25])
def test_binary_cross_entropy_reads_log_1_minus_p_with_log1p(p):
    """-log(1 - p) at p = 1e-8 lost 5e-9 of its digits through the rounding of 1 - p."""
    bce = OPS["binary_cross_entropy"]
    x = mp.mpf(p)
    assert relative(bce.run(p, 0.0), -mp.log(1 - x)) <= 1e-15
    out = bce.run(p, 0.3)
    toward_y = bce.grads(out, p, 0.3)[1]
    assert relative(toward_y, mp.log(1 - x) - mp.log(x)) <= 1e-15
