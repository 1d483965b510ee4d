"""Backward: the walks over a graph and the chain rule along them.

- ``topo_order``: every node under a root, each after its parents (no recursion).
- ``backward_pass``: ``Value.backward``. It hands the nodes whose numbers are floats to
  the compiled storage's loop when there is one, and runs the rest here; add's, sub's
  and mul's rules are read once, as forms, rather than called node by node.
- ``gradients``: d(root)/d(node) into a dict, as floats or as Values (``create_graph``,
  each node it makes tagged with its origin for ``autograd.explain.describe.origin``).
- ``grad``: ``gradients`` for chosen inputs, touching no ``.grad``.
- ``backward_error``/``not_finite_gradient``: backward's errors, naming the node.

It reads nodes through ``autograd.graph`` and never imports ``autograd.value``: a node
is a ``Node``, the storage's base of ``Value``.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from itertools import filterfalse
from operator import attrgetter
from typing import Any

import autograd.recording as recording
from autograd.graph import (
    MANY,
    LearnersOpError,
    describe_node,
    local_grads,
    local_grads_for,
    parents_of,
)
from autograd.ops import OPS, Op, fixed_rule, partners_rule, step_rule
from autograd.storage import COMPILED, Node, inner_order, track, walk_back

__all__ = [
    "backward_error",
    "backward_pass",
    "fresh_zero",
    "grad",
    "gradients",
    "inner_order_in_python",
    "not_finite_gradient",
    "topo_order",
]

_INF = math.inf
_DATA = attrgetter("_data")


# -- backward's errors ------------------------------------------------------------------


def backward_error(node: Node, err: Exception) -> Exception:
    """``err`` from backward through ``node``, explained."""
    try:  # rerun the local rule alone: a wrong count of derivatives explains itself
        local_grads(node._fn, node.data, [p.data for p in parents_of(node)])
    except (ArithmeticError, ValueError, TypeError) as explained:
        return explained
    return type(err)(f"backward through {describe_node(node)}: {err}")


def not_finite_gradient(
    node: Node, order: list[Node], grad_of: Callable[[Node], float | None]
) -> Exception:
    """The error for ``node``'s gradient, NaN or infinite: it names the shares that made it."""
    g = grad_of(node)
    shares, infinite_local = [], False
    for consumer in order[order.index(node) + 1 :]:
        up = grad_of(consumer)
        inputs = parents_of(consumer)
        if not up or not -_INF < up < _INF or node not in inputs:
            continue
        locals_ = local_grads_for(consumer._fn, consumer.data, [p.data for p in inputs], up)
        for parent, local in zip(inputs, locals_ or (), strict=False):
            if parent is node:
                infinite_local = infinite_local or not -_INF < local < _INF
                shares.append(f"{local!r}·{up!r} = {local * up!r} from {describe_node(consumer)}")
    came = f"; it got {'; '.join(shares[:4])}{' …' if len(shares) > 4 else ''}" if shares else ""
    advice = (
        "a local derivative is infinite there"
        if infinite_local
        else "rescale the inputs or constants so that no product passes about 1.8e308"
    )
    error = ValueError if g != g else OverflowError
    what = f"the gradient of {describe_node(node)} is {g}, not a finite number"
    return error(f"backward: {what}{came}: {advice}")


def _grad_field(node: Node) -> float:
    return node.grad


# -- the walks --------------------------------------------------------------------------


def topo_order(root: Node, *more: Node) -> list[Node]:
    """Every node ``root`` depends on, each after its parents, without recursion; with
    ``more`` roots, then each of theirs not listed yet, root by root, in one walk."""
    order: list[Node] = []
    seen: set[Node] = set()
    stack: list[Node | None] = [*reversed(more), root]  # root comes off the stack first
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
            if b is MANY:
                # A parent seen before is already in order (no path leads back
                # to this node), so it is not pushed: a neuron's weights, after
                # its first sample, make up half of a layer's parent links.
                stack.extend(filterfalse(done, a[::-1]))
            else:
                if b is not None:
                    push(b)
                push(a)
    return order


def fresh_zero() -> float:
    """A new float object holding 0.0, told apart from every other by identity."""
    return _ONE * 0.0


_ONE = 1.0


def inner_order_in_python(root: Node, zero: float, many: object) -> tuple[list[Node], set[Node]]:
    """The nodes an op made under ``root`` (root last), each after its parents, and
    the leaves under it. Each node's grad is set to ``zero``: backward's fresh start,
    and its mark of a node already walked (a set of the nodes seen would cost a hash
    each). Leaves keep their grads (backward adds to them), so a set holds them."""
    order: list[Node] = []
    leaves: set[Node] = set()
    stack: list[Node | None] = [root]
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


_inner_order = inner_order_in_python if inner_order is None else inner_order  # or compiled


# -- backward ---------------------------------------------------------------------------

_ADD, _SUB, _MUL = OPS["add"], OPS["sub"], OPS["mul"]

# How backward reads the rules of add, sub, mul, neg and relu, checked against the table
# once: add's, sub's and neg's derivatives are constant floats (multiplied as they are;
# add's 1.0 and 1.0, _PASSES, pass the gradient on, as 1.0 * g is g), mul's are its inputs
# swapped, relu's is one float above 0 and another elsewhere (a pair for a one-input op).
# Every other rule is called node by node.
_PARTNERS = object()
_RULE_FORMS: dict[Op, Any] = {op: fixed_rule(op, 2) for op in (_ADD, _SUB)}
_RULE_FORMS[_MUL] = _PARTNERS if partners_rule(_MUL, 2) else None
_RULE_FORMS[OPS["neg"]] = fixed_rule(OPS["neg"], 1)
_RULE_FORMS[OPS["relu"]] = step_rule(OPS["relu"])
_RULE_FORMS = {op: form for op, form in _RULE_FORMS.items() if form is not None}
_PASSES = _RULE_FORMS.get(_ADD) if _RULE_FORMS.get(_ADD) == (1.0, 1.0) else object()
_SUM_OF_SHARES = _ADD.from_rule(("sum", None, None))  # the op of create_graph's running sums


def backward_pass(root: Node, *, create_graph: bool = False) -> None:
    """``root.backward()``: fill the ``grad`` of every node under ``root`` (see
    ``Value.backward`` for the rule of repeated calls)."""
    if create_graph:
        order = topo_order(root)
        grads = gradients(root, order, as_values=True)
        for node in order:
            fresh = grads.get(node, 0.0)
            node._grad = node.grad + fresh if node._a is None else fresh
        _hand_to_collector(root)
        return
    if root._a is None:  # a leaf root: nothing to walk
        root.grad += 1.0
        if not -1e999 < root.grad < 1e999:
            raise not_finite_gradient(root, [root], _grad_field)
        return
    zero = fresh_zero()
    order, leaves = _inner_order(root, zero, MANY)
    root.grad = 1.0
    node = root
    many, forms, partners, passes = MANY, _RULE_FORMS, _PARTNERS, _PASSES
    if walk_back is not None:  # compiled: the nodes whose numbers are floats
        try:
            del order[walk_back(order, forms, partners, many) :]
        except (ArithmeticError, ValueError, TypeError) as err:
            raise backward_error(node, err) from None
    nodes = reversed(order)
    while True:
        try:
            for node in nodes:
                g = node.grad
                if g == 0.0:  # local_grads_for's rule, written inline
                    continue
                if g - g != 0.0:  # inf or NaN
                    break
                b = node._b
                if b is None:
                    a = node._a
                    form = forms.get(node._fn)
                    if form is None:
                        (local,) = node._fn.grads(node._data, a._data)
                    elif len(form) == 1:
                        (local,) = form
                    else:
                        local = form[0] if a._data > 0 else form[1]
                    a.grad += local * g
                elif b is not many:
                    a, fn = node._a, node._fn
                    form = forms.get(fn)
                    if form is partners:
                        a.grad += b._data * g
                        b.grad += a._data * g
                    elif form is passes:
                        a.grad += g
                        b.grad += g
                    else:
                        da, db = fn.grads(node._data, a._data, b._data) if form is None else form
                        a.grad += da * g
                        b.grad += db * g
                else:
                    a = node._a
                    locals_ = node._fn.grads(node._data, *map(_DATA, a))
                    for parent, local in zip(a, locals_, strict=True):
                        parent.grad += local * g
            else:
                if all(-1e999 < leaf.grad < 1e999 for leaf in leaves):
                    return
            break
        except LearnersOpError:  # Value(data, _children, _op): as micrograd, its closure
            node._backward()  # adds the shares; then the walk goes on from the next node
        except (ArithmeticError, ValueError, TypeError) as err:
            raise backward_error(node, err) from None
    # A gradient is NaN or infinite: name the first, in the order backward visits
    # every node, leaves too (whose grads are final by the time it reaches them).
    everything = topo_order(root)
    node = next(n for n in reversed(everything) if not -1e999 < n.grad < 1e999)
    raise not_finite_gradient(node, everything, _grad_field)


def checked_grad(node: Node, x: Any) -> Any:
    """What ``node.grad = x`` keeps on the compiled storage, for an ``x`` that is not a
    float: a real number as it is; a Value, with the node and the Value's graph handed to
    the cycle collector (a grad built from the node's own graph is a cycle); anything
    else refused, since a cycle through it would pass nodes the collector does not see."""
    if isinstance(x, Node):
        track(node)
        _hand_to_collector(x)
        return x
    if isinstance(x, numbers.Real):
        return x
    name = getattr(node, "_label", "")
    where = f"grad of Value {name!r}" if name else f"grad of a Value (data={node._data!r})"
    raise TypeError(
        f"cannot set {where} to {type(x).__name__} {x!r:.60}: a grad is a number (or a Value, "
        "as backward(create_graph=True) leaves). Keep other things beside the Value, in a "
        "dict or an attribute of your own class"
    )


def _hand_to_collector(root: Node) -> None:
    """Let the cycle collector see ``root``'s graph and the graphs of its Value grads.

    A grad that is a Value (create_graph) is built from the graph's own nodes, so
    node -> grad -> ... -> node is a cycle, which reference counting never frees;
    the compiled storage leaves nodes out of the collector until they are tracked.
    """
    if not COMPILED:
        return
    seen: set[Node] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        track(node)
        stack.extend(parents_of(node))
        if isinstance(node.grad, Node):
            stack.append(node.grad)


def gradients(root: Node, order: list[Node], *, as_values: bool) -> dict[Node, Any]:
    """d(root)/d(node) for every node reached (``order`` is ``topo_order(root)``), as
    floats or as Values (made of the root's own class, recorded for differentiating again)."""
    grads: dict[Node, Any] = {root: type(root)(1.0) if as_values else 1.0}
    known = set(order) if as_values else set()  # create_graph: the nodes not to tag
    tags: dict = {}  # create_graph: (op, origin) -> that op tagged with that origin
    with recording.forced_recording(as_values):
        for node in reversed(order):
            g = grads.get(node)
            if g is None:
                continue
            if not as_values and not -_INF < g < _INF:
                raise not_finite_gradient(node, order, grads.get)
            inputs = parents_of(node)
            if not inputs:
                continue
            if as_values:
                locals_ = local_grads_for(node._fn, node, inputs, g)
            else:
                locals_ = local_grads_for(node._fn, node.data, [p.data for p in inputs], g)
            if locals_ is None:
                continue
            if as_values:
                _add_shares_as_values(node, inputs, locals_, g, grads, known, tags)
                continue
            for parent, local in zip(inputs, locals_, strict=True):
                step = g if (type(local) is float and local == 1.0) else local * g
                grads[parent] = grads[parent] + step if parent in grads else step
    return grads


def _add_shares_as_values(
    node: Node,
    inputs: Sequence[Node],
    locals_: Sequence[Any],
    g: Node,
    grads: dict,
    known: set,
    tags: dict,
) -> None:
    """create_graph's chain rule into ``node``'s parents. Each node it makes is tagged
    with where it came from (``autograd.explain.describe.origin`` reads it): the local rule of
    ``node``'s op toward a slot, the chain rule's product, or a sum of shares. The
    graph being differentiated (``known``) is left alone. A tag is a copy of the op
    that carries it, as a label is, made once per op and origin (``tags``)."""
    op = node._fn.table_entry
    for slot, (parent, local) in enumerate(zip(inputs, locals_, strict=True)):
        if isinstance(local, Node):
            if local._a is not None and local not in known:
                _tag_rule(local, ("rule", op, slot), known, tags)
            step = local * g
        else:
            step = g if local == 1.0 else local * g
        if step is not g:  # local * g: a product, made by mul
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


def _tag_rule(made: Node, origin: tuple, known: set, tags: dict) -> None:
    """Tag the nodes a local rule just made: those reached from ``made`` that are
    neither in the graph being differentiated, nor leaves, nor tagged already."""
    stack = [made]
    while stack:
        node = stack.pop()
        if node._a is None or node in known or node._fn.origin is not None:
            continue
        node._fn = _tagged(node._fn, origin, tags)
        stack.extend(parents_of(node))


def grad(output: Node, inputs: Node | Sequence[Node], *, create_graph: bool = False) -> Any:
    """d(output)/d(input) for each input, without touching any ``.grad``.

    With ``create_graph=True`` the results are Values, recorded in the graph, so
    they can be differentiated again (second derivatives, Hessians).
    """
    if not isinstance(output, Node):
        raise TypeError(
            f"grad: the output must be a Value (the result of ops on the inputs), got "
            f"{type(output).__name__} {output!r:.60}; a plain number has no graph: build "
            "it from Values, e.g. y = x * x, then grad(y, x)"
        )
    single = isinstance(inputs, Node)
    wanted = [inputs] if single else _values(inputs)
    grads = gradients(output, topo_order(output), as_values=create_graph)
    zero = type(output)(0.0) if create_graph else 0.0
    found = [grads.get(x, zero) for x in wanted]
    return found[0] if single else found


def _values(inputs: Any) -> list[Node]:
    """``inputs`` as a list of Values, or a TypeError naming the one that is not."""
    try:
        wanted = list(inputs)
    except TypeError:
        raise TypeError(
            f"grad: inputs must be a Value or a list of Values, got {type(inputs).__name__} "
            f"{inputs!r:.60}"
        ) from None
    for i, x in enumerate(wanted):
        if not isinstance(x, Node):
            raise TypeError(
                f"grad: input {i} is {type(x).__name__} {x!r:.60}, not a Value; the "
                "derivative toward a plain number is not recorded: make it a Value first"
            )
    return wanted
