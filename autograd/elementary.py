"""The functions the op table's rules are written with, each of a float, a Value, a numpy
array or an ONNX symbol alike: math for floats, the Value's own op for ``create_graph``,
numpy for the replay (and through numpy's protocols, ONNX operators for the export).
numpy is imported only when an array reaches them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from autograd.op import is_array, primal

__all__ = [
    "ARRAY_FORMS",
    "LOG_FLOOR",
    "SQRT_HALF",
    "above_zero",
    "clamped_log",
    "clamped_log1p",
    "function",
    "gauss",
    "hypot_of",
    "inside",
    "is_graph",
    "log_of",
    "normal_cdf",
    "not_zero",
    "ratio",
    "sigmoid",
    "sigmoid_of",
    "sigmoid_of_array",
    "sign_of",
    "step",
]


def is_graph(x: Any) -> bool:
    """True for a Value: ``create_graph`` differentiates the rule it is in once more, so the
    rule's form must keep its digits (and stay finite) in its derivatives too."""
    return not isinstance(x, (int, float)) and not is_array(x)


def above_zero(a: Any, then: Any, otherwise: Any) -> Any:
    """``then`` where a > 0, else ``otherwise``, for a float, a Value or an array."""
    if type(a) is float:  # backward's case, node after node
        return then if a > 0 else otherwise
    if is_array(a):
        # m·then + (not m)·otherwise is exact (one term is 0) and, on numbers,
        # ten times faster than np.where, which mispredicts a branch per element.
        above = a > 0
        if otherwise == 0:  # a cast where then is 1 (relu): the same numbers, 1.5x faster
            return above.astype(float) if type(then) is float and then == 1 else above * then
        return above * then + ~above * otherwise
    return then if primal(a) > 0 else otherwise


def log_of(x: Any) -> Any:
    """log(x) of a number, a Value, an array or a symbol."""
    if isinstance(x, (int, float)):
        return math.log(x)
    if is_array(x):
        import numpy as np

        return np.log(x)
    return x.log()


def sign_of(a: Any) -> Any:
    """-1, 0 or 1 by the sign of ``a`` (a plain float for a Value: sign has no slope)."""
    if is_array(a):
        import numpy as np

        return np.sign(a)
    a = primal(a)
    return 1.0 if a > 0 else -1.0 if a < 0 else 0.0


def sigmoid(a: float) -> float:
    """σ(a) of a float, by the branch that cannot overflow."""
    if a >= 0:
        return 1.0 / (1.0 + math.exp(-a))
    e = math.exp(a)
    return e / (1.0 + e)


def sigmoid_of_array(a: Any) -> Any:
    """σ of a numpy array, by the scalar op's two branches, without overflow."""
    import numpy as np

    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_of(a: Any) -> Any:
    """σ(a) of a float, a Value (its op, so create_graph differentiates it) or an array."""
    if hasattr(a, "sigmoid"):
        return a.sigmoid()
    return sigmoid_of_array(a) if is_array(a) else sigmoid(a)


LOG_FLOOR = math.exp(-100.0)


def clamped_log(x: Any) -> Any:
    """log(x) no lower than -100, as PyTorch's BCELoss clamps it: finite at 0."""
    if is_array(x):
        import numpy as np

        with np.errstate(divide="ignore"):
            return np.maximum(np.log(x), -100.0)
    if primal(x) <= LOG_FLOOR:
        return -100.0
    return log_of(x)


def clamped_log1p(x: Any) -> Any:
    """log(1 + x) no lower than -100 (so finite at x = -1), without rounding 1 + x."""
    if is_array(x):
        import numpy as np

        with np.errstate(divide="ignore"):
            return np.maximum(np.log1p(x), -100.0)
    if primal(x) <= -1.0:  # above -1, log1p(x) >= log(2**-53) > -100
        return -100.0
    return math.log1p(x) if isinstance(x, (int, float)) else x.log1p()


_GAUSS_GONE = 40.0  # past it exp(-a²), times any power of a a rule reaches, is 0 in a float


def gauss(a: Any, scale: float = 1.0) -> Any:
    """exp(-scale·a²); on a Value, 0 where it is 0 in a float (|a| > 40): a² itself would
    overflow past 1.3e154, and create_graph refuses an infinite node."""
    if is_graph(a) and abs(primal(a)) > _GAUSS_GONE:
        return 0.0
    return _exp(-scale * (a * a)) if scale != 1.0 else _exp(-(a * a))


def function(name: str) -> Callable[[Any], Any]:
    """``name`` (``"cos"``) of a float (math), a Value (its method) or an array (numpy)."""
    scalar = getattr(math, name)

    def of(x: Any) -> Any:
        if isinstance(x, (int, float)):
            return scalar(x)
        if is_array(x):
            return ARRAY_FORMS[name](x)
        return getattr(x, name)()

    of.__name__ = name
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

    of.__name__ = name
    return of


ARRAY_FORMS: dict[str, Callable[[Any], Any]] = {
    **{name: _numpy(name) for name in ("sin", "cos", "sinh", "cosh", "exp", "sqrt")},
    "erfc": _elementwise_math("erfc"),
    "erf": _elementwise_math("erf"),
}
"""The array form of each function the rules call; erf's and erfc's are the ops' own too."""


def not_zero(x: Any, where: str) -> Any:
    """``x``, a rule's denominator; 0 (a float or a Value's) raises: the slope is infinite."""
    if not is_array(x) and primal(x) == 0:
        raise ZeroDivisionError(f"the derivative is infinite at {where}")
    return x


def ratio(num: Any, den: Any) -> Any:
    """num / den, or 0 where den is 0: a subgradient where the op has a corner at 0."""
    if is_array(den):
        import numpy as np

        shape = np.broadcast_shapes(np.shape(num), den.shape)
        return np.divide(num, den, out=np.zeros(shape), where=den != 0)
    return num / den if primal(den) != 0 else 0.0


def hypot_of(a: Any, b: Any) -> Any:
    """√(a² + b²) without overflow, of numbers, Values or arrays."""
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return math.hypot(a, b)
    if is_array(a) or is_array(b):
        import numpy as np

        return np.hypot(a, b)
    return a.hypot(b) if hasattr(a, "hypot") else b.hypot(a)


def step(a: Any, b: Any) -> Any:
    """1 where a > b, 0 where a < b, and ½ at a tie: max's share toward a, as PyTorch's."""
    if is_array(a) or is_array(b):
        import numpy as np

        return np.where(a > b, 1.0, np.where(a == b, 0.5, 0.0))
    a, b = primal(a), primal(b)
    return 1.0 if a > b else 0.5 if a == b else 0.0


def inside(a: Any, lo: float, hi: float) -> Any:
    """1 where lo <= a <= hi (the bounds included, as PyTorch's clamp), else 0."""
    if is_array(a):
        import numpy as np

        return np.where((a >= lo) & (a <= hi), 1.0, 0.0)
    return 1.0 if lo <= primal(a) <= hi else 0.0


SQRT_HALF = math.sqrt(0.5)
_erfc, _exp = function("erfc"), function("exp")


def normal_cdf(a: Any) -> Any:
    """Φ(a) = ½·erfc(-a/√2): exact in the left tail, where ½·(1 + erf) loses every digit."""
    return 0.5 * _erfc(-a * SQRT_HALF)
