"""Forward mode from the same op table: tangents pushed from the inputs to the root.

``push_tangents`` computes, once and in its own mapping, each node's tangent
``node' = Σ ∂node/∂parentᵢ · parentᵢ'`` (the local derivatives read from the op
table through ``describe``), seeding chosen leaves. ``jvp``, ``Dual``, the forward
stepper and ``cost`` all read it; no ``.grad`` or ``.data`` is touched.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from autograd.explain.describe import Description, Edge, describe, kink_note, local_derivatives
from autograd.explain.display import pre
from autograd.explain.text import format_table, num
from autograd.explain.timeline import StepCursor
from autograd.ops import OPS
from autograd.value import Value, _backward_error, is_recording

__all__ = [
    "Cost",
    "Dual",
    "ForwardStepper",
    "TangentStep",
    "Tangents",
    "cost",
    "forward_steps",
    "jvp",
    "push_tangents",
]


@dataclass(frozen=True)
class TangentStep:
    """One node's tangent: ``node' = Σ ∂node/∂parent · parent'`` over its input slots."""

    index: int
    node: Value
    edges: tuple[Edge, ...]
    inputs: tuple[float | None, ...]  # each slot's parent tangent (None: undefined)
    tangent: float | None  # None: undefined here, multiplied by 0 on every path after
    name: str

    @property
    def line(self) -> str:
        """The step's arithmetic, one line, in the learner's names."""
        names = self.edges[0].names
        terms = " + ".join(f"{e.partial}·{names[e.parent]}'" for e in self.edges)
        values = " + ".join(
            f"({_num(e.local)})({_num(t)})" for e, t in zip(self.edges, self.inputs, strict=True)
        )
        rules = ", ".join(e.rule for e in self.edges)
        op = self.node.op_spec.name
        line = f"{self.name}' = {terms} = {values} = {_num(self.tangent)}    [{op}: {rules}]"
        if self.tangent is None:
            line += "  (undefined, but every path on multiplies it by 0, as backward skips it)"
        kink = kink_note(self.node, names)
        return line if kink is None else f"{line}  ⚠ {kink}"

    def __str__(self) -> str:
        return self.line

    def _repr_html_(self) -> str:
        return pre(self.line)


class Tangents:
    """Every node's tangent for the given seeds (leaf → tangent), step by step."""

    def __init__(self, described: Description, seeds: Mapping[Value, float]) -> None:
        self.description = described
        self.root = described.root
        self.names = described.names
        self.seeds = dict(seeds)
        for leaf, t in self.seeds.items():
            if leaf not in described.index:
                raise ValueError("a seeded Value is not in the graph of this root")
            _finite_tangent(t, f"the tangent seeded at {_who(leaf)}")
        self.tangent: dict[Value, float | None] = {}  # None: undefined (see _push)
        self.steps: list[TangentStep] = []
        finite: dict[Value, float] = {}
        pending: dict[Value, Pending] = {}
        for node in described.order:
            if node.is_leaf:
                self.tangent[node] = finite[node] = float(self.seeds.get(node, 0.0))
                pending[node] = {}
                continue
            edges = tuple(described.edges_into(node))
            finite[node], pending[node] = _push(
                node,
                [e.local for e in edges],
                [finite[e.parent] for e in edges],
                [pending[e.parent] for e in edges],
            )
            self.tangent[node] = None if pending[node] else finite[node]
            inputs = tuple(self.tangent[e.parent] for e in edges)
            self.steps.append(
                TangentStep(
                    len(self.steps), node, edges, inputs, self.tangent[node], self.names[node]
                )
            )
        _raise_if_undefined(pending[self.root])

    def __len__(self) -> int:
        return len(self.steps)

    def __iter__(self) -> Iterator[TangentStep]:
        return iter(self.steps)

    @property
    def root_tangent(self) -> float:
        """The directional derivative of the root along the seeds."""
        return self.tangent[self.root]


@dataclass(frozen=True, eq=False)
class Stuck:
    """Where a tangent stopped being a finite number: the node, and the error to raise
    if it reaches the root (None: the op's rule is undefined there, rerun for its words)."""

    node: Value
    error: ArithmeticError | ValueError | None


Pending = dict[Stuck, float]  # where a tangent is undefined or not finite -> its factor


def _push(
    node: Value,
    locals_: Sequence[float | None],
    tangents: Sequence[float],
    pending: Sequence[Pending],
) -> tuple[float, Pending]:
    """``node' = Σ ∂node/∂parent · parent'``, as a finite part and the pending terms.

    The mirror of backward's dead-branch rule (``value._locals_for``): a parent
    whose tangent is 0 adds 0, its rule unread. Where a rule is undefined (sqrt at
    0), or the tangent is not a finite number (log's 1/a = inf at a = 5e-324, or a
    product past 1.8e308), the node's tangent is kept pending, a factor per such
    node; a factor every later path multiplies by 0 drops out, as backward never
    reads that rule (its upstream gradient is 0), so jvp agrees with grad() on a
    dead branch. Any left at the root is the error backward would raise.
    """
    total, carried, undefined = 0.0, {}, False
    for local, t, parts in zip(locals_, tangents, pending, strict=True):
        if t == 0.0 and not parts:
            continue
        if local is None:
            undefined = True
            continue
        total += local * t
        for k, c in parts.items():
            carried[k] = carried.get(k, 0.0) + local * c
    if undefined:
        carried[Stuck(node, None)] = 1.0
    elif not -math.inf < total < math.inf:
        carried[Stuck(node, _not_finite(node, locals_, tangents, total))] = 1.0
        total = 0.0  # the whole tangent is pending: a later factor 0 takes all of it
    return total, {k: c for k, c in carried.items() if c != 0.0}


def _not_finite(
    node: Value, locals_: Sequence[float | None], tangents: Sequence[float], total: float
) -> ArithmeticError | ValueError:
    """The error for ``node``'s tangent, inf or NaN, naming the terms that made it, as
    backward's names the shares that make a gradient inf."""
    terms = [
        f"{local!r}·{t!r} = {local * t!r} from {_who(parent)}"
        for parent, local, t in zip(node.parents, locals_, tangents, strict=True)
        if t != 0.0 and local is not None
    ]
    infinite_local = any(
        local is not None and t != 0.0 and not math.isfinite(local)
        for local, t in zip(locals_, tangents, strict=True)
    )
    advice = (
        "a local derivative is infinite there"
        if infinite_local
        else "rescale the inputs, constants or tangents so that no product passes about 1.8e308"
    )
    error = ValueError if total != total else OverflowError
    return error(
        f"forward mode: the tangent of {_who(node)} is {total}, not a finite number; "
        f"it got {' + '.join(terms) or 'no finite term'}: {advice}"
    )


def _who(node: Value) -> str:
    """``node 'x' (log, data=0.5)``, as backward's messages name a node."""
    name = f"{node.label!r} " if node.label else ""
    return f"node {name}({node.op or 'leaf'}, data={node.data!r})"


def _finite_tangent(t: float, what: str) -> float:
    """``t`` as a float, or a ValueError saying ``what`` was not a finite number."""
    if isinstance(t, (bool, Value)) or not isinstance(t, numbers.Real):
        raise TypeError(f"{what} must be a number, got {type(t).__name__} {t!r:.40}")
    t = float(t)
    if not math.isfinite(t):
        raise ValueError(f"{what} is {t}; a tangent must be a finite number")
    return t


def _raise_if_undefined(pending: Pending) -> None:
    if pending:
        stuck = next(iter(pending))
        if stuck.error is not None:
            raise stuck.error
        raise _backward_error(stuck.node, ArithmeticError("undefined local derivative"))


def _num(x: float | None) -> str:
    return "undefined" if x is None else num(x)


def push_tangents(root: Value, seeds: Mapping[Value, float]) -> Tangents:
    """Forward mode through ``root``'s graph from ``seeds`` (a leaf's tangent, e.g. 1)."""
    return Tangents(describe(root), seeds)


def jvp(
    f: Callable[..., Value], inputs: Sequence[float], tangents: Sequence[float]
) -> tuple[float, float]:
    """``(f(inputs), Σ ∂f/∂xᵢ · tᵢ)``: the value and the derivative along ``tangents``."""
    if len(inputs) != len(tangents):
        raise ValueError(f"jvp: {len(inputs)} inputs but {len(tangents)} tangents")
    ts = [_finite_tangent(t, f"jvp: tangent {i}") for i, t in enumerate(tangents)]
    xs = [Value(x, label=f"x[{i}]") for i, x in enumerate(inputs)]
    out = f(*xs)
    if not isinstance(out, Value):
        raise TypeError(f"jvp: f must return a Value, got {type(out).__name__}")
    described = describe(out)
    seeds = {x: t for x, t in zip(xs, ts, strict=True) if x in described.index}
    return out.data, Tangents(described, seeds).root_tangent


class ForwardStepper(StepCursor):
    """Forward mode along one leaf, paused between steps: ``next``, ``finish``, ``print``."""

    def __init__(self, root: Value, wrt: Value) -> None:
        if not isinstance(wrt, Value) or not wrt.is_leaf:
            raise TypeError("forward_steps: wrt must be a leaf Value of the graph")
        self.tangents = push_tangents(root, {wrt: 1.0})
        self.root, self.wrt = root, wrt
        self.names = self.tangents.names
        self.taken: list[TangentStep] = []

    @property
    def done(self) -> bool:
        return len(self.taken) == len(self.tangents)

    def step(self) -> TangentStep | None:
        """Take the next step and return it (None when the pass is complete)."""
        if self.done:
            return None
        step = self.tangents.steps[len(self.taken)]
        self.taken.append(step)
        return step

    def tangent(self, node: Value) -> float | None:
        """``node``'s tangent if its step is taken (a leaf's is its seed), else None
        (None too where it is undefined but multiplied by 0 on every later path)."""
        if node.is_leaf or any(s.node is node for s in self.taken):
            return self.tangents.tangent[node]
        return None

    def __str__(self) -> str:
        w, r = self.names[self.wrt], self.names[self.root]
        head = (
            f"forward mode along {w} ({w}' = 1, other leaves 0), d{r}/d{w} = {r}': "
            f"{len(self.taken)} of {len(self.tangents)} steps"
        )
        if self.taken:
            head += f"\nlast step: {self.taken[-1]}"
        taken = {s.node for s in self.taken}
        rows = [
            (self.names[n], n.op or "leaf", n.data, t if n.is_leaf or n in taken else "?")
            for n in self.tangents.description.order
            for t in [_num(self.tangents.tangent[n])]
        ]
        return head + "\n" + format_table(("node", "op", "data", "tangent"), rows)

    def _repr_html_(self) -> str:
        return pre(str(self))

    def __repr__(self) -> str:
        done = f"{len(self.taken)}/{len(self.tangents)}"
        return f"<ForwardStepper along {self.names[self.wrt]}: {done} steps>"


def forward_steps(root: Value, wrt: Value) -> ForwardStepper:
    """Forward mode along ``wrt`` one node at a time; the last tangent is d(root)/d(wrt)."""
    return ForwardStepper(root, wrt)


# -- cost: forward mode's passes against reverse mode's one ---------------------------


@dataclass(frozen=True)
class Cost:
    """Multiply-adds (one per edge a tangent or a gradient crosses) for the full gradient."""

    root: str
    leaves: tuple[str, ...]
    per_leaf: tuple[int, ...]  # forward mode: edges reached from each leaf
    edges: int  # reverse mode: every edge once

    @property
    def forward(self) -> int:
        """Forward mode: one pass per leaf, each crossing the edges the leaf reaches."""
        return sum(self.per_leaf)

    @property
    def forward_dense(self) -> int:
        """Forward mode if every pass visited every edge, zero tangents included."""
        return len(self.leaves) * self.edges

    @property
    def reverse(self) -> int:
        """Reverse mode: one pass from the root over every edge."""
        return self.edges

    def __str__(self) -> str:
        rows = [(leaf, str(n)) for leaf, n in zip(self.leaves, self.per_leaf, strict=True)]
        table = format_table(("forward pass along", "multiply-adds"), rows)
        ratio = self.forward / self.reverse if self.reverse else 1.0
        n = len(self.leaves)
        return (
            f"the gradient of {self.root} toward its {_count(n, 'leaf', 'leaves')}:\n{table}\n"
            f"forward mode: {_count(n, 'pass', 'passes')}, {self.forward} multiply-adds "
            f"({self.forward_dense} if each pass visits all {self.edges} edges)\n"
            f"reverse mode: 1 pass, {self.reverse} multiply-adds "
            f"(forward mode needs {ratio:.3g}x as many)"
        )

    def _repr_html_(self) -> str:
        return pre(str(self))


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def cost(root: Value) -> Cost:
    """Multiply-adds for d(root)/d(every leaf), forward mode against reverse mode.

    One multiply-add per edge crossed: ∂node/∂parent times the parent's tangent
    (forward) or the node's gradient (reverse), added in. Forward mode needs one
    pass per leaf, crossing the edges out of the nodes that leaf reaches; reverse
    mode one pass from the root, crossing every edge once.
    """
    described = describe(root)
    leaves = [n for n in described.order if n.is_leaf]
    bit = {leaf: 1 << i for i, leaf in enumerate(leaves)}
    reaches: dict[Value, int] = {}  # per node, the leaves it depends on, as bits
    per_leaf = [0] * len(leaves)
    edges = 0
    for node in described.order:
        if node.is_leaf:
            reaches[node] = bit[node]
            continue
        mask = 0
        for parent in node.parents:
            edges += 1
            mask |= reaches[parent]
            for i in _bits(reaches[parent]):
                per_leaf[i] += 1
        reaches[node] = mask
    names = tuple(described.names[leaf] for leaf in leaves)
    return Cost(described.names[root], names, tuple(per_leaf), edges)


def _bits(mask: int) -> Iterator[int]:
    i = 0
    while mask:
        if mask & 1:
            yield i
        mask >>= 1
        i += 1


# -- Dual: forward mode in the REPL ------------------------------------------------------


class Dual:
    """A Value with a tangent: ``Dual(x, dx)``; arithmetic records Values and pushes
    tangents with the op table's local derivatives (``Dual(2, 1).tanh().tangent``).

    It has every op a Value has, as a method or an operator (made from ``OPS`` below),
    and ``Dual.apply(op, ...)`` as ``Value.apply``. A tangent that is undefined or not
    a finite number raises when read, naming the node and op, as backward does.
    """

    __slots__ = ("value", "_tangent", "_pending")
    __defer_value_ops__ = True  # Value(1) + Dual(2, 1): Value's + hands over to Dual's

    def __init__(self, value: Value | float, tangent: float = 0.0) -> None:
        self.value = value if isinstance(value, Value) else Value(value)
        self._tangent = _finite_tangent(tangent, f"Dual({num(self.value.data)}, ...): the tangent")
        self._pending: Pending = {}

    @property
    def tangent(self) -> float:
        """d(value) along the seeded tangents (raises where it is undefined or not finite)."""
        _raise_if_undefined(self._pending)
        return self._tangent

    @property
    def data(self) -> float:
        return self.value.data

    @staticmethod
    def apply(op: str, *inputs: Dual | Value | float, **params: float) -> Dual:
        """Run a table op on Duals (or Values, numbers): ``Dual.apply("tanh", x)``."""
        return _pushed(lambda *values: Value.apply(op, *values, **params), inputs)

    def _apply(self, method: str, *others: Dual | Value | float, **params: float) -> Dual:
        return _pushed(lambda me, *rest: getattr(me, method)(*rest, **params), (self, *others))

    def __getattr__(self, name: str) -> Callable[..., Dual]:
        methods = ", ".join(m for m in DUAL_METHODS if not m.startswith("__"))
        raise AttributeError(f"Dual has no method {name!r}; its ops: + - * / ** and {methods}")

    def __repr__(self) -> str:
        if not self._pending:
            return f"Dual({num(self.data)}, {num(self._tangent)})"
        stuck = next(iter(self._pending))
        return f"Dual({num(self.data)}, {'undefined' if stuck.error is None else 'not finite'})"


def _pushed(run: Callable[..., Value], inputs: Sequence[Dual | Value | float]) -> Dual:
    """``run`` on the inputs' Values, its node's tangent pushed from the Duals among them."""
    if not is_recording():
        raise RuntimeError("Dual needs the graph recorded: it cannot run inside no_grad()")
    known = {i.value: i for i in inputs if isinstance(i, Dual)}
    out = run(*(i.value if isinstance(i, Dual) else i for i in inputs))
    duals = [known.get(parent) for parent in out.parents]
    tangents = [0.0 if d is None else d._tangent for d in duals]
    pending = [{} if d is None else d._pending for d in duals]
    result = Dual(out)
    if any(tangents) or any(pending):  # a zero tangent never reads the rule
        result._tangent, result._pending = _push(out, local_derivatives(out), tangents, pending)
    return result


def _dual_method(name: str) -> Callable[..., Dual]:
    forward = f"__{name[3:]}" if name.startswith("__r") else None

    def method(self: Dual, *others: Dual | Value | float, **params: float) -> Dual:
        if forward is not None and isinstance(others[0], Value):  # Value ** Dual: a ** b
            return _pushed(lambda me, other: getattr(other, forward)(me), (self, *others))
        return self._apply(name, *others, **params)

    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"``Value.{name}`` on the value, its tangent pushed along."
    return method


def _value_methods() -> list[str]:
    """The Value methods and operators that run a table op: ``tanh``, ``__add__``,
    ``__radd__`` ... (Python spells div's operators ``truediv``)."""
    names: dict[str, None] = {}  # in the table's order, once each (pow and rpow share __rpow__)
    for op in OPS:
        spelled = "truediv" if op == "div" else op
        for name in (op, f"__{spelled}__", f"__r{spelled}__"):
            if name not in vars(object) and callable(getattr(Value, name, None)):
                names[name] = None
    return list(names)


DUAL_METHODS = tuple(_value_methods())
"""Dual's methods, one per Value method or operator of an op in the table."""
for _name in DUAL_METHODS:
    setattr(Dual, _name, _dual_method(_name))
