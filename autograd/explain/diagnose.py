"""Why a learner's engine gives another gradient than ours: the classic bugs, tried in turn.

A learner's graph is paired node for node with the same graph built by chainrule.
Walking backward (consumers before the nodes they read), the first node whose grad
differs from ours has consumers whose grads are right, so the fault is in the local
rules of the edges into it. Each classic bug is a guess at those edges (an ``=``
where ``+=`` belongs, a flipped sign, a missing ``out.grad``, a rule fed the input
instead of the output ...); the guess that reproduces the learner's number names it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from autograd.check.probes import number
from autograd.check.slips import SLIPS
from autograd.ops import OPS
from autograd.value import Value

__all__ = ["BUG_CLASSES", "Diagnosis", "diagnose", "number", "other_rules", "same"]

BUG_CLASSES = {name: slip.words for name, slip in SLIPS.items()}
"""Each bug class a diagnosis can name, in plain words (the one list: ``autograd.check.slips``)."""


@dataclass(frozen=True)
class Diagnosis:
    """One finding: its bug class (a key of ``BUG_CLASSES``) and what was seen."""

    kind: str
    text: str
    op: str = ""  # the op whose rule the finding points at, if one

    def __str__(self) -> str:
        return self.text


Pair = tuple[str, Value, Any]  # a name, our node, their node


def same(theirs: float, ours: float) -> bool:
    return math.isclose(theirs, ours, rel_tol=1e-9, abs_tol=1e-12)


def show(x: float) -> str:
    return f"{x:.6g}"


def diagnose(pairs: Sequence[Pair], where: str) -> Diagnosis | None:
    """The first difference between their graph and ours, explained; None if none.

    ``pairs`` come parents first; our side has had one backward from its root.
    ``where`` says which graph this is, for the message (`a + a`, their graph).
    """
    for name, ours, theirs in pairs:
        data = number(theirs.data, f"{name}.data")
        if not same(data, ours.data):
            return Diagnosis(
                "forward", f"{where}: {name} is {show(data)}, expected {show(ours.data)}"
            )
    edges = _edges_into(pairs)
    for name, ours, theirs in reversed(pairs):
        grad = number(theirs.grad, f"{name}.grad")
        if not same(grad, ours.grad):
            head = f"{where} gives {name}.grad {show(grad)}, expected {show(ours.grad)}"
            if not edges.get(ours):
                return Diagnosis("root", f"{BUG_CLASSES['root']}: {head}")
            return _explain(grad, edges[ours], head)
    return None


@dataclass(frozen=True)
class _Edge:
    consumer: Value
    slot: int
    local: float
    upstream: float

    @property
    def share(self) -> float:
        return self.local * self.upstream


def _edges_into(pairs: Sequence[Pair]) -> dict[Value, list[_Edge]]:
    """For each node, the edges from the consumers in ``pairs`` that read it."""
    edges: dict[Value, list[_Edge]] = {}
    for _, node, _ in pairs:
        for slot, (parent, local) in enumerate(zip(node.parents, node.local_grads(), strict=True)):
            edges.setdefault(parent, []).append(_Edge(node, slot, local, node.grad))
    return edges


def _explain(grad: float, edges: list[_Edge], head: str) -> Diagnosis:
    total = sum(e.share for e in edges)
    for kind, op, slot, guess in _guesses(edges, total):
        if same(grad, guess) and not same(guess, total):
            return Diagnosis(kind, f"{_name_bug(kind, op, slot, len(edges))}: {head}", op)
    shares = " + ".join(f"{show(e.local)}·{show(e.upstream)}" for e in edges)
    return Diagnosis("wrong", f"{head} (= {shares}, each local derivative × its out.grad)")


def _guesses(edges: list[_Edge], total: float) -> Iterator[tuple[str, str, int, float]]:
    """(bug class, op, slot, the grad that bug would give), most common bugs first."""
    if len(edges) > 1:
        for e in edges:  # with `=`, the last share written wins
            yield "assign", e.consumer.op, e.slot, e.share
    groups: dict[tuple[str, int], list[_Edge]] = {}
    for e in edges:
        groups.setdefault((e.consumer.op, e.slot), []).append(e)
    for (op, slot), group in groups.items():
        shares = sum(e.share for e in group)
        for kind, rule in _op_slips(group[0].consumer):  # before uses_output: for x², 2·x²
            yield kind, op, slot, total - shares + sum(rule(e.consumer) * e.upstream for e in group)
        yield "sign", op, slot, total - 2 * shares
        yield "upstream", op, slot, total - shares + sum(e.local for e in group)
        for kind, rule in other_rules(group[0].consumer, slot):
            yield kind, op, slot, total - shares + sum(rule(e.consumer) * e.upstream for e in group)
        if len(group[0].consumer.parents) == 1:
            yield "forgets_chain", op, slot, total - shares + sum(e.upstream for e in group)


def _op_slips(node: Value) -> Iterator[tuple[str, Callable[[Value], float]]]:
    """Slips of one op's rule: the power rule's exponent kept, relu's slope as its output."""
    if node.op == "pow":
        k = node.params["k"]
        yield "power", _safe(lambda n: k * n.parents[0].data ** k)
    elif node.op == "relu":
        yield "relu_output", lambda n: n.data


def other_rules(node: Value, slot: int) -> Iterator[tuple[str, Callable[[Value], float]]]:
    """The op's own local rule, fed the wrong numbers (read from the op table)."""
    spec = node.op_spec

    def rule(out: Callable, inputs: Callable) -> Callable[[Value], float]:
        return lambda n: float(spec.grads(out(n), *inputs(n))[slot])

    datas = lambda n: [p.data for p in n.parents]  # noqa: E731
    if len(node.parents) == 1:
        yield "uses_input", _safe(rule(lambda n: n.parents[0].data, datas))
        yield "uses_output", _safe(rule(lambda n: n.data, lambda n: [n.data]))
    elif len(node.parents) == 2:
        yield "swapped", _safe(lambda n: float(spec.grads(n.data, *datas(n))[1 - slot]))


def _safe(rule: Callable[[Value], float]) -> Callable[[Value], float]:
    def guarded(node: Value) -> float:
        try:
            return rule(node)
        except (ArithmeticError, ValueError, TypeError):
            return math.nan  # this guess cannot be computed here, so it matches nothing

    return guarded


_ORDINAL = ("first", "second")


def _name_bug(kind: str, op: str, slot: int, uses: int) -> str:
    toward = "its input" if OPS[op].arity == 1 else f"its {_ORDINAL[slot]} input"
    if kind == "assign":
        return f"{BUG_CLASSES['assign']} (the node feeds {uses} places; {op}'s backward)"
    if kind == "sign":
        return f"{op}'s derivative toward {toward} has the wrong sign"
    if kind == "upstream":
        return f"{op}'s backward is missing the upstream factor out.grad"
    if kind == "uses_input":
        return f"{op}'s derivative uses the input instead of the output"
    if kind == "uses_output":
        return f"{op}'s derivative uses the output instead of the input"
    if kind == "power":  # the numbers' level: the rule may be named here
        return f"{op}'s derivative: {BUG_CLASSES[kind]} (n·xⁿ instead of n·xⁿ⁻¹)"
    if kind in ("relu_output", "forgets_chain"):
        return f"{op}'s derivative: {BUG_CLASSES[kind]}"
    return f"{op}'s derivative toward {toward} uses the other operand"
