"""Errors a careful user meets, each naming the op or value and saying what to do."""

import math

import pytest

from autograd import Value, define_op, grad, trace
from autograd.replay.tape import TapeMismatch


def test_grad_of_a_plain_number_says_the_output_must_be_a_value():
    x = Value(2.0)
    with pytest.raises(TypeError, match=r"grad: the output must be a Value .* got float 1.0"):
        grad(1.0, x)
    with pytest.raises(TypeError, match=r"grad: input 1 is float 2.0, not a Value"):
        grad(x * x, [x, 2.0])
    with pytest.raises(TypeError, match=r"grad: inputs must be a Value or a list of Values"):
        grad(x * x, 2.0)
    assert grad(x * x, (x,)) == [4.0]  # a tuple of Values is still fine: d(x²)/dx = 2x


def test_trace_of_a_function_returning_a_number_names_what_it_returned():
    with pytest.raises(TypeError, match=r"must return a Value or a list of Values, got float 3.0"):
        trace(lambda x: 3.0, 1.0)
    with pytest.raises(TypeError, match=r"got list \[.*, 2.0\]"):
        trace(lambda x: [x * 2, 2.0], 1.0)


def test_a_tape_mismatch_on_a_changed_exponent_shows_both_exponents():
    def f(x):  # the exponent is a number computed from the data
        return x ** (2 if x.data > 0 else 3)

    tape = trace(f, 1.0)
    with pytest.raises(TapeMismatch, match=r"was pow \(k=2\) of nodes \[0\] .* is pow \(k=3\)"):
        tape.verify(-1.0)
    tape.verify(5.0)  # the same exponent: no mismatch


@pytest.mark.parametrize("how", ["backward", "grad", "create_graph"])
def test_pows_infinite_slope_at_zero_names_the_exponent(how):
    x = Value(0.0)
    y = x**0.5
    words = r"derivative of pow\(0.0\) with k=0.5: the slope .* of a\*\*0.5 is infinite at a = 0"
    with pytest.raises(ZeroDivisionError, match=words):
        if how == "backward":
            y.backward()
        else:
            grad(y, x, create_graph=how == "create_graph")


def test_pow_at_zero_with_a_power_of_at_least_one_still_differentiates():
    x = Value(0.0)
    assert grad(x**1.5, x) == 0.0 and grad(x**1, x) == 1.0  # k·0^(k-1) by hand


def test_a_number_too_large_for_a_float_says_so():
    with pytest.raises(OverflowError, match=r"Value\(\) got an int of 1329 bits, too large"):
        Value(10**400)
    assert (10**400).bit_length() == 1329
    with pytest.raises(OverflowError, match=r"the exponent got an int of .* too large"):
        Value(2.0) ** (10**400)
    assert Value(10**300).data == 1e300  # large but a float: kept


def test_a_user_op_returning_a_complex_number_is_named():
    define_op("csqrt", lambda a: (a + 0j) ** 0.5, lambda out, a: (0.5 / out,), "1/(2·out)")
    with pytest.raises(TypeError, match=r"csqrt\(4.0\) gives the complex number \(2\+0j\)"):
        Value.apply("csqrt", 4.0)  # 2+0j is still a complex number
    with pytest.raises(TypeError, match=r"csqrt\(-1.0\) gives the complex number .*1j\)"):
        Value.apply("csqrt", Value(-1.0))
    define_op("nothing", lambda a: None, lambda out, a: (1.0,), "1")
    with pytest.raises(TypeError, match=r"nothing\(2.0\) gives NoneType None; .* return a float"):
        Value.apply("nothing", 2.0)
    define_op("cslope", lambda a: 2 * a, lambda out, a: (2j,), "2")
    with pytest.raises(TypeError, match=r"returned complex 2j .* must be a real number"):
        Value.apply("cslope", Value(1.0)).backward()


def test_a_non_finite_result_still_names_the_op_and_its_parameter():
    with pytest.raises(OverflowError, match=r"pow\(1e\+200\) with k=2: the result is larger"):
        Value(1e200) ** 2
    with pytest.raises(OverflowError, match=r"pow\(1e\+200\) with k=2.0: the result is larger"):
        Value(1e200) ** 2.0
    assert math.isfinite((Value(1e100) ** 2).data)
