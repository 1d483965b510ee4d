"""The op table in ONNX operators: a symbolic tensor that builds ONNX nodes as it is computed.

``Sym`` stands for one DOUBLE tensor of a graph being built. Arithmetic on it, and
the numpy functions the op table's rules call on arrays (``np.where``, ``np.exp``,
``np.maximum`` ...), add ONNX nodes instead of computing; so ``op.grads(out, *syms)``
writes an op's local derivatives as ONNX from the table's own rule, and
``op.on_arrays(*syms)`` its forward from the table's own array form.

Only operators that onnxruntime runs on doubles are used: where it has none (atan,
erf, sinh ...) or loses digits (its Sigmoid in the left tail), the function is built
from others, once per model, as a local ONNX function in the ``chainrule`` domain.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from onnx import FunctionProto, NodeProto, TensorProto, helper

from autograd.elementary import sigmoid_of_array

__all__ = ["DOMAIN", "OPSET", "UFUNCS", "Graph", "Sym", "where_"]

OPSET = 17
DOMAIN = "chainrule"


class Graph:
    """ONNX nodes under construction, with unique tensor names and shared constants.

    ``functions`` (name to FunctionProto) is shared by a model's main graph and the
    bodies of its local functions, so each function is built once.
    """

    def __init__(self, functions: dict[str, FunctionProto], taken: set[str] = frozenset()) -> None:
        self.nodes: list[NodeProto] = []
        self.functions = functions
        self._taken = set(taken)
        self._count = 0
        self._consts: dict[tuple[str, float], Sym] = {}

    def fresh(self, hint: str = "t") -> str:
        while True:
            self._count += 1
            name = f"{hint}{self._count}"
            if name not in self._taken:
                self._taken.add(name)
                return name

    def emit(self, op_type: str, *inputs: Any, domain: str = "", **attrs: Any) -> Sym:
        """One ONNX node on ``inputs`` (Syms or numbers); its output as a Sym."""
        out = self.fresh()
        names = [self.lift(x).name for x in inputs]
        self.nodes.append(helper.make_node(op_type, names, [out], domain=domain, **attrs))
        return Sym(self, out, boolean=op_type in _BOOLEAN)

    def lift(self, x: Any) -> Sym:
        return x if isinstance(x, Sym) else self.const(float(x))

    def number(self, x: Any) -> Any:
        """``x``, a mask (``a > 0``) turned into 1.0 and 0.0 for arithmetic."""
        if isinstance(x, Sym) and x.boolean:
            return self.emit("Cast", x, to=TensorProto.DOUBLE)
        return x

    def const(self, value: float, kind: int = TensorProto.DOUBLE) -> Sym:
        key = (str(kind), value)
        if key not in self._consts:
            name = self.fresh("c")
            tensor = helper.make_tensor(name, kind, [], [value])
            self.nodes.append(helper.make_node("Constant", [], [name], value=tensor))
            self._consts[key] = Sym(self, name)
        return self._consts[key]

    def call(self, name: str, body: Callable[..., Sym], *args: Any) -> Sym:
        """``body(*args)`` as a call of the local function ``name``, built on first use."""
        if name not in self.functions:
            inner = Graph(self.functions)
            params = [Sym(inner, inner.fresh("x")) for _ in args]
            result = inner.emit("Identity", body(*params))
            self.functions[name] = helper.make_function(
                DOMAIN,
                name,
                [p.name for p in params],
                [result.name],
                inner.nodes,
                [helper.make_opsetid("", OPSET), helper.make_opsetid(DOMAIN, 1)],
            )
        return self.emit(name, *args, domain=DOMAIN)


def _graph(*xs: Any) -> Graph:
    return next(x.graph for x in xs if isinstance(x, Sym))


class Sym:
    """One tensor of a Graph, standing in for a numpy array in the op table's rules."""

    ndim = 0  # what the rules test (ops._is_array) to take their array path
    shape = ()
    __hash__ = object.__hash__

    def __init__(self, graph: Graph, name: str, boolean: bool = False) -> None:
        self.graph, self.name, self.boolean = graph, name, boolean

    def _op(self, op_type: str, *others: Any) -> Sym:
        if op_type in _LOGICAL:
            return self.graph.emit(op_type, self, *others)
        return self.graph.emit(op_type, *map(self.graph.number, (self, *others)))

    def _rop(self, op_type: str, other: Any) -> Sym:
        return self.graph.emit(op_type, *map(self.graph.number, (other, self)))

    def __add__(self, o: Any) -> Sym:
        return self._op("Add", o)

    def __radd__(self, o: Any) -> Sym:
        return self._rop("Add", o)

    def __sub__(self, o: Any) -> Sym:
        return self._op("Sub", o)

    def __rsub__(self, o: Any) -> Sym:
        return self._rop("Sub", o)

    def __mul__(self, o: Any) -> Sym:
        return self._op("Mul", o)

    def __rmul__(self, o: Any) -> Sym:
        return self._rop("Mul", o)

    def __truediv__(self, o: Any) -> Sym:
        return self._op("Div", o)

    def __rtruediv__(self, o: Any) -> Sym:
        return _divide(o, self)

    def __pow__(self, o: Any) -> Sym:
        return self._op("Pow", o)

    def __rpow__(self, o: Any) -> Sym:
        return self._rop("Pow", o)

    def __neg__(self) -> Sym:
        return self._op("Neg")

    def __abs__(self) -> Sym:
        return self._op("Abs")

    def __gt__(self, o: Any) -> Sym:
        return self._op("Greater", o)

    def __ge__(self, o: Any) -> Sym:
        return self._op("GreaterOrEqual", o)

    def __lt__(self, o: Any) -> Sym:
        return self._op("Less", o)

    def __le__(self, o: Any) -> Sym:
        return self._op("LessOrEqual", o)

    def __eq__(self, o: Any) -> Sym:  # type: ignore[override]
        return self._op("Equal", o)

    def __ne__(self, o: Any) -> Sym:  # type: ignore[override]
        return self._op("Equal", o)._op("Not")

    def __and__(self, o: Any) -> Sym:
        return self._op("And", o)

    def __invert__(self) -> Sym:
        return self._op("Not")

    def __bool__(self) -> bool:
        raise TypeError("the rule branches on the value itself, which a graph cannot do")

    def astype(self, _: Any) -> Sym:
        return self

    def sigmoid(self) -> Sym:
        """σ as one local function (``elementary.sigmoid_of`` calls it): exact in both tails."""
        return sigmoid(self)

    def __array_ufunc__(self, ufunc: Any, method: str, *args: Any, **kwargs: Any) -> Any:
        name = ufunc.__name__.removesuffix(" (vectorized)")  # erf, erfc: np.frompyfunc
        if method != "__call__" or name not in UFUNCS:
            return NotImplemented
        where, out = kwargs.pop("where", None), kwargs.pop("out", None)
        if kwargs or (where is None) != (out is None):
            return NotImplemented
        if where is None:
            return UFUNCS[name](*args)
        # np.divide(a, b, out=zeros, where=cond): the quotient where cond holds, else zero
        fill = float(out[0].flat[0])
        safe = [where_(where, a, 1.0) for a in args]
        return where_(where, UFUNCS[name](*safe), fill)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        if func.__name__ == "where" and len(args) == 3 and not kwargs:
            return where_(*args)
        if func.__name__ == "shape":
            return ()
        return NotImplemented


_LOGICAL = {"And", "Or", "Not", "Where"}
_BOOLEAN = {"Greater", "GreaterOrEqual", "Less", "LessOrEqual", "Equal", *_LOGICAL} - {"Where"}


def where_(cond: Any, a: Any, b: Any) -> Sym:
    return _graph(cond, a, b).emit("Where", cond, a, b)


def _binary(op_type: str) -> Callable[[Any, Any], Sym]:
    def run(a: Any, b: Any) -> Sym:
        g = _graph(a, b)
        return g.emit(op_type, g.number(a), g.number(b))

    return run


def _divide(a: Any, b: Any) -> Sym:
    """a / b; 1 / b as Reciprocal(b). onnxruntime's DivMulFusion rewrites Div(1, b)·y into
    Div(y, b) without the edge from y's node, so a later pass that removes that node (a Mul
    by a parameter equal to 1) leaves the model reading a tensor nothing makes."""
    g = _graph(a, b)
    if not isinstance(a, Sym) and float(a) == 1.0:
        return g.emit("Reciprocal", g.number(b))
    return g.emit("Div", g.number(a), g.number(b))


def _unary(op_type: str) -> Callable[[Sym], Sym]:
    return lambda a: a._op(op_type)


_maximum, _minimum = _binary("Max"), _binary("Min")


# -- functions onnxruntime lacks for doubles, from the operators it has ---------------


def _fn(name: str, body: Callable[..., Sym]) -> Callable[..., Sym]:
    return lambda *args: _graph(*args).call(name, body, *args)


def _log1p(a: Sym) -> Sym:
    u = 1.0 + a  # log(u)·a/(u - 1) cancels u's rounding (Goldberg)
    one = u == 1.0
    return where_(one, a, u._op("Log") * (a / where_(one, 1.0, u - 1.0)))


def _expm1(a: Sym) -> Sym:
    u = a._op("Exp")  # (u - 1)·a/log(u) cancels u's rounding (Kahan)
    plain = (u == 1.0)._op("Or", u == 0.0)._op("Or", u == math.inf)
    log_u = where_(plain, math.e, u)._op("Log")  # never log(0) nor 0: no warnings
    return where_(plain, where_(u == 1.0, a, u - 1.0), (u - 1.0) * (a / log_u))


def _atan(x: Sym) -> Sym:
    big = abs(x) > 1.0
    t = where_(big, 1.0 / where_(big, x, 1.0), x)  # |t| <= 1
    for _ in range(2):  # atan(t) = 2·atan(t/(1 + √(1 + t²))): |t| <= tan(π/16)
        t = t / (1.0 + (1.0 + t * t)._op("Sqrt"))
    t2, term, total = t * t, t, t
    for k in range(1, 13):  # t - t³/3 + t⁵/5 ...: the 13th term is below 1e-18
        term = term * t2
        total = total + term * ((-1.0) ** k / (2 * k + 1))
    r = total * 4.0
    return where_(big, x._op("Sign") * (math.pi / 2) - r, r)


def _atan2(y: Sym, x: Sym) -> Sym:
    zero = x == 0.0
    r = atan(y / where_(zero, 1.0, x))
    left = where_(y >= 0.0, r + math.pi, r - math.pi)
    axis = where_(y > 0.0, math.pi / 2, where_(y < 0.0, -math.pi / 2, 0.0))
    return where_(x > 0.0, r, where_(zero, axis, left))


def _hypot(a: Sym, b: Sym) -> Sym:
    m = _maximum(abs(a), abs(b))
    s = where_(m == 0.0, 1.0, m)
    return m * ((a / s) * (a / s) + (b / s) * (b / s))._op("Sqrt")


_SERIES_TERMS, _FRACTION_TERMS, _SWITCH = 35, 80, 1.5


def _erf_parts(x: Sym) -> tuple[Sym, Sym]:
    """erf(|x|) and erfc(|x|): a series of positive terms up to 1.5, a continued fraction above.

    erf(a) = 2/√π·a·exp(-a²)·Σ (2a²)ᵏ/(1·3···(2k+1)); erfc(a) = exp(-a²)/√π / (a + ½/(a +
    1/(a + (3/2)/(a + ...)))). Each is cut where its error is below 1e-15 on its side.
    """
    a = abs(x)
    s = _minimum(a, _SWITCH)
    term, total, twice_square = s, s, 2.0 * s * s
    for k in range(1, _SERIES_TERMS):
        term = term * twice_square / float(2 * k + 1)
        total = total + term
    series = total * (-s * s)._op("Exp") * (2 / math.sqrt(math.pi))
    c = _minimum(_maximum(a, _SWITCH), 40.0)  # erfc(40) is below the smallest double
    fraction = c
    for k in range(_FRACTION_TERMS, 0, -1):
        fraction = c + (k / 2) / fraction
    tail = (-c * c)._op("Exp") * (1 / math.sqrt(math.pi)) / fraction
    small = a <= _SWITCH
    return where_(small, series, 1.0 - tail), where_(small, 1.0 - series, tail)


def _erf(x: Sym) -> Sym:
    return x._op("Sign") * _erf_parts(x)[0]


def _erfc(x: Sym) -> Sym:
    erf_abs, erfc_abs = _erf_parts(x)
    return where_(x >= 0.0, erfc_abs, 1.0 + erf_abs)


def _sinh(a: Sym) -> Sym:
    small = abs(a) < 1.0
    e = expm1(where_(small, a, 0.0))  # near 0, from expm1: exp(a) - exp(-a) would cancel
    return where_(small, (e + e / (e + 1.0)) * 0.5, _cosh_parts(a, -1.0))


def _cosh_parts(a: Sym, sign: float) -> Sym:
    return (a._op("Exp") + (-a)._op("Exp") * sign) * 0.5


def _cosh(a: Sym) -> Sym:
    return _cosh_parts(a, 1.0)


def _side(a: Sym) -> Sym:
    return ((1.0 - a) * (1.0 + a))._op("Sqrt")


log1p, expm1, atan, erf, erfc = (
    _fn("log1p", _log1p),
    _fn("expm1", _expm1),
    _fn("atan", _atan),
    _fn("erf", _erf),
    _fn("erfc", _erfc),
)
sigmoid, atan2, hypot, sinh, cosh = (
    _fn("sigmoid", sigmoid_of_array),  # the op table's two branches
    _fn("atan2", _atan2),
    _fn("hypot", _hypot),
    _fn("sinh", _sinh),
    _fn("cosh", _cosh),
)


# The numpy functions the op table's array forms and rules call, by the ufunc's name.
UFUNCS: dict[str, Callable[..., Sym]] = {
    "add": _binary("Add"),
    "subtract": _binary("Sub"),
    "multiply": _binary("Mul"),
    "divide": _divide,
    "power": _binary("Pow"),
    "square": lambda a: a * a,
    "reciprocal": lambda a: _divide(1.0, a),
    "negative": _unary("Neg"),
    "absolute": _unary("Abs"),
    "sign": _unary("Sign"),
    "exp": _unary("Exp"),
    "log": _unary("Log"),
    "sqrt": _unary("Sqrt"),
    "tanh": _unary("Tanh"),
    "sin": _unary("Sin"),
    "cos": _unary("Cos"),
    "tan": _fn("tan", lambda a: a._op("Sin") / a._op("Cos")),
    "sinh": sinh,
    "cosh": cosh,
    "arcsin": _fn("asin", lambda a: atan2(a, _side(a))),
    "arccos": _fn("acos", lambda a: atan2(_side(a), a)),
    "arctan": atan,
    "arctan2": atan2,
    "hypot": hypot,
    "log1p": log1p,
    "expm1": expm1,
    "log2": _fn("log2", lambda a: a._op("Log") * (1 / math.log(2.0))),
    "log10": _fn("log10", lambda a: a._op("Log") * (1 / math.log(10.0))),
    "exp2": _fn("exp2", lambda a: a._rop("Pow", 2.0)),
    "maximum": _maximum,
    "minimum": _minimum,
    "erf": erf,
    "erfc": erfc,
}
