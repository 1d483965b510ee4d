"""The kernel every reader of the graph shares: a node's parents, its local derivatives,
and the text that names ops and nodes in messages.

A node keeps up to two parents in its ``_a`` and ``_b`` fields; an n-ary node keeps a
tuple in ``_a`` and ``MANY`` in ``_b``: ``parents_of(node)`` reads them back. ``local_grads``
runs an op's rule from the table (``autograd/ops.py``) and checks what it gives;
``local_grads_for`` skips it where the gradient reaching the node is 0. A node made the
micrograd way, ``Value(data, _children, _op)``, carries ``learners_op(_op)``: its
derivative is its ``_backward`` closure, which only backward runs.

Here a node is a ``Node`` (the storage's base of ``Value``): this module never imports
``autograd.value``, which imports it.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from operator import attrgetter, mul
from typing import Any

from autograd.ops import Op
from autograd.storage import Node, dot_inputs

__all__ = [
    "MANY",
    "LearnersOpError",
    "args_text",
    "defers",
    "as_float",
    "describe_node",
    "dot_parents",
    "forward_error",
    "interleaved",
    "is_learners",
    "learners_fields",
    "learners_op",
    "local_grads",
    "local_grads_for",
    "not_finite_forward",
    "params_text",
    "parents_of",
]


class _Many:
    """The mark in ``_b`` of a node whose ``_a`` holds a tuple of parents: one object,
    which copies and pickles as itself."""

    def __reduce__(self) -> str:
        return "MANY"


MANY = _Many()


def parents_of(node: Node) -> tuple[Node, ...]:
    """The inputs of the op that made ``node``, in order and with repeats (() for a leaf)."""
    a, b = node._a, node._b
    if a is None:
        return ()
    if b is None:
        return (a,)
    return a if b is MANY else (a, b)


# -- text for messages -----------------------------------------------------------------


def args_text(inputs: Sequence[Any]) -> str:
    """``(1.0, 2.0)``: an op's inputs for a message, the first six."""
    shown = ", ".join(repr(x) for x in inputs[:6])
    return f"({shown}{', …' if len(inputs) > 6 else ''})"


def params_text(op: Op) -> str:
    """`` with k=0.5``: an op's constant parameters, for messages ("" if it has none)."""
    return " with " + ", ".join(f"{k}={v!r}" for k, v in op.params.items()) if op.params else ""


def describe_node(node: Node) -> str:
    """``node 'h' (tanh, data=0.5)``: a node for a message."""
    name = f"{node.label!r} " if node.label else ""
    return f"node {name}({node.op or 'leaf'}, data={node.data!r})"


# -- local derivatives ------------------------------------------------------------------


def local_grads(op: Op, out: Any, inputs: Sequence[Any]) -> Sequence[Any]:
    """∂out/∂input for each input, from the op table, or an error naming the op."""
    try:
        grads = op.grads(out, *inputs)
    except (ArithmeticError, ValueError, TypeError) as err:
        floats = [i.data if isinstance(i, Node) else i for i in inputs]
        raise type(err)(
            f"derivative of {op.name}{args_text(floats)}{params_text(op)}: {err}"
        ) from None
    if not isinstance(grads, (tuple, list)):
        example = f"({grads!r:.40},)" if len(inputs) == 1 else "(d_a, d_b)"
        raise TypeError(
            f"local_grads of op {op.name!r} returned {type(grads).__name__} {grads!r:.60}, "
            f"not a tuple: return one derivative per input in a tuple, e.g. {example}"
        )
    if len(grads) != len(inputs):
        raise ValueError(
            f"local_grads of op {op.name!r} returned {len(grads)} derivatives {args_text(grads)} "
            f"for {len(inputs)} input(s); it must return one per input"
        )
    for i, g in enumerate(grads):
        if isinstance(g, (bool, str, bytes)) or not isinstance(g, (numbers.Real, Node)):
            if not hasattr(g, "ndim"):  # numpy arrays come from the batched replay
                raise TypeError(
                    f"local_grads of op {op.name!r} returned {type(g).__name__} {g!r:.60} "
                    f"as the derivative toward input {i}; each must be a real number (a float)"
                )
    return grads


def local_grads_for(op: Op, out: Any, inputs: Sequence[Any], upstream: Any) -> Sequence[Any] | None:
    """``local_grads``, if the gradient ``upstream`` reaching the node needs them.

    The rule for a dead branch, one for every path (grad, create_graph, check_nodes,
    the timeline, the tape's replay; backward_pass writes its first test inline): where
    the upstream gradient is 0, every parent's share is 0 whatever the local
    derivative, which need not exist there (sqrt at 0): None, and nothing is run.
    A Value upstream (create_graph) that is 0 here need not be 0 nearby, so its
    local derivatives are still taken, for the second derivative; only where they
    do not exist is the answer None.
    """
    if not isinstance(upstream, Node):
        return None if upstream == 0.0 else local_grads(op, out, inputs)
    if upstream.data != 0.0:
        return local_grads(op, out, inputs)
    try:
        return local_grads(op, out, inputs)
    except (ArithmeticError, ValueError):
        return None


# -- numbers a Value holds, and the errors of forwards ----------------------------------


def as_float(x: Any, what: str = "Value()") -> float:
    """``x`` as a finite float, or an error naming ``what`` got it and why it cannot hold it."""
    if type(x) is float:
        if not -math.inf < x < math.inf:
            raise ValueError(f"{what} got {x}; a Value holds a finite number")
        return x
    if isinstance(x, numbers.Real) and not isinstance(x, Node):
        try:
            return as_float(float(x), what)
        except OverflowError:
            size = f"an int of {x.bit_length()} bits" if isinstance(x, int) else type(x).__name__
            raise OverflowError(
                f"{what} got {size}, too large for a float (the largest is about 1.8e308); "
                "scale it down, or work with its logarithm"
            ) from None
    raise TypeError(
        f"{what} takes a real number (int, float or numpy scalar), got {type(x).__name__} {x!r:.60}"
    )


def forward_error(op: Op, inputs: Sequence[float], err: Exception) -> Exception:
    """``err`` from ``op``'s forward, naming the op, its inputs and parameters."""
    return type(err)(f"{op.name}{args_text(inputs)}{params_text(op)}: {err}")


def not_finite_forward(op: Op, inputs: Sequence[float], out: Any) -> Exception:
    """The error for a forward that gave ``out``, not a finite float: what to do about it."""
    where = f"{op.name}{args_text(inputs)}{params_text(op)}"
    if isinstance(out, complex):
        return TypeError(
            f"{where} gives the complex number {out}; a Value holds a real number. "
            "Make the op's forward refuse inputs outside its real domain with a ValueError "
            "(as log does below 0), or return only the real part if that is what you mean"
        )
    if isinstance(out, bool) or not isinstance(out, numbers.Real):
        return TypeError(
            f"{where} gives {type(out).__name__} {out!r:.60}; an op's forward must return a float"
        )
    error = ValueError if out != out else OverflowError
    return error(f"{where} gives {out}; inputs and results must be finite")


# -- a dot node's parents: (w₁, x₁, w₂, x₂, ...) -----------------------------------------


def interleaved(weights: Sequence[Node], inputs: Sequence[Node]) -> tuple[Node, ...]:
    """(w₁, x₁, w₂, x₂, ...): a dot node's parents."""
    pairs: list[Node] = [None] * (2 * len(weights))  # type: ignore[list-item]
    pairs[::2], pairs[1::2] = weights, inputs
    return tuple(pairs)


def _dot_parents_in_python(
    weights: Sequence[Node], inputs: Sequence[Node]
) -> tuple[tuple[Node, ...], Iterator[float]]:
    """A dot node's parents, and the products wᵢ·xᵢ that its forward sums."""
    data = attrgetter("_data")
    return interleaved(weights, inputs), map(mul, map(data, weights), map(data, inputs))


dot_parents = _dot_parents_in_python if dot_inputs is None else dot_inputs  # or compiled


# -- micrograd's Value(data, _children, _op): a node of a learner's own op ---------------


class LearnersOpError(TypeError):
    """The rule of a learner's op was asked for: only the node's ``_backward`` knows it."""


def _in_learners_backward(out: float, *inputs: float) -> tuple[float, ...]:
    raise LearnersOpError(
        "this node was made by Value(data, _children, _op), micrograd's way: its derivative "
        "is the _backward closure its class sets, which only backward() runs. The tools "
        "that read the op table (grad, create_graph, draw_dot, describe, trace, gradcheck) "
        "need a table op: build the node with Value.apply or with an op added by define_op"
    )


def _no_forward(*inputs: float) -> float:
    raise LearnersOpError("an op made by Value(data, _children, _op) has no forward to rerun")


def learners_op(symbol: str) -> Op:
    """The op of nodes made by ``Value(data, _children, symbol)``: named ``symbol``, with
    no rule in the table (asking for it raises ``LearnersOpError``)."""
    if not isinstance(symbol, str):
        raise TypeError(
            f"Value(data, _children, _op): _op is a str such as '+', got {symbol!r:.60}"
        )
    return _learners_op_named(symbol)


# The ops of the symbols used last are kept (micrograd writes f'**{other}', a symbol per
# exponent): lru_cache is thread-safe and holds no memory for symbols long unused.
@lru_cache(maxsize=256)
def _learners_op_named(symbol: str) -> Op:
    name = symbol or "op"
    return Op(
        name,
        _no_forward,
        _in_learners_backward,
        f"{name}(…)",
        ("in _backward",),
        symbol=name,
        micrograd=symbol,
    )


def is_learners(op: Op) -> bool:
    """True for the op of a node made by ``Value(data, _children, _op)``."""
    return op.local_grads is _in_learners_backward


def learners_fields(children: Iterable[Node], symbol: str) -> tuple[Op, Any, Any]:
    """``_fn``, ``_a``, ``_b`` of a node made by ``Value(data, children, symbol)``. Its
    parents are the children once each, as micrograd's ``_prev`` set holds them
    (``a + a`` has one, and its ``_backward`` adds both shares)."""
    try:
        unique = tuple(dict.fromkeys(children))
    except TypeError:
        raise TypeError(
            f"Value(data, _children, _op): _children is the tuple of Values the op read, "
            f"got {type(children).__name__} {children!r:.60}"
        ) from None
    for child in unique:
        if not isinstance(child, Node):
            raise TypeError(
                f"Value(data, _children, _op): a child is {type(child).__name__} "
                f"{child!r:.60}, not a Value"
            )
    op = learners_op(symbol)
    if len(unique) == 1:
        return op, unique[0], None
    if len(unique) == 2:
        return op, unique[0], unique[1]
    return op, unique, MANY


def defers(other: Any) -> bool:
    """True for an operand whose type asks Value's operators to let its own reflected
    ones run (``__defer_value_ops__ = True``, as forward mode's Dual sets)."""
    return getattr(type(other), "__defer_value_ops__", False) is True
