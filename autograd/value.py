"""``Value``: one float that records the ops that made it, and backward over them."""

from __future__ import annotations

import math
import numbers
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from itertools import filterfalse
from operator import attrgetter, mul
from typing import TYPE_CHECKING, Any

from autograd.ops import OPS, Op, _bound, fixed_rule, partners_rule  # _bound: bind's cache
from autograd.storage import COMPILED, Node, dot_inputs, inner_order, new, track, walk_back

if TYPE_CHECKING:
    from autograd.explain.stepper import Stepper

__all__ = ["Value", "dot", "grad", "total", "is_recording", "no_grad", "topo_order"]

_INF = math.inf
_tanh = OPS["tanh"].forward  # math.tanh, read from the table once
_EXACT_INT = 2**53  # an int exponent up to this size is kept as given


class Value(Node):
    """A scalar in a computation graph.

    ``data`` is the number, ``grad`` the derivative of the last backward root
    with respect to it. ``parents`` lists the inputs of the op that made it,
    in order and with repeats (``a*a`` has two).
    """

    # The fields live in Node (autograd/storage.py): data, grad, _fn, _a, _b, _label.
    # Up to two parents live in _a and _b; an n-ary op keeps a tuple in _a and
    # _MANY in _b. Two slots cost 16 bytes where a tuple would cost 48 or more.
    # _label is set only on the nodes that are given a label.
    __slots__ = ()
    __array_ufunc__ = None  # numpy defers to our reflected operators

    def __init__(self, data: float, label: str = "") -> None:
        self.data = _as_float(data)
        self.grad = 0.0
        self._fn: Op | None = None
        self._a: Value | tuple[Value, ...] | None = None
        self._b: Value | None = None
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
        return _parents(self)

    @property
    def op(self) -> str:
        """The name of the op that made this node in ``OPS`` ("" for a leaf)."""
        return "" if self._a is None else self._fn.name

    @property
    def op_spec(self) -> Op | None:
        """The table entry of that op, with its parameters bound (None for a leaf)."""
        return None if self._a is None else self._fn.unlabelled

    @property
    def params(self) -> dict[str, float]:
        """The op's constant parameters, such as the exponent ``k`` of ``a**k``."""
        return {} if self._a is None else dict(self._fn.params)

    @property
    def is_leaf(self) -> bool:
        """True for a node no op made: an input, a parameter or a constant."""
        return self._a is None

    # -- micrograd's names: read-only views, so the lecture's code runs as typed ----

    @property
    def _prev(self) -> set[Value]:
        """micrograd's name: the set of parents (``parents`` keeps their order and repeats)."""
        return set(_parents(self))

    @property
    def _op(self) -> str:
        """micrograd's name: the op's symbol (``'+'``, ``'*'``, ``'**2'``, ``'tanh'``; ``''``
        for a leaf), from the op table."""
        return "" if self._a is None else self._fn.micrograd

    def _backward(self) -> None:
        """micrograd's name: apply this node's chain rule once, as the lecture does by
        hand: each parent's grad += ∂self/∂parent · self.grad (from the op table)."""
        parents, g = _parents(self), self.grad
        if not parents:
            return
        locals_ = _locals_for(self._fn, self.data, [p.data for p in parents], g)
        for parent, local in zip(parents, locals_ or (), strict=False):  # None: g is 0
            parent.grad += local * g

    def local_grads(self) -> tuple[float, ...]:
        """∂self/∂parent for each parent, in order, read from the op table."""
        if self._a is None:
            return ()
        return tuple(_local_grads(self._fn, self.data, [p.data for p in _parents(self)]))

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

    # The arithmetic a training loop runs a million times is written out in full:
    # the forward is Python's own operator (as in the table's entry for the op),
    # the node is filled in place, and any other case (a constant to wrap, a
    # result that is not finite, an error to explain) goes the general way.
    # 1e999 is inf, a constant the compiler folds. Derivatives stay in the table.

    def __add__(self, other: Value | float) -> Value:
        if type(other) is not Value:
            other = _as_value(other)
        out = self.data + other.data
        if -1e999 < out < 1e999:
            node = _new(Value)
            node.data = out
            node.grad = 0.0
            if not _paused or _records_here():
                node._fn, node._a, node._b = _ADD, self, other
            else:
                node._fn = node._a = node._b = None
            return node
        return _binary(_ADD, self, other)

    def __radd__(self, other: float) -> Value:  # 0 + v, as sum() starts
        return _as_value(other).__add__(self)

    def __sub__(self, other: Value | float) -> Value:
        if type(other) is not Value:
            other = _as_value(other)
        out = self.data - other.data
        if -1e999 < out < 1e999:
            node = _new(Value)
            node.data = out
            node.grad = 0.0
            if not _paused or _records_here():
                node._fn, node._a, node._b = _SUB, self, other
            else:
                node._fn = node._a = node._b = None
            return node
        return _binary(_SUB, self, other)

    def __rsub__(self, other: float) -> Value:
        return _as_value(other).__sub__(self)

    def __mul__(self, other: Value | float) -> Value:
        if type(other) is not Value:
            other = _as_value(other)
        out = self.data * other.data
        if -1e999 < out < 1e999:
            node = _new(Value)
            node.data = out
            node.grad = 0.0
            if not _paused or _records_here():
                node._fn, node._a, node._b = _MUL, self, other
            else:
                node._fn = node._a = node._b = None
            return node
        return _binary(_MUL, self, other)

    def __rmul__(self, other: float) -> Value:
        return _as_value(other).__mul__(self)

    def __truediv__(self, other: Value | float) -> Value:
        if type(other) is not Value:
            other = _as_value(other)
        b = other.data
        if b != 0.0:  # division by 0 goes the general way, to its error
            out = self.data / b
            if -1e999 < out < 1e999:
                node = _new(Value)
                node.data = out
                node.grad = 0.0
                if not _paused or _records_here():
                    node._fn, node._a, node._b = _DIV, self, other
                else:
                    node._fn = node._a = node._b = None
                return node
        return _binary(_DIV, self, other)

    def __rtruediv__(self, other: float) -> Value:
        return _as_value(other).__truediv__(self)

    def __pow__(self, exponent: Value | float) -> Value:
        if isinstance(exponent, Value):
            return _binary(_VPOW, self, exponent)
        if type(exponent) is not int or abs(exponent) > _EXACT_INT:
            exponent = _as_float(exponent, "the exponent")
        op = _bound(_POW, "k", exponent)  # an int stays one: '**2'
        base = self.data
        if base > 0.0:  # no domain to check: the table's forward is base ** k
            try:
                out = base**exponent
            except OverflowError:  # the general way explains it
                return _unary(op, self)
            node = _new(Value)
            node.data = out
            node.grad = 0.0
            node._b = None
            if not _paused or _records_here():
                node._fn, node._a = op, self
            else:
                node._fn = node._a = None
            return node
        return _unary(op, self)

    def __rpow__(self, base: float) -> Value:
        return _unary(_bound(_RPOW, "base", _as_float(base, "the base")), self)

    def __neg__(self) -> Value:
        node = _new(Value)
        node.data = -self.data
        node.grad = 0.0
        node._b = None
        if not _paused or _records_here():
            node._fn, node._a = _NEG, self
        else:
            node._fn = node._a = None
        return node

    def __float__(self) -> float:
        # math.log(v) and friends reach a Value only through here: refuse, as
        # micrograd does (it has no __float__), so the graph is never cut silently.
        raise TypeError(
            f"a Value is not a float: float(v) or math functions such as math.log(v) would "
            f"take its number out of the graph, and backward would not see them. Use the "
            f"Value's ops (v.log(), v.exp(), v.tanh(), v ** 0.5) to stay in the graph, or "
            f"v.data for the number ({self.data!r})"
        )

    def exp(self) -> Value:
        return _unary(_EXP, self)

    def log(self) -> Value:
        return _unary(_LOG, self)

    def tanh(self) -> Value:
        node = _new(Value)
        node.data = _tanh(self.data)  # the table's forward: math.tanh, always finite
        node.grad = 0.0
        node._b = None
        if not _paused or _records_here():
            node._fn, node._a = _TANH, self
        else:
            node._fn = node._a = None
        return node

    def sigmoid(self) -> Value:
        return _unary(_SIGMOID, self)

    def softplus(self) -> Value:
        return _unary(_SOFTPLUS, self)

    def relu(self) -> Value:
        node = _new(Value)
        data = self.data
        node.data = data if data > 0 else 0.0  # the table's forward
        node.grad = 0.0
        node._b = None
        if not _paused or _records_here():
            node._fn, node._a = _RELU, self
        else:
            node._fn = node._a = None
        return node

    def leaky_relu(self, slope: float = 0.01) -> Value:
        return _unary(_bound(_LEAKY, "slope", _as_float(slope, "the slope")), self)

    def abs(self) -> Value:
        return _unary(_ABS, self)

    __abs__ = abs

    def sqrt(self) -> Value:
        return _unary(_SQRT, self)

    # -- more functions: one line each, every derivative in the op table ------------

    def sin(self) -> Value:
        return _unary(OPS["sin"], self)

    def cos(self) -> Value:
        return _unary(OPS["cos"], self)

    def tan(self) -> Value:
        return _unary(OPS["tan"], self)

    def sinh(self) -> Value:
        return _unary(OPS["sinh"], self)

    def cosh(self) -> Value:
        return _unary(OPS["cosh"], self)

    def asin(self) -> Value:
        return _unary(OPS["asin"], self)

    def acos(self) -> Value:
        return _unary(OPS["acos"], self)

    def atan(self) -> Value:
        return _unary(OPS["atan"], self)

    def atan2(self, x: Value | float) -> Value:
        """The angle of the point (x, self), as ``math.atan2(self, x)`` and ``torch.atan2``."""
        return _binary(OPS["atan2"], self, _as_value(x))

    def hypot(self, other: Value | float) -> Value:
        return _binary(OPS["hypot"], self, _as_value(other))

    def log1p(self) -> Value:
        return _unary(OPS["log1p"], self)

    def expm1(self) -> Value:
        return _unary(OPS["expm1"], self)

    def log2(self) -> Value:
        return _unary(OPS["log2"], self)

    def log10(self) -> Value:
        return _unary(OPS["log10"], self)

    def exp2(self) -> Value:
        return _unary(OPS["exp2"], self)

    def sign(self) -> Value:
        return _unary(OPS["sign"], self)

    def max(self, other: Value | float) -> Value:
        """The larger of the two; at a tie each gets half the gradient (``torch.maximum``)."""
        return _binary(OPS["max"], self, _as_value(other))

    def min(self, other: Value | float) -> Value:
        """The smaller of the two; at a tie each gets half the gradient (``torch.minimum``)."""
        return _binary(OPS["min"], self, _as_value(other))

    def clamp(self, min: float | None = None, max: float | None = None) -> Value:
        """Held between the constants min and max, as ``torch.clamp``: the gradient is 1
        from min to max, the bounds included, and 0 outside."""
        if min is None and max is None:
            raise TypeError("clamp: give min, max or both (constants), as torch.clamp takes")
        lo = -_INF if min is None else _as_float(min, "clamp's min")
        hi = _INF if max is None else _as_float(max, "clamp's max")
        return _unary(_bound(OPS["clamp"], "hi", hi, "lo", lo), self)

    def erf(self) -> Value:
        return _unary(OPS["erf"], self)

    def erfc(self) -> Value:
        return _unary(OPS["erfc"], self)

    def gelu(self) -> Value:
        """a·Φ(a), Φ the normal CDF: torch's default (exact, not the tanh approximation)."""
        return _unary(OPS["gelu"], self)

    def silu(self) -> Value:
        """a·σ(a), also called swish."""
        return _unary(OPS["silu"], self)

    swish = silu

    # -- comparisons: plain bools on .data, outside the graph (no gradient) ----------
    # No __eq__: a Value hashes by identity, and the graph walks rely on it.

    def __lt__(self, other: Value | float) -> bool:
        number = _compared(other)
        return NotImplemented if number is NotImplemented else self.data < number

    def __le__(self, other: Value | float) -> bool:
        number = _compared(other)
        return NotImplemented if number is NotImplemented else self.data <= number

    def __gt__(self, other: Value | float) -> bool:
        number = _compared(other)
        return NotImplemented if number is NotImplemented else self.data > number

    def __ge__(self, other: Value | float) -> bool:
        number = _compared(other)
        return NotImplemented if number is NotImplemented else self.data >= number

    # -- backward ----------------------------------------------------------------

    def backward(self, *, create_graph: bool = False) -> None:
        """Fill ``grad`` of every node in this graph with d(self)/d(node).

        The rule for repeated calls: every node that an op made gets a fresh
        gradient each call, and every leaf *adds* its gradient to what it held,
        as in PyTorch. So a second call doubles the leaves' grads and nothing
        is counted twice through intermediate nodes; call ``zero_grad()`` first
        to start again. With ``create_graph=True`` the grads are Values that can
        be differentiated again (``x.grad.backward()`` after a ``zero_grad()``).
        """
        if create_graph:
            order = topo_order(self)
            grads = _gradients(self, order, as_values=True)
            for node in order:
                fresh = grads.get(node, 0.0)
                node.grad = node.grad + fresh if node._a is None else fresh
            _hand_to_collector(self)
            return
        if self._a is None:  # a leaf root: nothing to walk
            self.grad += 1.0
            if not -1e999 < self.grad < 1e999:
                raise _not_finite_gradient(self, [self], _grad_field)
            return
        zero = _fresh_zero()
        order, leaves = _walk(self, zero, _MANY)
        self.grad = 1.0
        node = self
        try:
            many, forms, partners = _MANY, _BINARY_RULES, _PARTNERS
            if walk_back is not None:  # compiled: the nodes whose numbers are floats
                del order[walk_back(order, forms, partners, many) :]
            for node in reversed(order):
                g = node.grad
                if g == 0.0:  # _locals_for's rule, written inline
                    continue
                if g - g != 0.0:  # inf or NaN
                    break
                b = node._b
                if b is None:
                    a = node._a
                    (local,) = node._fn.grads(node.data, a.data)
                    a.grad += local * g
                elif b is not many:
                    a, fn = node._a, node._fn
                    form = forms.get(fn)
                    if form is None:
                        da, db = fn.grads(node.data, a.data, b.data)
                    elif form is partners:
                        da, db = b.data, a.data
                    else:
                        da, db = form
                    a.grad += da * g
                    b.grad += db * g
                else:
                    a = node._a
                    locals_ = node._fn.grads(node.data, *map(_DATA, a))
                    for parent, local in zip(a, locals_, strict=True):
                        parent.grad += local * g
            else:
                if all(-1e999 < leaf.grad < 1e999 for leaf in leaves):
                    return
        except (ArithmeticError, ValueError, TypeError) as err:
            raise _backward_error(node, err) from None
        # A gradient is NaN or infinite: name the first, in the order backward visits
        # every node, leaves too (whose grads are final by the time it reaches them).
        everything = topo_order(self)
        node = next(n for n in reversed(everything) if not -1e999 < n.grad < 1e999)
        raise _not_finite_gradient(node, everything, _grad_field)

    def backward_steps(self) -> Stepper:
        """Backward one chain-rule step at a time: ``next(steps)``, ``print(steps)``."""
        from autograd.explain.stepper import Stepper

        return Stepper(self)

    def zero_grad(self) -> None:
        """Set ``grad`` to 0 on every node of this graph."""
        for node in topo_order(self):
            node.grad = 0.0

    def __getstate__(self) -> tuple:  # copy, deepcopy and pickle, on either storage
        return self.data, self.grad, self._fn, self._a, self._b, self.label

    def __setstate__(self, state: tuple) -> None:
        self.data, self.grad, self._fn, self._a, self._b, self.label = state

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"

    def _repr_html_(self) -> str:
        from autograd.explain.display import value_html

        return value_html(self)


def _fresh_zero() -> float:
    """A new float object holding 0.0, told apart from every other by identity."""
    return _ONE * 0.0


_ONE = 1.0


def _inner_order(root: Value, zero: float, many: object) -> tuple[list[Value], set[Value]]:
    """The nodes an op made under ``root`` (root last), each after its parents, and
    the leaves under it. Each node's grad is set to ``zero``: backward's fresh start,
    and its mark of a node already walked (a set of the nodes seen would cost a hash
    each). Leaves keep their grads (backward adds to them), so a set holds them."""
    order: list[Value] = []
    leaves: set[Value] = set()
    stack: list[Value | None] = [root]
    pop, push, append, leaf = stack.pop, stack.append, order.append, leaves.add
    while stack:
        node = pop()
        if node is None:  # the marker: everything above this node is done
            append(pop())
            continue
        if node.grad is zero:
            continue
        node.grad = zero
        push(node)
        push(None)
        a, b = node._a, node._b  # pushed last to first, so parents come out in order
        if b is many:
            for p in reversed(a):
                if p._a is None:
                    leaf(p)
                elif p.grad is not zero:
                    push(p)
        else:
            if b is not None:
                if b._a is None:
                    leaf(b)
                elif b.grad is not zero:
                    push(b)
            if a._a is None:
                leaf(a)
            elif a.grad is not zero:
                push(a)
    return order, leaves


_walk = _inner_order if inner_order is None else inner_order  # the same walk, compiled


def _as_float(x: Any, what: str = "Value()") -> float:
    if type(x) is float:
        if not -_INF < x < _INF:
            raise ValueError(f"{what} got {x}; a Value holds a finite number")
        return x
    if isinstance(x, numbers.Real) and not isinstance(x, Value):
        try:
            return _as_float(float(x), what)
        except OverflowError:
            size = f"an int of {x.bit_length()} bits" if isinstance(x, int) else type(x).__name__
            raise OverflowError(
                f"{what} got {size}, too large for a float (the largest is about 1.8e308); "
                "scale it down, or work with its logarithm"
            ) from None
    raise TypeError(
        f"{what} takes a real number (int, float or numpy scalar), got {type(x).__name__} {x!r:.60}"
    )


def _compared(other: Any) -> Any:
    """The number a Value compares with: NotImplemented lets Python name a wrong type."""
    if isinstance(other, Value):
        return other.data
    return other if isinstance(other, numbers.Real) else NotImplemented


def _as_value(x: Value | float) -> Value:
    kind = type(x)
    if kind is float and -1e999 < x < 1e999:  # the common constants: skip the checks
        return _leaf(x)
    if kind is int and -_EXACT_INT <= x <= _EXACT_INT:  # 0 + v from sum(), 1 - v
        return _leaf(float(x))
    return x if isinstance(x, Value) else Value(x)


def _describe(node: Value) -> str:
    name = f"{node.label!r} " if node.label else ""
    return f"node {name}({node.op or 'leaf'}, data={node.data!r})"


# _unary and _binary are the hot path of every forward pass: written out in full
# (no helper calls) because a call costs as much as the rest of the node.


def _unary(op: Op, a: Value) -> Value:
    try:
        out = op.run(a.data)
    except (ArithmeticError, ValueError, TypeError) as err:
        raise type(err)(f"{op.name}{_args((a.data,))}{_with(op)}: {err}") from None
    try:
        finite = -_INF < out < _INF
    except TypeError:  # a user op's forward gave a complex number, None, a str ...
        finite = False
    if not finite:
        _not_finite(op, (a.data,), out)
    node = _new(Value)
    node.data, node.grad, node._b = out, 0.0, None
    if not _paused or _records_here():
        node._fn, node._a = op, a
    else:
        node._fn, node._a = None, None
    return node


def _binary(op: Op, a: Value, b: Value) -> Value:
    try:
        out = op.run(a.data, b.data)
    except (ArithmeticError, ValueError, TypeError) as err:
        raise type(err)(f"{op.name}{_args((a.data, b.data))}{_with(op)}: {err}") from None
    try:
        finite = -_INF < out < _INF
    except TypeError:  # a user op's forward gave a complex number, None, a str ...
        finite = False
    if not finite:
        _not_finite(op, (a.data, b.data), out)
    node = _new(Value)
    node.data, node.grad = out, 0.0
    if not _paused or _records_here():
        node._fn, node._a, node._b = op, a, b
    else:
        node._fn, node._a, node._b = None, None, None
    return node


def _not_finite(op: Op, inputs: Sequence[float], out: Any) -> None:
    where = f"{op.name}{_args(inputs)}{_with(op)}"
    if isinstance(out, complex):
        raise TypeError(
            f"{where} gives the complex number {out}; a Value holds a real number. "
            "Make the op's forward refuse inputs outside its real domain with a ValueError "
            "(as log does below 0), or return only the real part if that is what you mean"
        )
    if isinstance(out, bool) or not isinstance(out, numbers.Real):
        raise TypeError(
            f"{where} gives {type(out).__name__} {out!r:.60}; an op's forward must return a float"
        )
    error = ValueError if out != out else OverflowError
    raise error(f"{where} gives {out}; inputs and results must be finite")


def _record(op: Op, *parents: Value) -> Value:
    """A node for any op and number of parents."""
    if len(parents) == 1:
        return _unary(op, *parents)
    if len(parents) == 2:
        return _binary(op, *parents)
    return _nary(op, parents)


def _nary(op: Op, parents: tuple[Value, ...]) -> Value:
    """A node whose parents are kept in a tuple (_record gives one or two its slots)."""
    try:
        inputs = [p.data for p in parents]
    except AttributeError:  # dot_of_values trusts its caller: say which input was wrong
        i, bad = next((i, p) for i, p in enumerate(parents) if not isinstance(p, Value))
        raise TypeError(
            f"{op.name}: input {i} is {type(bad).__name__} {bad!r:.60}, not a Value"
        ) from None
    try:
        out = op.run(*inputs)
    except (ArithmeticError, ValueError, TypeError) as err:
        raise type(err)(f"{op.name}{_args(inputs)}{_with(op)}: {err}") from None
    try:
        finite = -_INF < out < _INF
    except TypeError:  # a user op's forward gave a complex number, None, a str ...
        finite = False
    if not finite:
        _not_finite(op, inputs, out)
    node = _new(Value)
    node.data, node.grad = out, 0.0
    if not _paused or _records_here():
        node._fn, node._a, node._b = op, parents, _MANY
    else:
        node._fn, node._a, node._b = None, None, None
    return node


def _leaf(x: float) -> Value:
    """A Value holding ``x``, built without the constructor's checks (x is a finite float)."""
    node = _new(Value)
    node.data, node.grad, node._fn, node._a, node._b = x, 0.0, None, None, None
    return node


_new = new  # an empty Value, out of the cycle collector when compiled
_DATA = attrgetter("data")


class _Many:
    """The mark in ``_b`` of a node whose ``_a`` holds a tuple of parents: one object,
    which copies and pickles as itself."""

    def __reduce__(self) -> str:
        return "_MANY"


_MANY = _Many()


def _parents(node: Value) -> tuple[Value, ...]:
    a, b = node._a, node._b
    if a is None:
        return ()
    if b is None:
        return (a,)
    return a if b is _MANY else (a, b)


def _args(inputs: Sequence[Any]) -> str:
    shown = ", ".join(repr(x) for x in inputs[:6])
    return f"({shown}{', …' if len(inputs) > 6 else ''})"


def _backward_error(node: Value, err: Exception) -> Exception:
    """``err`` from backward through ``node``, explained."""
    try:  # rerun the local rule alone: a wrong count of derivatives explains itself
        _local_grads(node._fn, node.data, [p.data for p in _parents(node)])
    except (ArithmeticError, ValueError, TypeError) as explained:
        return explained
    return type(err)(f"backward through {_describe(node)}: {err}")


def _locals_for(op: Op, out: Any, inputs: Sequence[Any], upstream: Any) -> Sequence[Any] | None:
    """∂out/∂input for each input, if the gradient ``upstream`` reaching the node needs them.

    The rule for a dead branch, one for every path (grad, create_graph, check_nodes,
    the timeline, the tape's replay; backward() writes its first test inline): where
    the upstream gradient is 0, every parent's share is 0 whatever the local
    derivative, which need not exist there (sqrt at 0): None, and nothing is run.
    A Value upstream (create_graph) that is 0 here need not be 0 nearby, so its
    local derivatives are still taken, for the second derivative; only where they
    do not exist is the answer None.
    """
    if not isinstance(upstream, Value):
        return None if upstream == 0.0 else _local_grads(op, out, inputs)
    if upstream.data != 0.0:
        return _local_grads(op, out, inputs)
    try:
        return _local_grads(op, out, inputs)
    except (ArithmeticError, ValueError):
        return None


def _grad_field(node: Value) -> float:
    return node.grad


def _not_finite_gradient(
    node: Value, order: list[Value], grad_of: Callable[[Value], float | None]
) -> Exception:
    """The error for ``node``'s gradient, NaN or infinite: it names the shares that made it."""
    g = grad_of(node)
    shares, infinite_local = [], False
    for consumer in order[order.index(node) + 1 :]:
        up = grad_of(consumer)
        parents = _parents(consumer)
        if not up or not -_INF < up < _INF or node not in parents:
            continue
        locals_ = _locals_for(consumer._fn, consumer.data, [p.data for p in parents], up)
        for parent, local in zip(parents, locals_ or (), strict=False):
            if parent is node:
                infinite_local = infinite_local or not -_INF < local < _INF
                shares.append(f"{local!r}·{up!r} = {local * up!r} from {_describe(consumer)}")
    came = f"; it got {'; '.join(shares[:4])}{' …' if len(shares) > 4 else ''}" if shares else ""
    advice = (
        "a local derivative is infinite there"
        if infinite_local
        else "rescale the inputs or constants so that no product passes about 1.8e308"
    )
    error = ValueError if g != g else OverflowError
    return error(
        f"backward: the gradient of {_describe(node)} is {g}, not a finite number{came}: {advice}"
    )


def _with(op: Op) -> str:
    """`` with k=0.5``: an op's constant parameters, for messages ("" if it has none)."""
    return " with " + ", ".join(f"{k}={v!r}" for k, v in op.params.items()) if op.params else ""


def _local_grads(op: Op, out: Any, inputs: Sequence[Any]) -> Sequence[Any]:
    try:
        grads = op.grads(out, *inputs)
    except (ArithmeticError, ValueError, TypeError) as err:
        floats = [i.data if isinstance(i, Value) else i for i in inputs]
        raise type(err)(f"derivative of {op.name}{_args(floats)}{_with(op)}: {err}") from None
    if not isinstance(grads, (tuple, list)):
        example = f"({grads!r:.40},)" if len(inputs) == 1 else "(d_a, d_b)"
        raise TypeError(
            f"local_grads of op {op.name!r} returned {type(grads).__name__} {grads!r:.60}, "
            f"not a tuple: return one derivative per input in a tuple, e.g. {example}"
        )
    if len(grads) != len(inputs):
        raise ValueError(
            f"local_grads of op {op.name!r} returned {len(grads)} derivatives {_args(grads)} "
            f"for {len(inputs)} input(s); it must return one per input"
        )
    for i, g in enumerate(grads):
        if isinstance(g, (bool, str, bytes)) or not isinstance(g, (numbers.Real, Value)):
            if not hasattr(g, "ndim"):  # numpy arrays come from the batched replay
                raise TypeError(
                    f"local_grads of op {op.name!r} returned {type(g).__name__} {g!r:.60} "
                    f"as the derivative toward input {i}; each must be a real number (a float)"
                )
    return grads


_ADD, _SUB, _MUL, _DIV, _NEG = OPS["add"], OPS["sub"], OPS["mul"], OPS["div"], OPS["neg"]
_POW, _VPOW, _RPOW = OPS["pow"], OPS["vpow"], OPS["rpow"]
_EXP, _LOG = OPS["exp"], OPS["log"]
_TANH, _SIGMOID, _RELU, _LEAKY = OPS["tanh"], OPS["sigmoid"], OPS["relu"], OPS["leaky_relu"]
_ABS, _SQRT, _SOFTPLUS = OPS["abs"], OPS["sqrt"], OPS["softplus"]
_SUM, _DOT = OPS["sum"], OPS["dot"]

# How backward reads the rules of add, sub and mul, checked against the table once:
# add's and sub's derivatives are constant floats (multiplied as they are), mul's are
# its inputs swapped. Every other rule is called node by node.
_PARTNERS = object()
_BINARY_RULES: dict[Op, Any] = {op: fixed_rule(op, 2) for op in (_ADD, _SUB)}
_BINARY_RULES[_MUL] = _PARTNERS if partners_rule(_MUL, 2) else None
_BINARY_RULES = {op: form for op, form in _BINARY_RULES.items() if form is not None}
_SUM_OF_SHARES = _ADD.from_rule(("sum", None, None))  # the op of create_graph's running sums


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
        pairs, products = _dot_inputs(weights, inputs)
        out = sum(products)
    except AttributeError:  # a number among the weights: _nary names it
        pairs, out = _interleaved(weights, inputs), _INF
    if not -1e999 < out < 1e999:
        return _nary(_DOT, pairs)  # the error, explained
    node = _new(Value)
    node.data = out
    node.grad = 0.0
    if not _paused or _records_here():
        node._fn, node._a, node._b = _DOT, pairs, _MANY
    else:
        node._fn = node._a = node._b = None
    return node


def _interleaved(weights: Sequence[Value], inputs: Sequence[Value]) -> tuple[Value, ...]:
    """(w₁, x₁, w₂, x₂, ...): a dot node's parents."""
    pairs: list[Value] = [None] * (2 * len(weights))  # type: ignore[list-item]
    pairs[::2], pairs[1::2] = weights, inputs
    return tuple(pairs)


def _dot_inputs_in_python(
    weights: Sequence[Value], inputs: Sequence[Value]
) -> tuple[tuple[Value, ...], Iterator[float]]:
    """A dot node's parents, and the products wᵢ·xᵢ that its forward sums."""
    return _interleaved(weights, inputs), map(mul, map(_DATA, weights), map(_DATA, inputs))


_dot_inputs = _dot_inputs_in_python if dot_inputs is None else dot_inputs  # or compiled


def _hand_to_collector(root: Value) -> None:
    """Let the cycle collector see ``root``'s graph and the graphs of its Value grads.

    A grad that is a Value (create_graph) is built from the graph's own nodes, so
    node -> grad -> ... -> node is a cycle, which reference counting never frees;
    the compiled storage leaves nodes out of the collector until they are tracked.
    """
    if not COMPILED:
        return
    seen: set[Value] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        track(node)
        stack.extend(_parents(node))
        if isinstance(node.grad, Value):
            stack.append(node.grad)


def topo_order(root: Value) -> list[Value]:
    """Every node ``root`` depends on, each after its parents, without recursion."""
    order: list[Value] = []
    seen: set[Value] = set()
    stack: list[Value | None] = [root]
    pop, push, done = stack.pop, stack.append, seen.__contains__
    while stack:
        node = pop()
        if node is None:  # the marker: everything above this node is done
            order.append(pop())
            continue
        if node in seen:
            continue
        seen.add(node)
        push(node)
        push(None)
        a = node._a
        if a is not None:  # pushed last to first, so parents come out in order
            b = node._b
            if b is _MANY:
                # A parent seen before is already in order (no path leads back
                # to this node), so it is not pushed: a neuron's weights, after
                # its first sample, make up half of a layer's parent links.
                stack.extend(filterfalse(done, a[::-1]))
            else:
                if b is not None:
                    push(b)
                push(a)
    return order


def _gradients(root: Value, order: list[Value], *, as_values: bool) -> dict[Value, Any]:
    """d(root)/d(node) for every node reached, as floats or as Values."""
    grads: dict[Value, Any] = {root: Value(1.0) if as_values else 1.0}
    known = set(order) if as_values else set()  # create_graph: the nodes not to tag
    tags: dict = {}  # create_graph: (op, origin) -> that op tagged with that origin
    with _recording_on(as_values):
        for node in reversed(order):
            g = grads.get(node)
            if g is None:
                continue
            if not as_values and not -_INF < g < _INF:
                raise _not_finite_gradient(node, order, grads.get)
            parents = _parents(node)
            if not parents:
                continue
            if as_values:
                locals_ = _locals_for(node._fn, node, parents, g)
            else:
                locals_ = _locals_for(node._fn, node.data, [p.data for p in parents], g)
            if locals_ is None:
                continue
            if as_values:
                _add_shares_as_values(node, parents, locals_, g, grads, known, tags)
                continue
            for parent, local in zip(parents, locals_, strict=True):
                step = g if (type(local) is float and local == 1.0) else local * g
                grads[parent] = grads[parent] + step if parent in grads else step
    return grads


def _add_shares_as_values(
    node: Value,
    parents: Sequence[Value],
    locals_: Sequence[Any],
    g: Value,
    grads: dict,
    known: set,
    tags: dict,
) -> None:
    """create_graph's chain rule into ``node``'s parents. Each node it makes is tagged
    with where it came from (``autograd.explain.describe.origin`` reads it): the local rule of
    ``node``'s op toward a slot, the chain rule's product, or a sum of shares. The
    graph being differentiated (``known``) is left alone. A tag is a copy of the op
    that carries it, as a label is, made once per op and origin (``tags``)."""
    op = node._fn.unlabelled
    for slot, (parent, local) in enumerate(zip(parents, locals_, strict=True)):
        if isinstance(local, Value):
            if local._a is not None and local not in known:
                _tag_rule(local, ("rule", op, slot), known, tags)
            step = local * g
        else:
            step = g if local == 1.0 else local * g
        if step is not g:  # local * g: a product, made by _MUL
            step._fn = _tagged(_MUL, ("chain", op, slot), tags)
        if parent in grads:
            total = grads[parent] = grads[parent] + step
            total._fn = _SUM_OF_SHARES
        else:
            grads[parent] = step


def _tagged(op: Op, origin: tuple, tags: dict) -> Op:
    key = (op, origin)
    copy = tags.get(key)
    if copy is None:
        copy = tags[key] = op.from_rule(origin)
    return copy


def _tag_rule(made: Value, origin: tuple, known: set, tags: dict) -> None:
    """Tag the nodes a local rule just made: those reached from ``made`` that are
    neither in the graph being differentiated, nor leaves, nor tagged already."""
    stack = [made]
    while stack:
        node = stack.pop()
        if node._a is None or node in known or node._fn.origin is not None:
            continue
        node._fn = _tagged(node._fn, origin, tags)
        stack.extend(_parents(node))


def grad(output: Value, inputs: Value | Sequence[Value], *, create_graph: bool = False) -> Any:
    """d(output)/d(input) for each input, without touching any ``.grad``.

    With ``create_graph=True`` the results are Values, recorded in the graph, so
    they can be differentiated again (second derivatives, Hessians).
    """
    if not isinstance(output, Value):
        raise TypeError(
            f"grad: the output must be a Value (the result of ops on the inputs), got "
            f"{type(output).__name__} {output!r:.60}; a plain number has no graph: build "
            "it from Values, e.g. y = x * x, then grad(y, x)"
        )
    single = isinstance(inputs, Value)
    wanted = [inputs] if single else _values(inputs)
    grads = _gradients(output, topo_order(output), as_values=create_graph)
    zero = Value(0.0) if create_graph else 0.0
    found = [grads.get(x, zero) for x in wanted]
    return found[0] if single else found


# Recording is per thread and per asyncio task: a ContextVar holds the no_grad
# block in force here (None: none). Reading it costs every node a call, so the
# hot path first reads _paused, the number of blocks open anywhere: while it is
# 0, which is nearly always, every context records and nothing else is read.


class _Pause:
    """One ``no_grad`` block; ``open`` until it ends (a task started inside it
    holds it too, and records again once the block ends)."""

    __slots__ = ("open",)

    def __init__(self) -> None:
        self.open = True


_PAUSE: ContextVar[_Pause | None] = ContextVar("chainrule_no_grad", default=None)
_paused = 0  # open no_grad blocks in all threads and tasks
_paused_lock = threading.Lock()


def _records_here() -> bool:
    pause = _PAUSE.get()
    return pause is None or not pause.open


def _values(inputs: Any) -> list[Value]:
    """``inputs`` as a list of Values, or a TypeError naming the one that is not."""
    try:
        wanted = list(inputs)
    except TypeError:
        raise TypeError(
            f"grad: inputs must be a Value or a list of Values, got {type(inputs).__name__} "
            f"{inputs!r:.60}"
        ) from None
    for i, x in enumerate(wanted):
        if not isinstance(x, Value):
            raise TypeError(
                f"grad: input {i} is {type(x).__name__} {x!r:.60}, not a Value; the "
                "derivative toward a plain number is not recorded: make it a Value first"
            )
    return wanted


@contextmanager
def _recording_on(on: bool) -> Iterator[None]:
    """Record within this block in this context, inside ``no_grad`` too, if ``on``."""
    if not on:
        yield
        return
    token = _PAUSE.set(None)
    try:
        yield
    finally:
        _PAUSE.reset(token)


@contextmanager
def no_grad() -> Iterator[None]:
    """Within this block, ops record no parents: results are new leaves.

    It holds in this thread or asyncio task only (and in tasks started inside it,
    while it lasts); other threads keep recording.
    """
    global _paused
    pause = _Pause()
    with _paused_lock:
        _paused += 1
    token = _PAUSE.set(pause)
    try:
        yield
    finally:
        _PAUSE.reset(token)
        pause.open = False
        with _paused_lock:
            _paused -= 1


def is_recording() -> bool:
    """False inside a ``no_grad()`` block of this thread or task."""
    return not _paused or _records_here()
