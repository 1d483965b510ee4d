"""The op table: each built-in op's forward on floats and on arrays, and its local
derivatives, written once.

Every reader of an op (backward, the gradient checker, the stepper, the diagrams, the
replay, the ONNX export) looks it up here. Local derivatives are written with arithmetic
and the functions of ``autograd.elementary``, so they work on floats (ordinary backward),
on Values (``create_graph``), on numpy arrays (the replay) and on ONNX symbols (the
export). An array form given as a string names a numpy function. What an entry is, and
``define_op``, are in ``autograd.op``.
"""

from __future__ import annotations

import math
from operator import mul

from autograd.elementary import (
    ARRAY_FORMS,
    SQRT_HALF,
    above_zero,
    clamped_log,
    clamped_log1p,
    function,
    gauss,
    hypot_of,
    inside,
    is_graph,
    log_of,
    normal_cdf,
    not_zero,
    ratio,
    sigmoid,
    sigmoid_of,
    sign_of,
    step,
)
from autograd.op import (
    BOUND_KEPT,
    OPS,
    Kink,
    Op,
    bound,
    define_op,
    fixed_rule,
    is_array,
    partners_rule,
    primal,
    step_rule,
)

__all__ = [
    "BOUND_KEPT", "OPS", "Kink", "Op", "bound", "define_op", "fixed_rule", "is_array",
    "partners_rule", "primal", "step_rule",
]



def _builtin(name, forward, local_grads, formula, rules, inputs=("a", "b"), *, array,
             symbol="", variadic=False, micrograd="", kink=None) -> Op:
    arity = None if variadic else len(inputs)
    op = Op(name, forward, local_grads, formula, rules, inputs, symbol, arity, True,
            micrograd=micrograd, kink=kink, array=array)
    OPS[name] = op
    return op


_TOO_LARGE = "the result is larger than the largest float (about 1.8e308)"


# -- arithmetic ----------------------------------------------------------------


def _div(a, b):
    if b != 0:  # a call to a checker costs as much as the division
        return a / b
    raise ZeroDivisionError("division by zero")


def _pow(a, *, k):
    if a == 0 and k < 0:
        raise ZeroDivisionError(f"0 to the negative power {k} is infinite")
    if a < 0 and not float(k).is_integer():
        raise ValueError(f"a negative base to the non-integer power {k} is not a real number")
    try:
        return a**k
    except OverflowError:
        raise OverflowError(_TOO_LARGE) from None


def _vpow(a, b):
    return _pow(a, k=b)


# At base 0 the rules take the limits PyTorch, JAX and HIPS autograd take: a**0 is 1
# for every a, so its slope toward a is 0 (k·a^(k-1) would divide by 0); and the
# slope of 0**b toward b is 0, as 0**b is 0 for every b > 0.


def _pow_grads(out, a, *, k):
    if k == 0:
        return (0.0,)
    if k < 1 and not is_array(a) and primal(a) == 0:
        raise ZeroDivisionError(
            f"the slope k·a^(k-1) of a**{k} is infinite at a = 0 (k - 1 = {k - 1} < 0); "
            "keep a away from 0 (add a small constant) or use a power of at least 1"
        )
    return (k * a ** (k - 1),)


def _vpow_grads(out, a, b):
    base = primal(a)
    if base > 0:
        d_exponent = out * log_of(a)
    elif base == 0:
        d_exponent = 0.0
    else:
        raise ValueError(
            f"the derivative of a**b toward b needs a positive base, got a={base}; "
            "if the exponent is a constant, write it as a plain number"
        )
    if base == 0 and primal(b) == 0:
        return 0.0, d_exponent
    if base > 0 and is_graph(a):  # a^(b-1)'s own slope a^(b-2) overflows at a = 1e-300
        return (b / a) * out, d_exponent
    return b * a ** (b - 1), d_exponent


def _rpow_grads(out, a, *, base):
    if base < 0:
        raise ValueError(
            f"the derivative of {base}**a toward a needs a base >= 0: a negative base "
            "to a power is a real number only at whole powers"
        )
    return (out * math.log(base) if base > 0 else 0.0,)


_builtin("add", lambda a, b: a + b, lambda out, a, b: (1.0, 1.0), "a + b", ("1", "1"),
         symbol="+", array="add")
_builtin("sub", lambda a, b: a - b, lambda out, a, b: (1.0, -1.0), "a - b", ("1", "-1"),
         symbol="-", array="subtract")
_builtin("mul", mul, lambda out, a, b: (b, a), "a * b", ("b", "a"), symbol="*", array="multiply")
_builtin("div", _div, lambda out, a, b: (1 / b, -out / b), "a / b", ("1/b", "-a/b²"),
         symbol="/", array="divide")
_builtin("neg", lambda a: -a, lambda out, a: (-1.0,), "-a", ("-1",), ("a",), symbol="neg",
         array="negative")
_builtin("pow", _pow, _pow_grads, "a**k", ("k·a^(k-1)",), ("a",), symbol="**",
         micrograd="**{k}", array=lambda a, *, k: a**k)
_builtin("vpow", _vpow, _vpow_grads, "a**b", ("b·a^(b-1)", "out·log(a)"), symbol="**",
         array="power")
_builtin(  # a number to a Value's power: the base is a constant, and has no gradient
    "rpow", lambda a, *, base: _pow(base, k=a), _rpow_grads, "base**a",
    ("out·log(base) if base > 0 else 0",),
    ("a",), symbol="**", micrograd="{base}**", array=lambda a, *, base: base**a,
)


# -- elementary functions ------------------------------------------------------


def _log_forward(a):
    if a > 0:
        return math.log(a)
    raise ValueError("log is defined only for positive numbers")


def _sqrt_forward(a):
    if a >= 0:
        return math.sqrt(a)
    raise ValueError("sqrt is defined only for numbers >= 0")


def _exp_forward(a):
    try:
        return math.exp(a)
    except OverflowError:
        raise OverflowError(_TOO_LARGE) from None


def _softplus(a):
    return max(a, 0.0) + math.log1p(math.exp(-abs(a)))


def _softplus_array(a):
    import numpy as np

    return np.maximum(a, 0.0) + np.log1p(np.exp(-np.abs(a)))


_builtin("exp", _exp_forward, lambda out, a: (out,), "exp(a)", ("out",), ("a",), array="exp")
_builtin("log", _log_forward, lambda out, a: (1 / a,), "log(a)", ("1/a",), ("a",), array="log")
_builtin("sqrt", _sqrt_forward, lambda out, a: (0.5 / out,), "sqrt(a)", ("1/(2·out)",), ("a",),
         array="sqrt")
_builtin("tanh", math.tanh, lambda out, a: (1 - out * out,), "tanh(a)", ("1 - out²",), ("a",),
         array="tanh")
_builtin("sigmoid", sigmoid, lambda out, a: (out * (1 - out),), "σ(a)", ("out·(1 - out)",),
         ("a",), symbol="σ", micrograd="sigmoid", array=sigmoid_of)
_builtin("softplus", _softplus, lambda out, a: (sigmoid_of(a),), "log(1 + exp(a))", ("σ(a)",),
         ("a",), array=_softplus_array)


_BCE_EPS = 1e-12  # PyTorch's floor for p·(1 - p) in BCELoss's gradient


def _bce_forward(p, y):
    if not 0.0 <= p <= 1.0:
        raise ValueError(
            f"the probability p={p} is outside [0, 1]; for raw scores use bce_with_logits"
        )
    return _bce_array(p, y)


def _bce_array(p, y):
    return -(y * clamped_log(p) + (1 - y) * clamped_log1p(-p))


def _bce_grads(out, p, y):
    spread = p * (1 - p)
    if is_array(spread):
        import numpy as np

        spread = np.maximum(spread, _BCE_EPS)
    elif primal(spread) < _BCE_EPS:
        spread = _BCE_EPS
    return (p - y) / spread, clamped_log1p(-p) - clamped_log(p)


def _relu_array(a, out=None):
    import numpy as np

    return np.maximum(a, 0.0, out=out)


def _leaky_relu_array(a, *, slope):
    import numpy as np

    return np.where(a > 0, a, slope * a)


_builtin("binary_cross_entropy", _bce_forward, _bce_grads, "-(y·log(p) + (1 - y)·log(1 - p))",
         ("(p - y)/(p·(1 - p))", "log(1 - p) - log(p)"), ("p", "y"), symbol="BCE",
         array=_bce_array)
_builtin(
    "relu", lambda a: a if a > 0 else 0.0, lambda out, a: (above_zero(a, 1.0, 0.0),),
    "max(a, 0)", ("1 if a > 0 else 0",), ("a",), symbol="ReLU", array=_relu_array,
    kink=Kink(lambda a: a == 0, "a = 0", "0 as PyTorch's relu (the slopes are 0 and 1)"),
)
_builtin(
    "leaky_relu", lambda a, *, slope: a if a > 0 else slope * a,
    lambda out, a, *, slope: (above_zero(a, 1.0, slope),), "a if a > 0 else slope·a",
    ("1 if a > 0 else slope",), ("a",), symbol="LeakyReLU", array=_leaky_relu_array,
    kink=Kink(
        lambda a, *, slope: a == 0,
        "a = 0",
        "slope = {slope} as PyTorch's leaky_relu (the slopes are {slope} and 1)",
    ),
)
_builtin(
    "abs", abs, lambda out, a: (sign_of(a),), "|a|", ("sign(a)",), ("a",), array="absolute",
    kink=Kink(lambda a: a == 0, "a = 0", "0 as PyTorch's abs (the slopes are -1 and 1)"),
)


# -- fused n-ary ops: their array forms take the inputs stacked --------------------


def _dot(*xs):
    if len(xs) % 2:  # not a checker call: its message would be formatted on every call
        raise TypeError(f"dot takes (w, x) pairs, got {len(xs)} inputs")
    return sum(map(mul, xs[::2], xs[1::2]))


def _dot_grads(out, *xs):
    swapped = list(xs)
    swapped[::2] = xs[1::2]
    swapped[1::2] = xs[::2]
    return swapped


_builtin("sum", lambda *xs: sum(xs), lambda out, *xs: (1.0,) * len(xs), "Σ xᵢ", ("1",), ("xᵢ",),
         symbol="Σ", variadic=True, array=lambda xs: xs.sum(axis=0))
_builtin("dot", _dot, _dot_grads, "Σ wᵢ·xᵢ", ("xᵢ", "wᵢ"), ("wᵢ", "xᵢ"), symbol="·",
         variadic=True, array=lambda xs: (xs[0::2] * xs[1::2]).sum(axis=0))


# -- trigonometric, hyperbolic, logarithms and powers of other bases --------------

_sin, _cos, _sinh, _cosh = function("sin"), function("cos"), function("sinh"), function("cosh")
_exp, _sqrt = function("exp"), function("sqrt")


def _without_overflow(f):
    def run(a: float) -> float:
        try:
            return f(a)
        except OverflowError:
            raise OverflowError(_TOO_LARGE) from None

    return run


def _in_domain(f, ok, where: str):
    """``f``, refusing inputs outside its domain with a message saying where it is defined."""
    name = f.__name__

    def run(a: float) -> float:
        if not ok(a):
            raise ValueError(f"{name} is defined only for {where}")
        return f(a)

    return run


_LN2, _LN10 = math.log(2.0), math.log(10.0)
_unit = "numbers in [-1, 1]"


def _one_minus_square(a):
    """1 - a² as (1 - a)·(1 + a): exact near ±1; on a Value near 0, as 1 - a·a, whose
    slope -2a create_graph reads without (1 + a) - (1 - a) cancelling it away."""
    if is_graph(a) and abs(primal(a)) < 0.5:
        return 1 - a * a
    return (1 - a) * (1 + a)


def _atan_grads(out, a):
    if is_graph(a) and abs(primal(a)) > 1:  # 1/(1 + a²) as t²/(1 + t²), t = 1/a: a² overflows
        t = 1 / a
        return (t * t / (1 + t * t),)
    return (1 / (1 + a * a),)


def _hypot_share(a, b):
    """a/√(a² + b²) on Values, written so that its own slopes (b²/h³, -ab/h³) are products,
    not the difference 1/h - a²/h³, which loses the digits of b² where a dominates."""
    if abs(primal(a)) >= abs(primal(b)):
        return 0.0 if primal(a) == 0 else sign_of(a) / hypot_of(1.0, b / a)
    t = a / b
    return sign_of(b) * t / hypot_of(1.0, t)


def _hypot_grads(out, a, b):
    if is_graph(a) or is_graph(b):
        return _hypot_share(a, b), _hypot_share(b, a)
    return ratio(a, out), ratio(b, out)


def _atan2_grads(out, y, x):
    h = hypot_of(y, x)  # x/(x² + y²) as (x/h)/h: x² would overflow long before the result
    return ratio(ratio(x, h), h), ratio(ratio(-y, h), h)


_builtin("sin", math.sin, lambda out, a: (_cos(a),), "sin(a)", ("cos(a)",), ("a",), array="sin")
_builtin("cos", math.cos, lambda out, a: (-_sin(a),), "cos(a)", ("-sin(a)",), ("a",), array="cos")
_builtin("tan", math.tan, lambda out, a: (1 + out * out,), "tan(a)", ("1 + out²",), ("a",),
         array="tan")
_builtin("sinh", _without_overflow(math.sinh), lambda out, a: (_cosh(a),), "sinh(a)",
         ("cosh(a)",), ("a",), array="sinh")
_builtin("cosh", _without_overflow(math.cosh), lambda out, a: (_sinh(a),), "cosh(a)",
         ("sinh(a)",), ("a",), array="cosh")
_builtin(
    "asin", _in_domain(math.asin, lambda a: -1 <= a <= 1, _unit),
    lambda out, a: (1 / not_zero(_sqrt(_one_minus_square(a)), "a = ±1"),),
    "asin(a)", ("1/√(1 - a²)",), ("a",), array="arcsin",
)
_builtin(
    "acos", _in_domain(math.acos, lambda a: -1 <= a <= 1, _unit),
    lambda out, a: (-1 / not_zero(_sqrt(_one_minus_square(a)), "a = ±1"),),
    "acos(a)", ("-1/√(1 - a²)",), ("a",), array="arccos",
)
_builtin("atan", math.atan, _atan_grads, "atan(a)", ("1/(1 + a²)",),
         ("a",), array="arctan")
_builtin("atan2", math.atan2, _atan2_grads, "atan2(y, x)", ("x/(x² + y²)", "-y/(x² + y²)"),
         ("y", "x"), array="arctan2")
_builtin(
    "hypot", math.hypot,  # inf past the largest float: the Value refuses it
    _hypot_grads, "√(a² + b²)", ("a/out", "b/out"),
    array="hypot",
    kink=Kink(
        lambda a, b: a == 0 and b == 0,
        "a = b = 0",
        "0 toward both (PyTorch's hypot gives nan there)",
    ),
)
_builtin("log1p", _in_domain(math.log1p, lambda a: a > -1, "numbers > -1"),
         lambda out, a: (1 / (1 + a),), "log(1 + a)", ("1/(1 + a)",), ("a",),
         array="log1p")
_builtin(
    "expm1", _without_overflow(math.expm1),
    lambda out, a: (_exp(a),),  # not out + 1, which loses every digit where a << 0
    "exp(a) - 1", ("exp(a)",), ("a",), array="expm1",
)
_builtin("log2", _in_domain(math.log2, lambda a: a > 0, "positive numbers"),
         lambda out, a: (1 / (a * _LN2),), "log₂(a)", ("1/(a·ln 2)",), ("a",),
         array="log2")
_builtin("log10", _in_domain(math.log10, lambda a: a > 0, "positive numbers"),
         lambda out, a: (1 / (a * _LN10),), "log₁₀(a)", ("1/(a·ln 10)",), ("a",),
         array="log10")
_builtin("exp2", _without_overflow(lambda a: 2.0**a), lambda out, a: (out * _LN2,), "2**a",
         ("out·ln 2",), ("a",), array="exp2")


# -- steps and corners: sign, max, min, clamp ------------------------------------


def _clamp_array(a, *, lo, hi):
    import numpy as np

    return np.minimum(np.maximum(a, lo), hi)


_builtin(
    "sign", sign_of, lambda out, a: (0.0,), "sign(a)", ("0",), ("a",), array="sign",
    kink=Kink(lambda a: a == 0, "a = 0", "0 as PyTorch's sign (sign jumps from -1 to 1)"),
)
_TIE = Kink(lambda a, b: a == b, "a = b", "½ toward each input, as torch.maximum/minimum")
_builtin(
    "max", lambda a, b: a if a >= b else b, lambda out, a, b: (step(a, b), step(b, a)),
    "max(a, b)", ("1 if a > b, ½ if a = b, else 0", "1 if b > a, ½ if a = b, else 0"),
    kink=_TIE, array="maximum",
)
_builtin(
    "min", lambda a, b: a if a <= b else b, lambda out, a, b: (step(b, a), step(a, b)),
    "min(a, b)", ("1 if a < b, ½ if a = b, else 0", "1 if b < a, ½ if a = b, else 0"),
    kink=_TIE, array="minimum",
)
_builtin(
    "clamp", lambda a, *, lo, hi: min(max(a, lo), hi),  # PyTorch's order: lo > hi gives hi
    lambda out, a, *, lo, hi: (inside(a, lo, hi),), "min(max(a, lo), hi)",
    ("1 if lo ≤ a ≤ hi else 0",), ("a",), array=_clamp_array,
    kink=Kink(
        lambda a, *, lo, hi: a in (lo, hi),
        "a = lo or hi",
        "1 as PyTorch's clamp (a bound counts as inside; the slopes are 0 and 1)",
    ),
)


# -- smooth activations: erf, gelu, silu -------------------------------------------

_TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)


def _gelu(a):
    return a * (0.5 * math.erfc(-a * SQRT_HALF))


def _silu(a):
    return a * sigmoid(a)


def _silu_grads(out, a):
    s = sigmoid_of(a)
    return (s * (1 + a * (1 - s)),)


_builtin("erf", math.erf, lambda out, a: (_TWO_OVER_SQRT_PI * gauss(a),), "erf(a)",
         ("2/√π·exp(-a²)",), ("a",), array=ARRAY_FORMS["erf"])
_builtin("erfc", math.erfc, lambda out, a: (-_TWO_OVER_SQRT_PI * gauss(a),),
         "1 - erf(a)", ("-2/√π·exp(-a²)",), ("a",), array=ARRAY_FORMS["erfc"])
_builtin(
    "gelu", _gelu,
    lambda out, a: (normal_cdf(a) + a * gauss(a, 0.5) * _INV_SQRT_2PI,),
    "a·Φ(a)", ("Φ(a) + a·φ(a)",), ("a",), symbol="GELU", array=lambda a: a * normal_cdf(a),
)
_builtin("silu", _silu, _silu_grads, "a·σ(a)", ("σ(a)·(1 + a·(1 - σ(a)))",), ("a",),
         symbol="SiLU", array=lambda a: a * sigmoid_of(a))
