"""Forward mode from the same op table: tangents pushed from the inputs to the root.

``push_tangents`` computes, once and in its own mapping, each node's tangent
``node' = Σ ∂node/∂parentᵢ · parentᵢ'`` (the local derivatives read from the op
table through ``describe``), seeding chosen leaves. ``jvp``, ``Dual``, the forward
stepper and ``cost`` all read it; no ``.grad`` or ``.data`` is touched.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from autograd.backward import backward_error
from autograd.explain.describe import Description, Edge, describe, kink_note, local_grads_at
from autograd.explain.display import pre
from autograd.explain.expression import METHODS
from autograd.explain.text import format_table, num
from autograd.explain.timeline import StepCursor
from autograd.recording import is_recording
from autograd.value import Value

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
        for leaf in self.seeds:
            if leaf not in described.index:
                raise ValueError("a seeded Value is not in the graph of this root")
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


Pending = dict[Value, float]  # node whose local derivative is undefined -> its factor


def _push(
    node: Value,
    locals_: Sequence[float | None],
    tangents: Sequence[float],
    pending: Sequence[Pending],
) -> tuple[float, Pending]:
    """``node' = Σ ∂node/∂parent · parent'``, as a finite part and the pending terms.

    The mirror of backward's dead-branch rule (``graph.local_grads_for``): a parent
    whose tangent is 0 adds 0, its rule unread. Where a rule is undefined (sqrt at
    0) the term is kept pending, a factor per undefined node; a factor every later
    path multiplies by 0 drops out, as backward never reads that rule (its upstream
    gradient is 0), so jvp agrees with grad() on a dead branch. Any left at the root
    is the error backward would raise.
    """
    total, carried = 0.0, {}
    for local, t, parts in zip(locals_, tangents, pending, strict=True):
        if t == 0.0 and not parts:
            continue
        if local is None:
            carried[node] = 1.0
            continue
        total += local * t
        for k, c in parts.items():
            carried[k] = carried.get(k, 0.0) + local * c
    return total, {k: c for k, c in carried.items() if c != 0.0}


def _raise_if_undefined(pending: Pending) -> None:
    if pending:
        node = next(iter(pending))
        raise backward_error(node, ArithmeticError("undefined local derivative"))


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
    xs = [Value(x, label=f"x[{i}]") for i, x in enumerate(inputs)]
    out = f(*xs)
    if not isinstance(out, Value):
        raise TypeError(f"jvp: f must return a Value, got {type(out).__name__}")
    described = describe(out)
    seeds = {x: float(t) for x, t in zip(xs, tangents, strict=True) if x in described.index}
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
    tangents with the op table's local derivatives (``Dual(2, 1).tanh().tangent``)."""

    __slots__ = ("value", "_tangent", "_pending")

    def __init__(self, value: Value | float, tangent: float = 0.0) -> None:
        self.value = value if isinstance(value, Value) else Value(value)
        self._tangent = float(tangent)
        self._pending: Pending = {}

    @property
    def tangent(self) -> float:
        """d(value) along the seeded tangents (raises where a rule it needs is undefined)."""
        _raise_if_undefined(self._pending)
        return self._tangent

    @property
    def data(self) -> float:
        return self.value.data

    def _apply(self, method: str, *others: Dual | Value | float, **params: float) -> Dual:
        if not is_recording():
            raise RuntimeError("Dual needs the graph recorded: it cannot run inside no_grad()")
        known = {self.value: self}
        operands = []
        for other in others:
            if isinstance(other, Dual):
                known[other.value] = other
                operands.append(other.value)
            else:
                operands.append(other)
        out = getattr(self.value, method)(*operands, **params)
        duals = [known.get(parent) for parent in out.parents]
        tangents = [0.0 if d is None else d._tangent for d in duals]
        pending = [{} if d is None else d._pending for d in duals]
        result = Dual(out)
        if any(tangents) or any(pending):  # a zero tangent never reads the rule
            result._tangent, result._pending = _push(out, local_grads_at(out), tangents, pending)
        return result

    def __add__(self, other: Dual | Value | float) -> Dual:
        return self._apply("__add__", other)

    def __radd__(self, other: Dual | Value | float) -> Dual:
        return self._apply("__radd__", other)

    def __sub__(self, other: Dual | Value | float) -> Dual:
        return self._apply("__sub__", other)

    def __rsub__(self, other: Dual | Value | float) -> Dual:
        return self._apply("__rsub__", other)

    def __mul__(self, other: Dual | Value | float) -> Dual:
        return self._apply("__mul__", other)

    def __rmul__(self, other: Dual | Value | float) -> Dual:
        return self._apply("__rmul__", other)

    def __truediv__(self, other: Dual | Value | float) -> Dual:
        return self._apply("__truediv__", other)

    def __rtruediv__(self, other: Dual | Value | float) -> Dual:
        return self._apply("__rtruediv__", other)

    def __pow__(self, other: Dual | Value | float) -> Dual:
        return self._apply("__pow__", other)

    def __rpow__(self, other: Dual | Value | float) -> Dual:
        return self._apply("__rpow__", other)

    def __neg__(self) -> Dual:
        return self._apply("__neg__")

    def __getattr__(self, name: str) -> Callable[..., Dual]:
        if name not in METHODS:
            raise AttributeError(f"Dual has no method {name!r}; ops: {', '.join(sorted(METHODS))}")
        return lambda *others, **params: self._apply(name, *others, **params)

    def __repr__(self) -> str:
        return f"Dual({num(self.data)}, {_num(None if self._pending else self._tangent)})"
