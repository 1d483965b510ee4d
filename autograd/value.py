"""``Value``: one float that records the op that made it, and its ops.

A node's fields live in ``Node`` (``autograd/storage.py``): ``data``, ``grad``, its op
``_fn`` (from the table, ``autograd/ops.py``) and its parents ``_a``, ``_b``. Backward is
in ``autograd/backward.py``, what every reader of a node shares in ``autograd/graph.py``,
and ``no_grad`` in ``autograd/recording.py``.
"""

from __future__ import annotations

import math
import numbers
import operator
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

import autograd.recording as recording
from autograd.backward import backward_pass, checked_grad, topo_order
from autograd.fast import stamped
from autograd.graph import (
    MANY,
    as_float,
    defers,
    dot_parents,
    forward_error,
    interleaved,
    is_learners,
    learners_fields,
    local_grads,
    local_grads_for,
    not_finite_forward,
    parents_of,
)
from autograd.micrograd_names import MicrogradName
from autograd.ops import OPS, Op, bound
from autograd.pickling import copy_of, restore, state_of
from autograd.recording import records_here
from autograd.storage import Node, checked_data, made, new

if TYPE_CHECKING:
    from autograd.explain.stepper import Stepper

__all__ = ["Value", "dot", "dot_of_values", "total"]

_INF = math.inf
_EXACT_INT = 2**53  # an int exponent up to this size is kept as given
_new = new  # an empty Value, out of the cycle collector when compiled
_made = made  # compiled: an op's node, filled in one call (None on the plain class)
_paused = 0  # no_grad blocks open anywhere: kept equal to recording.paused by it
recording.share_paused(globals())
_ADD, _SUB, _MUL, _DIV = OPS["add"], OPS["sub"], OPS["mul"], OPS["div"]
_NEG, _TANH, _RELU = OPS["neg"], OPS["tanh"], OPS["relu"]
_tanh = _TANH.forward  # math.tanh, read from the table once


def _unary_op(name: str, doc: str = "") -> Callable[[Value], Value]:
    """Value's method ``name``: the table's op of that name on this Value."""
    op = OPS[name]

    def method(self: Value) -> Value:
        return _unary(op, self)

    return _named(method, name, doc or f"``{op.formula}``, from the op table.")


def _binary_op(name: str, doc: str = "") -> Callable[[Value, Value | float], Value]:
    """Value's method ``name``: the table's op of that name on this Value and another."""
    op = OPS[name]

    def method(self: Value, other: Value | float) -> Value:
        return _binary(op, self, _as_value(other))

    return _named(method, name, doc or f"``{op.formula}``, from the op table.")


def _comparison(compare: Callable[[float, float], bool]) -> Callable[[Value, Any], bool]:
    """A comparison of ``.data`` with a Value's or a number; NotImplemented for other types
    lets Python name a wrong type."""

    def method(self: Value, other: Value | float) -> bool:
        if isinstance(other, Value):
            return compare(self._data, other._data)
        return compare(self._data, other) if isinstance(other, numbers.Real) else NotImplemented

    return _named(method, f"__{compare.__name__}__", f"``self.data {compare.__name__} other``")


def _named(method: Callable, name: str, doc: str) -> Callable:
    method.__name__, method.__qualname__, method.__doc__ = name, f"Value.{name}", doc
    return method


class Value(Node):
    """A scalar in a computation graph.

    ``data`` is the number, ``grad`` the derivative of the last backward root
    with respect to it. ``parents`` lists the inputs of the op that made it,
    in order and with repeats (``a*a`` has two).

    ``Value(2.0, label="x")`` (or ``Value(2.0, "x")``) names it. micrograd's
    ``Value(data, _children, _op)`` makes a node of a learner's own op: its
    derivative is the ``_backward`` closure the learner's subclass sets, as micrograd does.
    """

    # The fields live in Node (autograd/storage.py): data, grad, _fn, _a, _b, _label.
    # Up to two parents live in _a and _b; an n-ary op keeps a tuple in _a and
    # MANY in _b. Two slots cost 16 bytes where a tuple would cost 48 or more.
    # _label is set only on the nodes that are given a label.
    __slots__ = ()
    __array_ufunc__ = None  # numpy defers to our reflected operators
    _checked_data = checked_data  # what v.data = x does with an x that is not a finite float
    _checked_grad = checked_grad  # and v.grad = x, compiled, with an x that is not a float

    def __init__(
        self,
        data: float,
        _children: Iterable[Value] | str = (),
        _op: str = "",
        label: str = "",
    ) -> None:
        self._data = as_float(data)
        self._grad = 0.0
        self._fn: Op | None = None
        self._a: Value | tuple[Value, ...] | None = None
        self._b: Value | None = None
        if isinstance(_children, str):  # Value(2.0, "x"): the label, as before
            if label:
                raise TypeError(f"Value() got two labels, {_children!r} and {label!r}")
            _children, label = (), _children
        if _children:
            self._fn, self._a, self._b = learners_fields(_children, _op)
        if label != "":
            self.label = label

    @property
    def label(self) -> str:
        """A name for diagrams and messages ("" if none): ``e.label = "e"``."""
        return getattr(self, "_label", "")

    @label.setter
    def label(self, text: str) -> None:
        if not isinstance(text, str):
            raise TypeError(f"a label is a str, got {type(text).__name__} {text!r:.60}")
        self._label = text

    # -- the graph, read-only ---------------------------------------------------

    @property
    def parents(self) -> tuple[Value, ...]:
        """The op's inputs, in order (empty for a leaf)."""
        return parents_of(self)

    @property
    def op(self) -> str:
        """The name of the op that made this node in ``OPS`` ("" for a leaf)."""
        return "" if self._a is None else self._fn.name

    @property
    def op_spec(self) -> Op | None:
        """The table entry of that op, with its parameters bound (None for a leaf)."""
        return None if self._a is None else self._fn.table_entry

    @property
    def params(self) -> dict[str, float]:
        """The op's constant parameters, such as the exponent ``k`` of ``a**k``."""
        return {} if self._a is None else dict(self._fn.params)

    @property
    def is_leaf(self) -> bool:
        """True for a node no op made: an input, a parameter or a constant."""
        return self._a is None

    # -- micrograd's names: read-only views, so the lecture's code runs as typed ----

    @MicrogradName
    def _prev(self) -> set[Value]:
        """micrograd's name: the set of parents (``parents`` keeps their order and repeats)."""
        return set(parents_of(self))

    @MicrogradName
    def _op(self) -> str:
        """micrograd's name: the op's symbol (``'+'``, ``'*'``, ``'**2'``, ``'tanh'``; ``''``
        for a leaf), from the op table."""
        return "" if self._a is None else self._fn.micrograd

    @partial(MicrogradName, method=True)
    def _backward(self) -> None:
        """micrograd's name: apply this node's chain rule once, as the lecture does by
        hand: each parent's grad += ∂self/∂parent · self.grad (from the op table). A
        node made by ``Value(data, _children, _op)`` whose class sets no ``_backward``
        passes nothing back, as micrograd's default ``lambda: None``."""
        inputs, g = parents_of(self), self.grad
        if not inputs or is_learners(self._fn):
            return
        locals_ = local_grads_for(self._fn, self._data, [p._data for p in inputs], g)
        for parent, local in zip(inputs, locals_ or (), strict=False):  # None: g is 0
            parent.grad += local * g

    def local_grads(self) -> tuple[float, ...]:
        """∂self/∂parent for each parent, in order, read from the op table."""
        if self._a is None:
            return ()
        return tuple(local_grads(self._fn, self._data, [p._data for p in parents_of(self)]))

    # -- building the graph ----------------------------------------------------

    @staticmethod
    def apply(op: str | Op, *inputs: Value | float, **params: float) -> Value:
        """Run a table op on Values (or numbers) and record it: ``Value.apply("tanh", x)``."""
        spec = OPS.get(op) if isinstance(op, str) else op
        if spec is None:
            raise KeyError(f"no op named {op!r}; known ops: {', '.join(sorted(OPS))}")
        if params:
            spec = spec.bind(**params)
        if spec.arity is not None and len(inputs) != spec.arity:
            raise TypeError(f"{spec.name} takes {spec.arity} input(s), got {len(inputs)}")
        return _record(spec, *map(_as_value, inputs))

    # The ops a training loop runs a million times, each node built in place with the
    # table's forward written in (autograd/fast.py); derivatives stay in the table.
    # Division by 0 goes the general way (1e999 is inf), to its error.
    __add__ = stamped("binary", "__add__", "_ADD", "self._data + other._data", globals())
    __sub__ = stamped("binary", "__sub__", "_SUB", "self._data - other._data", globals())
    __mul__ = stamped("binary", "__mul__", "_MUL", "self._data * other._data", globals())
    __truediv__ = stamped(
        "binary", "__truediv__", "_DIV",
        "self._data / other._data if other._data != 0.0 else 1e999", globals(),
    )  # fmt: skip
    __neg__ = stamped("unary", "__neg__", "_NEG", "-self._data", globals())
    tanh = stamped("unary", "tanh", "_TANH", "_tanh(self._data)", globals())  # always finite
    relu = stamped("unary", "relu", "_RELU", "self._data if self._data > 0 else 0.0", globals())

    def __radd__(self, other: float) -> Value:  # 0 + v, as sum() starts
        return _as_value(other).__add__(self)

    def __rsub__(self, other: float) -> Value:
        return _as_value(other).__sub__(self)

    def __rmul__(self, other: float) -> Value:
        return _as_value(other).__mul__(self)

    def __rtruediv__(self, other: float) -> Value:
        return _as_value(other).__truediv__(self)

    def __pow__(self, exponent: Value | float) -> Value:
        if isinstance(exponent, Value):
            return _binary(_VPOW, self, exponent)
        if type(exponent) is not int or abs(exponent) > _EXACT_INT:
            if defers(exponent):  # a Dual exponent: Dual.__rpow__
                return NotImplemented
            exponent = as_float(exponent, "the exponent")
        op = bound(_POW, "k", exponent)  # an int stays one: '**2'
        base = self._data
        if base > 0.0:  # no domain to check: the table's forward is base ** k
            try:
                out = base**exponent
            except OverflowError:  # the general way explains it
                return _unary(op, self)
            node = _new(Value)
            node._data, node._grad, node._b = out, 0.0, None
            if not _paused or records_here():
                node._fn, node._a = op, self
            else:
                node._fn = node._a = None
            return node
        return _unary(op, self)

    def __rpow__(self, base: float) -> Value:
        return _unary(bound(_RPOW, "base", as_float(base, "the base")), self)

    def __float__(self) -> float:
        # math.log(v) and friends reach a Value only through here: refuse, as
        # micrograd does (it has no __float__), so the graph is never cut silently.
        raise TypeError(
            f"a Value is not a float: float(v) or math functions such as math.log(v) would "
            f"take its number out of the graph, and backward would not see them. Use the "
            f"Value's ops (v.log(), v.exp(), v.tanh(), v ** 0.5) to stay in the graph, or "
            f"v.data for the number ({self._data!r})"
        )

    # -- every other op: one line each, every derivative in the op table ------------

    exp, log = _unary_op("exp"), _unary_op("log")
    sigmoid, softplus = _unary_op("sigmoid"), _unary_op("softplus")
    abs = __abs__ = _unary_op("abs")
    sqrt, sign = _unary_op("sqrt"), _unary_op("sign")
    sin, cos, tan = _unary_op("sin"), _unary_op("cos"), _unary_op("tan")
    sinh, cosh = _unary_op("sinh"), _unary_op("cosh")
    asin, acos, atan = _unary_op("asin"), _unary_op("acos"), _unary_op("atan")
    log1p, expm1 = _unary_op("log1p"), _unary_op("expm1")
    log2, log10, exp2 = _unary_op("log2"), _unary_op("log10"), _unary_op("exp2")
    erf, erfc = _unary_op("erf"), _unary_op("erfc")
    gelu = _unary_op("gelu", "a·Φ(a), Φ the normal CDF: torch's default (exact, not tanh's).")
    silu = swish = _unary_op("silu", "a·σ(a), also called swish.")
    atan2 = _binary_op("atan2", "The angle of the point (x, self), as ``math.atan2(self, x)``.")
    hypot = _binary_op("hypot")
    max = _binary_op("max", "The larger; at a tie each gets half the gradient (torch.maximum).")
    min = _binary_op("min", "The smaller; at a tie each gets half the gradient (torch.minimum).")

    def leaky_relu(self, slope: float = 0.01) -> Value:
        return _unary(bound(_LEAKY, "slope", as_float(slope, "the slope")), self)

    def clamp(self, min: float | None = None, max: float | None = None) -> Value:
        """Held between the constants min and max, as ``torch.clamp``: the gradient is 1
        from min to max, the bounds included, and 0 outside."""
        if min is None and max is None:
            raise TypeError("clamp: give min, max or both (constants), as torch.clamp takes")
        lo = -_INF if min is None else as_float(min, "clamp's min")
        hi = _INF if max is None else as_float(max, "clamp's max")
        return _unary(bound(OPS["clamp"], "hi", hi, "lo", lo), self)

    # -- comparisons: plain bools on .data, outside the graph (no gradient) ----------
    # No __eq__: a Value hashes by identity, and the graph walks rely on it.

    __lt__, __le__ = _comparison(operator.lt), _comparison(operator.le)
    __gt__, __ge__ = _comparison(operator.gt), _comparison(operator.ge)

    # -- backward: the walks and the chain rule are in autograd/backward.py ----------

    def backward(self, *, create_graph: bool = False) -> None:
        """Fill ``grad`` of every node in this graph with d(self)/d(node).

        The rule for repeated calls: every node that an op made gets a fresh
        gradient each call, and every leaf *adds* its gradient to what it held,
        as in PyTorch. So a second call doubles the leaves' grads and nothing
        is counted twice through intermediate nodes; call ``zero_grad()`` first
        to start again. With ``create_graph=True`` the grads are Values that can
        be differentiated again (``x.grad.backward()`` after a ``zero_grad()``).
        """
        backward_pass(self, create_graph=create_graph)

    def backward_steps(self) -> Stepper:
        """Backward one chain-rule step at a time: ``next(steps)``, ``print(steps)``."""
        from autograd.explain.stepper import Stepper

        return Stepper(self)

    def zero_grad(self) -> None:
        """Set ``grad`` to 0 on every node of this graph."""
        for node in topo_order(self):
            node._grad = 0.0

    # pickle, copy and deepcopy, on either storage, as deep as the graph goes
    __getstate__, __setstate__, __copy__ = state_of, restore, copy_of

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self._data!r}, grad={self.grad!r}{label})"

    def _repr_html_(self) -> str:
        from autograd.explain.display import value_html

        return value_html(self)


_POW, _VPOW, _RPOW, _LEAKY = OPS["pow"], OPS["vpow"], OPS["rpow"], OPS["leaky_relu"]
_SUM, _DOT = OPS["sum"], OPS["dot"]


def total(values: Sequence[Value | float]) -> Value:
    """Σ values as one node (a loss over a batch), not a chain of additions."""
    if not values:
        raise ValueError("total: no values to add")
    return _record(_SUM, *[_as_value(v) for v in values])


def dot(weights: Sequence[Value | float], inputs: Sequence[Value | float]) -> Value:
    """Σ wᵢ·xᵢ as one node whose parents are w₁, x₁, w₂, x₂, ... (a neuron's sum)."""
    if len(weights) != len(inputs):
        raise ValueError(f"dot: {len(weights)} weights for {len(inputs)} inputs")
    if not weights:
        raise ValueError("dot: no weights and inputs; give at least one pair")
    if set(map(type, weights)) | set(map(type, inputs)) != {Value}:
        weights, inputs = [_as_value(w) for w in weights], [_as_value(x) for x in inputs]
    return dot_of_values(weights, inputs)


def dot_of_values(weights: Sequence[Value], inputs: Sequence[Value]) -> Value:
    """``dot`` for a caller that has checked its operands: Values only, as many
    weights as inputs, at least one of each (a neuron and its inputs)."""
    try:  # the table's forward for dot, Σ wᵢ·xᵢ in this order, without unpacking the pairs
        pairs, products = dot_parents(weights, inputs)
        out = sum(products)
    except AttributeError:  # a number among the weights: _nary names it
        pairs, out = interleaved(weights, inputs), _INF
    if not -1e999 < out < 1e999:
        return _nary(_DOT, pairs)  # the error, explained
    node = _new(Value)  # a neuron's node, built in place as the hot ops build theirs
    node._data, node._grad = out, 0.0
    if not _paused or records_here():
        node._fn, node._a, node._b = _DOT, pairs, MANY
    else:
        node._fn = node._a = node._b = None
    return node


# -- the general way to a node: any op, any number of parents, every error explained ----
# Written out in full (no helper calls), since a call costs as much as the rest of a node.


def _unary(op: Op, a: Value) -> Value:
    try:
        out = op.run(a._data)
    except (ArithmeticError, ValueError, TypeError) as err:
        raise forward_error(op, (a._data,), err) from None
    try:
        finite = -_INF < out < _INF
    except TypeError:  # a user op's forward gave a complex number, None, a str ...
        finite = False
    if not finite:
        raise not_finite_forward(op, (a._data,), out)
    node = _new(Value)
    node._data, node._grad, node._b = out, 0.0, None
    if not _paused or records_here():
        node._fn, node._a = op, a
    else:
        node._fn = node._a = None
    return node


def _binary(op: Op, a: Value, b: Value) -> Value:
    try:
        out = op.run(a._data, b._data)
    except (ArithmeticError, ValueError, TypeError) as err:
        raise forward_error(op, (a._data, b._data), err) from None
    try:
        finite = -_INF < out < _INF
    except TypeError:
        finite = False
    if not finite:
        raise not_finite_forward(op, (a._data, b._data), out)
    node = _new(Value)
    node._data, node._grad = out, 0.0
    if not _paused or records_here():
        node._fn, node._a, node._b = op, a, b
    else:
        node._fn = node._a = node._b = None
    return node


def _nary(op: Op, inputs: tuple[Value, ...]) -> Value:
    """A node whose parents are kept in a tuple (_record gives one or two its slots)."""
    try:
        numbers_in = [p._data for p in inputs]
    except AttributeError:  # dot_of_values trusts its caller: say which input was wrong
        i, bad = next((i, p) for i, p in enumerate(inputs) if not isinstance(p, Value))
        raise TypeError(
            f"{op.name}: input {i} is {type(bad).__name__} {bad!r:.60}, not a Value"
        ) from None
    try:
        out = op.run(*numbers_in)
    except (ArithmeticError, ValueError, TypeError) as err:
        raise forward_error(op, numbers_in, err) from None
    try:
        finite = -_INF < out < _INF
    except TypeError:
        finite = False
    if not finite:
        raise not_finite_forward(op, numbers_in, out)
    node = _new(Value)
    node._data, node._grad = out, 0.0
    if not _paused or records_here():
        node._fn, node._a, node._b = op, inputs, MANY
    else:
        node._fn = node._a = node._b = None
    return node


def _record(op: Op, *inputs: Value) -> Value:
    """A node for any op and number of parents."""
    if len(inputs) == 1:
        return _unary(op, *inputs)
    if len(inputs) == 2:
        return _binary(op, *inputs)
    return _nary(op, inputs)


# -- numbers into Values ----------------------------------------------------------------


def _as_value(x: Value | float) -> Value:
    kind = type(x)
    if kind is float and -1e999 < x < 1e999:  # the common constants: skip the checks
        return _leaf(x)
    if kind is int and -_EXACT_INT <= x <= _EXACT_INT:  # 0 + v from sum(), 1 - v
        return _leaf(float(x))
    return x if isinstance(x, Value) else Value(x)


def _leaf(x: float) -> Value:
    """A Value holding ``x``, built without the constructor's checks (x is a finite float)."""
    node = _new(Value)
    node._data, node._grad, node._fn, node._a, node._b = x, 0.0, None, None, None
    return node
