"""One description of a graph: its nodes, the learner's names, and every edge's rule.

``describe(root)`` is read by every view: ``graph_text``, the stepper, the diagrams,
the animation and the explorer. A rule is written with the actual nodes' names, so
the edge from ``d`` into ``L = d * f`` reads ``∂L/∂d = f``.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from autograd.backward import topo_order
from autograd.explain.text import format_table, grad_of, num
from autograd.graph import local_grads, parents_of
from autograd.ops import Op
from autograd.value import Value

__all__ = [
    "Description",
    "Edge",
    "describe",
    "graph_text",
    "kink_note",
    "kinks_reached",
    "names",
    "origin",
]

# an identifier (xᵢ included) that stops before a superscript power: out² is out, squared
_WORD = re.compile(r"[^\W\d](?:(?![⁰¹²³⁴⁵⁶⁷⁸⁹])\w)*")
_PLAIN_NAME = re.compile(r"[\w\[\].]+")  # a name that needs no parentheses in a rule


def names(order: Iterable[Value]) -> dict[Value, str]:
    """A name per node: its label, or ``v0``, ``v1``... by position in ``order``.

    A label used by several nodes gets ``#2``, ``#3``... from its second use on, so
    every name points at one node.
    """
    named: dict[Value, str] = {}
    seen: dict[str, int] = {}
    for i, node in enumerate(order):
        label = node.label
        if not label:
            named[node] = f"v{i}"
            continue
        count = seen.get(label, 0) + 1
        seen[label] = count
        named[node] = label if count == 1 else f"{label}#{count}"
    return named


@dataclass(frozen=True)
class Edge:
    """The input in ``slot`` of ``node`` is ``parent``; ``local`` is ∂node/∂parent.

    ``local`` is None where the op's local derivative is undefined at this point
    (``sqrt`` at 0). The texts are written when read, in the nodes' names.
    """

    parent: Value
    node: Value
    slot: int
    local: float | None
    names: Mapping[Value, str] = field(repr=False, compare=False)

    @property
    def partial(self) -> str:
        """``∂L/∂d``; a name that is not a plain identifier is bracketed: ``∂(a*b)/∂a``."""
        return f"∂{_wrapped(self.names[self.node])}/∂{_wrapped(self.names[self.parent])}"

    @property
    def expression(self) -> str:
        """The rule of the op toward this input, in the nodes' names: ``f``."""
        node = self.node
        return rule_in_names(node.op_spec, self.slot, node, parents_of(node), self.names)

    @property
    def rule(self) -> str:
        """``∂L/∂d = f``: the partial and its rule in the learner's names."""
        return f"{self.partial} = {self.expression}"

    @property
    def text(self) -> str:
        """``∂L/∂d = f = -2.0``: the rule and its value."""
        return f"{self.rule} = {num(self.local)}"


class Description:
    """Everything ``root`` depends on, named, with the edges into each op node."""

    def __init__(self, root: Value, order: list[Value] | None = None) -> None:
        self.root = root
        self.order = topo_order(root) if order is None else order
        self.index = {node: i for i, node in enumerate(self.order)}
        self.names = names(self.order)

    @cached_property
    def _locals(self) -> dict[Value, tuple[float | None, ...]]:
        return {node: local_grads_at(node) for node in self.order if not node.is_leaf}

    def local_grads_of(self, node: Value) -> tuple[float | None, ...]:
        """∂node/∂parent per input slot (None where undefined), computed once per node."""
        return self._locals[node] if not node.is_leaf else ()

    def locals_of(self, node: Value) -> tuple[float | None, ...]:
        """The old name of ``local_grads_of``, kept for callers written before it."""
        warnings.warn(
            "Description.locals_of is now local_grads_of (one name for a local derivative)",
            DeprecationWarning,
            stacklevel=2,
        )
        return self.local_grads_of(node)

    def edges_into(self, node: Value) -> list[Edge]:
        """One edge per input slot of ``node`` (none for a leaf)."""
        if node.is_leaf:
            return []
        locals_ = self._locals[node]
        return [
            Edge(parent, node, slot, locals_[slot], self.names)
            for slot, parent in enumerate(parents_of(node))
        ]

    @cached_property
    def consumers(self) -> dict[Value, list[Edge]]:
        """The edges out of each node, in backward order of their consumers."""
        out: dict[Value, list[Edge]] = {node: [] for node in self.order}
        for node in reversed(self.order):
            for edge in self.edges_into(node):
                out[edge.parent].append(edge)
        return out

    def formula(self, node: Value) -> str:
        """``L = d * f``: the node's op written with its inputs' names."""
        name = self.names[node]
        if node.is_leaf:
            return name
        op = node.op_spec
        return f"{name} = {substitute(op.formula, op, None, node, parents_of(node), self.names)}"


def describe(root: Value) -> Description:
    """The description of ``root``'s graph that every view reads."""
    if not isinstance(root, Value):
        raise TypeError(f"describe takes a Value, got {type(root).__name__}")
    return Description(root)


def local_grads_at(node: Value) -> tuple[float | None, ...]:
    """∂node/∂parent for each slot, or None for each where the rule is undefined here."""
    parents = parents_of(node)
    try:
        return tuple(local_grads(node._fn, node.data, [p.data for p in parents]))
    except (ArithmeticError, ValueError):
        return (None,) * len(parents)


def origin(node: Value) -> str:
    """Where a node that ``create_graph`` made came from: an op-table rule, the chain
    rule's product through an op, or a sum of shares ("" for any other node)."""
    came = None if node.is_leaf else node._fn.origin
    if came is None:
        return ""
    kind, op, slot = came
    if kind == "sum":
        return "the sum of the shares of a node read more than once"
    rule = f"∂out/∂{op.input_name(slot)} = {op.rule(slot)}"
    if kind == "rule":
        return f"{op.name}'s rule {rule}"
    return f"the chain rule through {op.name}: ({rule}) · out.grad"


def kink_note(node: Value, named: Mapping[Value, str] | None = None) -> str | None:
    """Whether ``node``'s op ran exactly at its kink (relu at 0, a tie of max ...) and
    which convention its derivative follows there; None if not. Read from the op
    table each time: nodes keep no record of it. ``named`` writes the inputs' names."""
    if node.is_leaf:
        return None
    op, parents = node.op_spec, parents_of(node)
    kink = op.kink_at(*[p.data for p in parents])
    if kink is None:
        return None
    if named is None:  # the rule's own names: a, b, out
        named = {p: op.input_name(i) for i, p in enumerate(parents)} | {node: "out"}
    where = substitute(kink.where, op, None, node, parents, dict(named))
    shown = {k: num(v).removesuffix(".0") for k, v in op.params.items()}
    return (
        f"{op.name} at its kink {where}: the derivative there is a "
        f"convention, {kink.convention.format(**shown)}; a numeric derivative can "
        "disagree there (it measures across the kink)"
    )


def kinks_reached(root: Value, inputs: Sequence[Value]) -> dict[int, list[str]]:
    """For each of ``inputs`` (by index), the notes of the ops downstream of it that
    ran at their kink, each led by the node's name."""
    described = Description(root)
    reached: dict[Value, set[int]] = {v: {i} for i, v in enumerate(inputs)}
    kinks: dict[int, list[str]] = {}
    for node in described.order:
        came = reached.get(node, set()).union(*(reached.get(p, set()) for p in parents_of(node)))
        reached[node] = came
        note = kink_note(node, described.names)
        for i in sorted(came) if note else ():
            kinks.setdefault(i, []).append(f"{described.names[node]}: {note}")
    return kinks


def rule_in_names(
    op: Op, slot: int, node: Value, parents: tuple[Value, ...], named: dict[Value, str]
) -> str:
    """``op``'s rule toward ``slot`` with its placeholders replaced by the nodes' names."""
    return substitute(op.rule(slot), op, slot, node, parents, named)


def substitute(
    text: str,
    op: Op,
    slot: int | None,
    node: Value,
    parents: tuple[Value, ...],
    named: dict[Value, str],
) -> str:
    """``text`` (a rule or formula) with ``out``, the inputs and the params filled in.

    For an n-ary op, whose inputs repeat in groups (``wᵢ, xᵢ`` for dot), the names
    are those of the group that ``slot`` belongs to; a formula keeps its ``Σ`` form.
    """
    width = len(op.inputs)
    start = None if slot is None else slot - slot % width
    fill: dict[str, str] = {"out": _wrapped(named[node])}
    if start is not None or len(parents) == width:
        base = start or 0
        for j, placeholder in enumerate(op.inputs):
            if base + j < len(parents):
                fill[placeholder] = _wrapped(named[parents[base + j]])
    for key, value in op.params.items():
        fill[key] = num(value).removesuffix(".0")
    return _WORD.sub(lambda m: fill.get(m.group(0), m.group(0)), text)


def _wrapped(name: str) -> str:
    return name if _PLAIN_NAME.fullmatch(name) else f"({name})"


def graph_text(root: Value) -> str:
    """The graph as a table, one row per node from ``root`` down to the leaves.

    Each row: name, the op with its inputs' names, data, grad and each edge's rule
    in the nodes' names with its value (``∂c/∂a = b = -3.0``); a node whose op ran
    at its kink gets a note under the table. Needs no graphviz.
    """
    described = describe(root)
    rows = []
    for node in reversed(described.order):
        edges = described.edges_into(node)
        formula = described.formula(node).partition(" = ")[2] or "leaf"
        rules = ", ".join(edge.text for edge in edges)
        rows.append((described.names[node], formula, node.data, grad_of(node), rules))
    table = format_table(("node", "op", "data", "grad", "local derivatives"), rows)
    notes = [
        f"⚠ {described.names[node]}: {note}"
        for node in reversed(described.order)
        if (note := kink_note(node, described.names)) is not None
    ]
    return "\n".join([table, *notes])
