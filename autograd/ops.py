"""The op table: each op's forward function and local derivatives, written once.

Every reader of an op (backward, the gradient checker, the stepper, the diagrams)
looks it up here. Local derivatives are written with arithmetic and the helpers
below, so they work on floats (ordinary backward) and on Values (``create_graph``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache, partial
from itertools import chain
from operator import mul
from typing import Any

__all__ = ["ARRAY_FORMS", "OPS", "Kink", "Op", "define_op", "primal"]


def primal(x: Any) -> float:
    """The plain float behind ``x`` (a Value's data, or ``x`` itself)."""
    return x if _is_array(x) or not hasattr(x, "data") else x.data


_PROBES = (0.37, -2.9, 1e-3, 7.5e6, -0.0)


def fixed_rule(op: Op, arity: int) -> tuple[float, ...] | None:
    """The local derivatives of a built-in op whose rule gives the same floats wherever
    it is run (add's 1.0 and 1.0), checked at five points; else None. A check of an op
    known to have this form, not a detector: max's rule, say, is constant over a region."""
    try:
        at = {tuple(op.grads(x, *(x * (j + 1.5) for j in range(arity)))) for x in _PROBES}
    except (TypeError, ValueError, ArithmeticError):
        return None
    (first, *rest) = at
    fixed = not rest and all(type(d) is float for d in first)
    return first if op.builtin and fixed else None


def partners_rule(op: Op, arity: int) -> bool:
    """True when a built-in op's rule gives each input its partner's value (mul's b and a),
    checked at five points of distinct inputs; a check of an op known to have this form."""
    for x in _PROBES[:4]:
        inputs = [x * (j + 1.5) for j in range(arity)]
        try:
            rule = list(op.grads(x, *inputs))
        except (TypeError, ValueError, ArithmeticError):
            return False
        if rule != [inputs[j ^ 1] for j in range(arity)]:
            return False
    return op.builtin


def _is_array(x: Any) -> bool:
    """True for a numpy array: the batched replay evaluates these rules on arrays."""
    return hasattr(x, "ndim")


def _above_zero(a: Any, then: Any, otherwise: Any) -> Any:
    """``then`` where a > 0, else ``otherwise``, for a float, a Value or an array."""
    if type(a) is float:  # backward's case, node after node
        return then if a > 0 else otherwise
    if _is_array(a):
        # m·then + (not m)·otherwise is exact (one term is 0) and, on numbers,
        # ten times faster than np.where, which mispredicts a branch per element.
        above = a > 0
        if otherwise == 0:  # a cast where then is 1 (relu): the same numbers, 1.5x faster
            return above.astype(float) if type(then) is float and then == 1 else above * then
        return above * then + ~above * otherwise
    return then if primal(a) > 0 else otherwise


def _log(x: Any) -> Any:
    return math.log(x) if isinstance(x, (int, float)) else x.log()


def _domain(ok: bool, message: str, error: type[Exception] = ValueError) -> None:
    if not ok:
        raise error(message)


@dataclass(frozen=True)
class Kink:
    """Where an op has a corner or a jump, and the derivative taken there.

    ``at(*inputs, **params)`` is True exactly at the kink; ``where`` says where it is,
    in the rules' names, and ``convention`` which value (PyTorch's) the rule gives
    there, naming the op's params in braces: ``{slope}``.
    """

    at: Callable[..., bool]
    where: str
    convention: str


@dataclass(frozen=True, eq=False)
class Op:
    """One differentiable operation.

    ``forward(*inputs, **params)`` gives the output; ``local_grads(out, *inputs,
    **params)`` gives ∂out/∂input for each input. ``rules`` and ``inputs`` name
    those partials for people, one per input slot, repeating for n-ary ops.
    ``micrograd`` is micrograd's ``_op`` string for it (``symbol`` if not given),
    with the params written in: ``**{k}`` gives ``**2``.
    """

    name: str
    forward: Callable[..., float]
    local_grads: Callable[..., Sequence[Any]]
    formula: str
    rules: tuple[str, ...]
    inputs: tuple[str, ...] = ("a", "b")
    symbol: str = ""
    arity: int | None = None
    builtin: bool = False
    params: dict[str, float] = field(default_factory=dict)
    micrograd: str = ""
    kink: Kink | None = None

    label = ""  # set only on the copies that ``labelled`` makes
    origin: tuple | None = None  # set only on the copies that ``from_rule`` makes

    def __post_init__(self) -> None:
        if not self.symbol:
            object.__setattr__(self, "symbol", self.name)
        if not self.micrograd:
            object.__setattr__(self, "micrograd", self.symbol)
        self.__dict__.update(_callables(self))

    def labelled(self, label: str) -> Op:
        """This op carrying a node's name: a labelled node keeps its label here.

        A node holds its op in any case, so a name that rides on a copy of the
        op costs a Value no slot of its own. The copy runs and differentiates
        as the op does; ``unlabelled`` leads back to the table's entry.
        """
        plain = self.unlabelled
        if not label and not self.origin:
            return plain
        copy = object.__new__(Op)
        copy.__dict__.update(plain.__dict__, label=label, unlabelled=plain, origin=self.origin)
        return copy

    def from_rule(self, origin: tuple) -> Op:
        """This op carrying where a node ``create_graph`` made came from: (kind, the op
        whose rule it is, slot), which ``autograd.explain.describe.origin`` writes out. Like a
        label, it costs the node no slot."""
        fields = self.__dict__.copy()  # a copy, then one key: half the time of update()
        fields["origin"] = origin
        copy = object.__new__(Op)
        object.__setattr__(copy, "__dict__", fields)
        return copy

    def bind(self, **params: float) -> Op:
        """This op with its constant parameters (an exponent, a slope) filled in."""
        if not params:
            return self
        return bound_op(self, *chain.from_iterable(sorted(params.items())))

    def input_name(self, slot: int) -> str:
        """How the rules name the input in ``slot`` (``a``, ``b``, ``xᵢ`` ...)."""
        return self.inputs[slot % len(self.inputs)]

    def rule(self, slot: int) -> str:
        """The human-readable local derivative toward the input in ``slot``."""
        return self.rules[slot % len(self.rules)]

    def kink_at(self, *inputs: float) -> Kink | None:
        """The op's kink if ``inputs`` sit exactly on it, else None."""
        kink = self.kink
        return kink if kink is not None and kink.at(*inputs, **self.params) else None

    def describe(self) -> str:
        """``formula`` with its parameters written in, e.g. ``a**k (k=2)``."""
        if not self.params:
            return self.formula
        values = ", ".join(f"{k}={v:g}" for k, v in self.params.items())
        return f"{self.formula} ({values})"

    def __repr__(self) -> str:
        return f"<op {self.name}: {self.describe()}>"


# The bound ops made last are kept, up to _BOUND_KEPT: the same exponent gives the same
# op (the tape groups nodes by op), and a stream of distinct ones (x**(2+i*1e-7)) holds
# no memory once its Values are gone. lru_cache is thread-safe; typed, so that the
# int 2 and the float 2.0 (micrograd's '**2' and '**2.0') are different ops.
_BOUND_KEPT = 256


@lru_cache(maxsize=_BOUND_KEPT, typed=True)
def bound_op(op: Op, *names_and_values: Any) -> Op:
    params = dict(zip(names_and_values[::2], names_and_values[1::2], strict=True))
    bound = object.__new__(Op)  # as dataclasses.replace would, in half its time
    plain = op.unlabelled.__dict__
    bound.__dict__.update(plain, params=params, micrograd=_written_in(plain["micrograd"], params))
    bound.__dict__.update(_callables(bound))
    return bound


def _callables(op: Op) -> dict[str, Any]:
    """``run`` and ``grads`` (forward and local_grads with the params filled in), ``unlabelled``."""
    if not op.params:
        return {"run": op.forward, "grads": op.local_grads, "unlabelled": op}
    return {
        "run": partial(op.forward, **op.params),
        "grads": partial(op.local_grads, **op.params),
        "unlabelled": op,
    }


def _written_in(template: str, params: dict[str, float]) -> str:
    """``template`` with the params' values in place of ``{name}``, as micrograd writes them."""
    for name, value in params.items():
        template = template.replace("{" + name + "}", str(value))
    return template


OPS: dict[str, Op] = {}


def _add(op: Op) -> Op:
    OPS[op.name] = op
    return op


def define_op(
    name: str,
    forward: Callable[..., float],
    local_grads: Callable[..., Sequence[Any]],
    rule: str | Sequence[str],
    *,
    formula: str = "",
    inputs: Sequence[str] = (),
    symbol: str = "",
    arity: int | None = None,
) -> Op:
    """Add a user op to the table (or replace an earlier user op of that name).

    ``forward(*inputs, **params)`` returns a float; ``local_grads(out, *inputs,
    **params)`` returns one partial derivative per input; ``rule`` says the same
    in words (one string per input, or one for all).
    """
    existing = OPS.get(name)
    if existing is not None and existing.builtin:
        raise ValueError(f"op {name!r} is built in; pick another name for your op")
    if not callable(forward) or not callable(local_grads):
        raise TypeError(f"op {name!r}: forward and local_grads must be functions")
    rules = (rule,) if isinstance(rule, str) else tuple(rule)
    if arity is None:
        arity = _count_inputs(forward)
    if not inputs:
        inputs = ("a",) if arity == 1 else ("a", "b", "c", "d")[: arity or 2]
    return _add(
        Op(
            name,
            forward,
            local_grads,
            formula or f"{name}({', '.join(inputs)})",
            rules,
            tuple(inputs),
            symbol or name,
            arity,
        )
    )


def _count_inputs(forward: Callable[..., float]) -> int | None:
    """How many positional inputs ``forward`` takes, or None if it takes ``*args``."""
    import inspect

    try:
        parameters = inspect.signature(forward).parameters.values()
    except (TypeError, ValueError):
        return None
    count = 0
    for p in parameters:
        if p.kind is p.VAR_POSITIONAL:
            return None
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty:
            count += 1
    return count


def _builtin(
    name,
    forward,
    local_grads,
    formula,
    rules,
    inputs=("a", "b"),
    *,
    symbol="",
    variadic=False,
    micrograd="",
    kink=None,
) -> Op:
    arity = None if variadic else len(inputs)
    return _add(
        Op(
            name,
            forward,
            local_grads,
            formula,
            rules,
            inputs,
            symbol,
            arity,
            True,
            micrograd=micrograd,
            kink=kink,
        )
    )


# -- arithmetic ----------------------------------------------------------------


def _div(a, b):
    if b != 0:  # not _domain: a call costs as much as the division
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
        raise OverflowError("the result is larger than the largest float (about 1.8e308)") from None


def _vpow(a, b):
    return _pow(a, k=b)


# At base 0 the rules take the limits PyTorch, JAX and HIPS autograd take: a**0 is 1
# for every a, so its slope toward a is 0 (k·a^(k-1) would divide by 0); and the
# slope of 0**b toward b is 0, as 0**b is 0 for every b > 0.


def _pow_grads(out, a, *, k):
    if k == 0:
        return (0.0,)
    if k < 1 and not _is_array(a) and primal(a) == 0:
        raise ZeroDivisionError(
            f"the slope k·a^(k-1) of a**{k} is infinite at a = 0 (k - 1 = {k - 1} < 0); "
            "keep a away from 0 (add a small constant) or use a power of at least 1"
        )
    return (k * a ** (k - 1),)


def _vpow_grads(out, a, b):
    base = primal(a)
    if base > 0:
        d_exponent = out * _log(a)
    elif base == 0:
        d_exponent = 0.0
    else:
        raise ValueError(
            f"the derivative of a**b toward b needs a positive base, got a={base}; "
            "if the exponent is a constant, write it as a plain number"
        )
    if base == 0 and primal(b) == 0:
        return 0.0, d_exponent
    return b * a ** (b - 1), d_exponent


def _rpow_grads(out, a, *, base):
    if base < 0:
        raise ValueError(
            f"the derivative of {base}**a toward a needs a base >= 0: a negative base "
            "to a power is a real number only at whole powers"
        )
    return (out * math.log(base) if base > 0 else 0.0,)


_builtin("add", lambda a, b: a + b, lambda out, a, b: (1.0, 1.0), "a + b", ("1", "1"), symbol="+")
_builtin("sub", lambda a, b: a - b, lambda out, a, b: (1.0, -1.0), "a - b", ("1", "-1"), symbol="-")
_builtin("mul", mul, lambda out, a, b: (b, a), "a * b", ("b", "a"), symbol="*")
_builtin("div", _div, lambda out, a, b: (1 / b, -out / b), "a / b", ("1/b", "-a/b²"), symbol="/")
_builtin("neg", lambda a: -a, lambda out, a: (-1.0,), "-a", ("-1",), ("a",), symbol="neg")
_builtin(
    "pow",
    _pow,
    _pow_grads,
    "a**k",
    ("k·a^(k-1)",),
    ("a",),
    symbol="**",
    micrograd="**{k}",
)
_builtin("vpow", _vpow, _vpow_grads, "a**b", ("b·a^(b-1)", "out·log(a)"), symbol="**")
_builtin(  # a number to a Value's power: the base is a constant, and has no gradient
    "rpow",
    lambda a, *, base: _pow(base, k=a),
    _rpow_grads,
    "base**a",
    ("out·log(base)",),
    ("a",),
    symbol="**",
    micrograd="{base}**",
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
        raise OverflowError("the result is larger than the largest float (about 1.8e308)") from None


def _sigmoid(a):
    if a >= 0:
        return 1.0 / (1.0 + math.exp(-a))
    e = math.exp(a)
    return e / (1.0 + e)


def _softplus(a):
    return max(a, 0.0) + math.log1p(math.exp(-abs(a)))


def sigmoid_of_array(a: Any) -> Any:
    """σ of a numpy array, by the scalar op's two branches, without overflow."""
    import numpy as np

    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _sigmoid_of(a):
    if hasattr(a, "sigmoid"):
        return a.sigmoid()
    return sigmoid_of_array(a) if _is_array(a) else _sigmoid(a)


def _sign(a) -> Any:
    if _is_array(a):
        import numpy as np

        return np.sign(a)
    a = primal(a)
    return 1.0 if a > 0 else -1.0 if a < 0 else 0.0


_builtin("exp", _exp_forward, lambda out, a: (out,), "exp(a)", ("out",), ("a",))
_builtin("log", _log_forward, lambda out, a: (1 / a,), "log(a)", ("1/a",), ("a",))
_builtin("sqrt", _sqrt_forward, lambda out, a: (0.5 / out,), "sqrt(a)", ("1/(2·out)",), ("a",))
_builtin("tanh", math.tanh, lambda out, a: (1 - out * out,), "tanh(a)", ("1 - out²",), ("a",))
_builtin(
    "sigmoid",
    _sigmoid,
    lambda out, a: (out * (1 - out),),
    "σ(a)",
    ("out·(1 - out)",),
    ("a",),
    symbol="σ",
    micrograd="sigmoid",
)
_builtin(
    "softplus",
    _softplus,
    lambda out, a: (_sigmoid_of(a),),
    "log(1 + exp(a))",
    ("σ(a)",),
    ("a",),
)


def clamped_log(x: Any) -> Any:
    """log(x) no lower than -100, as PyTorch's BCELoss clamps it: finite at 0."""
    if _is_array(x):
        import numpy as np

        with np.errstate(divide="ignore"):
            return np.maximum(np.log(x), -100.0)
    if primal(x) <= _LOG_FLOOR:
        return -100.0
    return _log(x)


_LOG_FLOOR = math.exp(-100.0)
_BCE_EPS = 1e-12  # PyTorch's floor for p·(1 - p) in BCELoss's gradient


def _bce_forward(p, y):
    if not 0.0 <= p <= 1.0:
        raise ValueError(
            f"the probability p={p} is outside [0, 1]; for raw scores use bce_with_logits"
        )
    return -(y * clamped_log(p) + (1 - y) * clamped_log(1 - p))


def _bce_grads(out, p, y):
    spread = p * (1 - p)
    if _is_array(spread):
        import numpy as np

        spread = np.maximum(spread, _BCE_EPS)
    elif primal(spread) < _BCE_EPS:
        spread = _BCE_EPS
    return (p - y) / spread, clamped_log(1 - p) - clamped_log(p)


_builtin(
    "binary_cross_entropy",
    _bce_forward,
    _bce_grads,
    "-(y·log(p) + (1 - y)·log(1 - p))",
    ("(p - y)/(p·(1 - p))", "log(1 - p) - log(p)"),
    ("p", "y"),
    symbol="BCE",
)
_builtin(
    "relu",
    lambda a: a if a > 0 else 0.0,
    lambda out, a: (_above_zero(a, 1.0, 0.0),),
    "max(a, 0)",
    ("1 if a > 0 else 0",),
    ("a",),
    symbol="ReLU",
    kink=Kink(lambda a: a == 0, "a = 0", "0 as PyTorch's relu (the slopes are 0 and 1)"),
)
_builtin(
    "leaky_relu",
    lambda a, *, slope: a if a > 0 else slope * a,
    lambda out, a, *, slope: (_above_zero(a, 1.0, slope),),
    "a if a > 0 else slope·a",
    ("1 if a > 0 else slope",),
    ("a",),
    symbol="LeakyReLU",
    kink=Kink(
        lambda a, *, slope: a == 0,
        "a = 0",
        "slope = {slope} as PyTorch's leaky_relu (the slopes are {slope} and 1)",
    ),
)
_builtin(
    "abs",
    abs,
    lambda out, a: (_sign(a),),
    "|a|",
    ("sign(a)",),
    ("a",),
    kink=Kink(lambda a: a == 0, "a = 0", "0 as PyTorch's abs (the slopes are -1 and 1)"),
)


# -- fused n-ary ops -------------------------------------------------------------


def _dot(*xs):
    if len(xs) % 2:  # not _domain: its message would be formatted on every call
        raise TypeError(f"dot takes (w, x) pairs, got {len(xs)} inputs")
    return sum(map(mul, xs[::2], xs[1::2]))


def _dot_grads(out, *xs):
    swapped = list(xs)
    swapped[::2] = xs[1::2]
    swapped[1::2] = xs[::2]
    return swapped


_builtin(
    "sum",
    lambda *xs: sum(xs),
    lambda out, *xs: (1.0,) * len(xs),
    "Σ xᵢ",
    ("1",),
    ("xᵢ",),
    symbol="Σ",
    variadic=True,
)
_builtin("dot", _dot, _dot_grads, "Σ wᵢ·xᵢ", ("xᵢ", "wᵢ"), ("wᵢ", "xᵢ"), symbol="·", variadic=True)


# -- trigonometric, hyperbolic, logarithms and powers of other bases --------------
# Each rule below reads a function of a float, a Value or an array alike (_math):
# math for floats, the Value's own op for create_graph, numpy for the replay.


def _math(name: str) -> Callable[[Any], Any]:
    """``name`` (``"cos"``) of a float (math), a Value (its method) or an array (numpy)."""
    scalar = getattr(math, name)

    def of(x: Any) -> Any:
        if isinstance(x, (int, float)):
            return scalar(x)
        if _is_array(x):
            return ARRAY_FORMS[name](x)
        return getattr(x, name)()

    return of


def _numpy(name: str) -> Callable[[Any], Any]:
    def of(x: Any) -> Any:
        import numpy as np

        return getattr(np, name)(x)

    return of


def _elementwise_math(name: str) -> Callable[[Any], Any]:
    """``math.name`` on each element of an array (numpy has no erf or erfc)."""

    def of(x: Any) -> Any:
        import numpy as np

        return np.frompyfunc(getattr(math, name), 1, 1)(x).astype(float)

    return of


# The array form of each function the rules call; the tape's forward reuses erf's and erfc's.
ARRAY_FORMS: dict[str, Callable[[Any], Any]] = {
    **{name: _numpy(name) for name in ("sin", "cos", "sinh", "cosh", "exp", "sqrt")},
    "erfc": _elementwise_math("erfc"),
    "erf": _elementwise_math("erf"),
}
_sin, _cos, _sinh, _cosh = _math("sin"), _math("cos"), _math("sinh"), _math("cosh")
_exp, _sqrt, _erfc = _math("exp"), _math("sqrt"), _math("erfc")


def _without_overflow(f: Callable[[float], float]) -> Callable[[float], float]:
    def run(a: float) -> float:
        try:
            return f(a)
        except OverflowError:
            raise OverflowError(
                "the result is larger than the largest float (about 1.8e308)"
            ) from None

    return run


def _in_domain(f: Callable[[float], float], ok: Callable[[float], bool], where: str):
    """``f``, refusing inputs outside its domain with a message saying where it is defined."""
    name = f.__name__

    def run(a: float) -> float:
        _domain(ok(a), f"{name} is defined only for {where}")
        return f(a)

    return run


def _not_zero(x: Any, where: str) -> Any:
    """``x``, a rule's denominator; 0 (a float or a Value's) raises: the slope is infinite."""
    if not _is_array(x) and primal(x) == 0:
        raise ZeroDivisionError(f"the derivative is infinite at {where}")
    return x


def _ratio(num: Any, den: Any) -> Any:
    """num / den, or 0 where den is 0: a subgradient where the op has a corner at 0."""
    if _is_array(den):
        import numpy as np

        shape = np.broadcast_shapes(np.shape(num), den.shape)
        return np.divide(num, den, out=np.zeros(shape), where=den != 0)
    return num / den if primal(den) != 0 else 0.0


_LN2, _LN10 = math.log(2.0), math.log(10.0)
_unit = "numbers in [-1, 1]"

_builtin("sin", math.sin, lambda out, a: (_cos(a),), "sin(a)", ("cos(a)",), ("a",))
_builtin("cos", math.cos, lambda out, a: (-_sin(a),), "cos(a)", ("-sin(a)",), ("a",))
_builtin("tan", math.tan, lambda out, a: (1 + out * out,), "tan(a)", ("1 + out²",), ("a",))
_builtin(
    "sinh",
    _without_overflow(math.sinh),
    lambda out, a: (_cosh(a),),
    "sinh(a)",
    ("cosh(a)",),
    ("a",),
)
_builtin(
    "cosh",
    _without_overflow(math.cosh),
    lambda out, a: (_sinh(a),),
    "cosh(a)",
    ("sinh(a)",),
    ("a",),
)
_builtin(
    "asin",
    _in_domain(math.asin, lambda a: -1 <= a <= 1, _unit),
    lambda out, a: (1 / _not_zero(_sqrt((1 - a) * (1 + a)), "a = ±1"),),
    "asin(a)",
    ("1/√(1 - a²)",),
    ("a",),
)
_builtin(
    "acos",
    _in_domain(math.acos, lambda a: -1 <= a <= 1, _unit),
    lambda out, a: (-1 / _not_zero(_sqrt((1 - a) * (1 + a)), "a = ±1"),),
    "acos(a)",
    ("-1/√(1 - a²)",),
    ("a",),
)
_builtin("atan", math.atan, lambda out, a: (1 / (1 + a * a),), "atan(a)", ("1/(1 + a²)",), ("a",))


def _atan2_grads(out, y, x):
    h = _hypot(y, x)  # x/(x² + y²) as (x/h)/h: x² would overflow long before the result
    return _ratio(_ratio(x, h), h), _ratio(_ratio(-y, h), h)


def _hypot(a: Any, b: Any) -> Any:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return math.hypot(a, b)
    if _is_array(a) or _is_array(b):
        import numpy as np

        return np.hypot(a, b)
    return a.hypot(b) if hasattr(a, "hypot") else b.hypot(a)


_builtin(
    "atan2",
    math.atan2,
    _atan2_grads,
    "atan2(y, x)",
    ("x/(x² + y²)", "-y/(x² + y²)"),
    ("y", "x"),
)
_builtin(
    "hypot",
    math.hypot,  # inf past the largest float: the Value refuses it
    lambda out, a, b: (_ratio(a, out), _ratio(b, out)),
    "√(a² + b²)",
    ("a/out", "b/out"),
    kink=Kink(
        lambda a, b: a == 0 and b == 0,
        "a = b = 0",
        "0 toward both (PyTorch's hypot gives nan there)",
    ),
)
_builtin(
    "log1p",
    _in_domain(math.log1p, lambda a: a > -1, "numbers > -1"),
    lambda out, a: (1 / (1 + a),),
    "log(1 + a)",
    ("1/(1 + a)",),
    ("a",),
)
_builtin(
    "expm1",
    _without_overflow(math.expm1),
    lambda out, a: (_exp(a),),  # not out + 1, which loses every digit where a << 0
    "exp(a) - 1",
    ("exp(a)",),
    ("a",),
)
_builtin(
    "log2",
    _in_domain(math.log2, lambda a: a > 0, "positive numbers"),
    lambda out, a: (1 / (a * _LN2),),
    "log₂(a)",
    ("1/(a·ln 2)",),
    ("a",),
)
_builtin(
    "log10",
    _in_domain(math.log10, lambda a: a > 0, "positive numbers"),
    lambda out, a: (1 / (a * _LN10),),
    "log₁₀(a)",
    ("1/(a·ln 10)",),
    ("a",),
)
_builtin(
    "exp2",
    _without_overflow(lambda a: 2.0**a),
    lambda out, a: (out * _LN2,),
    "2**a",
    ("out·ln 2",),
    ("a",),
)


# -- steps and corners: sign, max, min, clamp ------------------------------------


def _step(a: Any, b: Any) -> Any:
    """1 where a > b, 0 where a < b, and ½ at a tie: max's share toward a, as PyTorch's."""
    if _is_array(a) or _is_array(b):
        import numpy as np

        return np.where(a > b, 1.0, np.where(a == b, 0.5, 0.0))
    a, b = primal(a), primal(b)
    return 1.0 if a > b else 0.5 if a == b else 0.0


def _inside(a: Any, lo: float, hi: float) -> Any:
    """1 where lo <= a <= hi (the bounds included, as PyTorch's clamp), else 0."""
    if _is_array(a):
        import numpy as np

        return np.where((a >= lo) & (a <= hi), 1.0, 0.0)
    return 1.0 if lo <= primal(a) <= hi else 0.0


_builtin(
    "sign",
    _sign,
    lambda out, a: (0.0,),
    "sign(a)",
    ("0",),
    ("a",),
    kink=Kink(lambda a: a == 0, "a = 0", "0 as PyTorch's sign (sign jumps from -1 to 1)"),
)
_TIE = Kink(lambda a, b: a == b, "a = b", "½ toward each input, as torch.maximum/minimum")
_builtin(
    "max",
    lambda a, b: a if a >= b else b,
    lambda out, a, b: (_step(a, b), _step(b, a)),
    "max(a, b)",
    ("1 if a > b, ½ if a = b, else 0", "1 if b > a, ½ if a = b, else 0"),
    kink=_TIE,
)
_builtin(
    "min",
    lambda a, b: a if a <= b else b,
    lambda out, a, b: (_step(b, a), _step(a, b)),
    "min(a, b)",
    ("1 if a < b, ½ if a = b, else 0", "1 if b < a, ½ if a = b, else 0"),
    kink=_TIE,
)
_builtin(
    "clamp",
    lambda a, *, lo, hi: min(max(a, lo), hi),  # PyTorch's order: lo > hi gives hi
    lambda out, a, *, lo, hi: (_inside(a, lo, hi),),
    "min(max(a, lo), hi)",
    ("1 if lo ≤ a ≤ hi else 0",),
    ("a",),
    kink=Kink(
        lambda a, *, lo, hi: a in (lo, hi),
        "a = lo or hi",
        "1 as PyTorch's clamp (a bound counts as inside; the slopes are 0 and 1)",
    ),
)


# -- smooth activations: erf, gelu, silu -------------------------------------------

_TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)
_SQRT_HALF = math.sqrt(0.5)


def _normal_cdf(a: Any) -> Any:
    """Φ(a) = ½·erfc(-a/√2): exact in the left tail, where ½·(1 + erf) loses every digit."""
    return 0.5 * _erfc(-a * _SQRT_HALF)


def _gelu(a):
    return a * (0.5 * math.erfc(-a * _SQRT_HALF))


def _silu(a):
    return a * _sigmoid(a)


def _silu_grads(out, a):
    s = _sigmoid_of(a)
    return (s * (1 + a * (1 - s)),)


_builtin(
    "erf",
    math.erf,
    lambda out, a: (_TWO_OVER_SQRT_PI * _exp(-(a * a)),),
    "erf(a)",
    ("2/√π·exp(-a²)",),
    ("a",),
)
_builtin(
    "erfc",
    math.erfc,
    lambda out, a: (-_TWO_OVER_SQRT_PI * _exp(-(a * a)),),
    "1 - erf(a)",
    ("-2/√π·exp(-a²)",),
    ("a",),
)
_builtin(
    "gelu",
    _gelu,
    lambda out, a: (_normal_cdf(a) + a * _exp(-0.5 * (a * a)) * _INV_SQRT_2PI,),
    "a·Φ(a)",
    ("Φ(a) + a·φ(a)",),
    ("a",),
    symbol="GELU",
)
_builtin("silu", _silu, _silu_grads, "a·σ(a)", ("σ(a)·(1 + a·(1 - σ(a)))",), ("a",), symbol="SiLU")
