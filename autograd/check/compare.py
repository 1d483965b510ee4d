"""``compare(their_root)``: rebuild a learner's graph with chainrule and find the first grad
that differs, in backward order, with a diagnosis.

Their nodes need ``data``, ``grad``, their parents (``_prev``, ``_children``, ``prev``,
``children``, ``parents`` or ``_parents``) and an op (``_op`` or ``op``: micrograd's
symbols, or chainrule's op names). Nothing of theirs is changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from autograd.check.report import Report
from autograd.explain.diagnose import Diagnosis, diagnose, number, same, show
from autograd.ops import OPS
from autograd.value import Value

__all__ = ["CompareReport", "compare", "rebuild"]

_PARENTS = ("_prev", "_children", "prev", "children", "parents", "_parents")
_OP = ("_op", "op")


@dataclass
class CompareReport(Report):
    """Every node of their graph beside ours, in backward order, and the first difference."""

    rows: list[tuple[str, str, float, float, float, float, str]]
    first: Diagnosis | None
    problem: str = ""  # set when their graph could not be read

    headers = ("node", "op", "their data", "our data", "their grad", "our grad", "")

    @property
    def failures(self) -> list[Diagnosis | str]:
        """The first difference, or what kept their graph from being read."""
        return [x for x in (self.problem, self.first) if x]

    @property
    def ok(self) -> bool:
        return not self.failures

    def title(self) -> str:
        return self.summary()

    def table(self) -> list[tuple[str, str, float, float, float, float, str]]:
        return self.rows

    def html_rows(self) -> list[list[object]]:
        return [[show(c) if isinstance(c, float) else c for c in row] for row in self.rows]

    def summary(self) -> str:
        if self.problem:
            return f"compare: {self.problem}"
        if self.first is None:
            return f"compare: all {len(self.rows)} nodes agree with chainrule"
        return f"compare: first difference in backward order: {self.first}"

    def __repr__(self) -> str:
        return str(self)


def compare(their_root: Any) -> CompareReport:
    """Their graph (after their ``backward()``) beside chainrule's, first difference named."""
    try:
        theirs, ours = rebuild(their_root)
    except ValueError as err:
        return CompareReport([], None, str(err))
    names = {id(t): _name(t, i) for i, t in enumerate(theirs)}
    our_root = ours[id(their_root)]
    our_root.backward()
    pairs = [(names[id(t)], ours[id(t)], t) for t in theirs]
    try:
        if number(their_root.grad, "their root's grad") == 0.0:
            raise ValueError("their root's grad is 0: call backward() on it first")
        first = diagnose(pairs, "their graph")
    except ValueError as err:
        return CompareReport([], None, str(err))
    rows = []
    for name, node, t in reversed(pairs):
        g = number(t.grad, f"{name}.grad")
        mark = "" if same(g, node.grad) else "differs"
        rows.append((name, node._op or "leaf", float(t.data), node.data, g, node.grad, mark))
    return CompareReport(rows, first)


def rebuild(their_root: Any) -> tuple[list[Any], dict[int, Value]]:
    """Their nodes (each after its parents) and, by ``id``, the chainrule node made for each
    by the table op their symbol names (a ValueError names a node that cannot be)."""
    theirs = _their_order(their_root)
    return theirs, _rebuild(theirs)


def _parents_of(node: Any) -> list[Any]:
    if isinstance(node, Value):  # ours (a learner's subclass too): in order, with repeats once
        return list(dict.fromkeys(node.parents))
    for attr in _PARENTS:
        found = getattr(node, attr, None)
        if found is not None and not callable(found):
            return (
                _in_order(node, list(found)) if isinstance(found, (set, frozenset)) else list(found)
            )
    return []


def _in_order(node: Any, found: list[Any]) -> list[Any]:
    """micrograd's ``_prev`` is a set, which loses ``w*x``'s order: its ``_backward`` closure
    still holds ``self`` and ``other``, in order; ``found`` when it holds anything else."""
    backward = getattr(node, "_backward", None)
    code, cells = getattr(backward, "__code__", None), getattr(backward, "__closure__", None)
    if code is None or not cells:
        return found
    free = dict(zip(code.co_freevars, cells, strict=True))
    try:
        named = [free[k].cell_contents for k in ("self", "other") if k in free]
    except ValueError:  # an empty cell
        return found
    ordered = list({id(p): p for p in named}.values())
    return ordered if {id(p) for p in ordered} == {id(p) for p in found} else found


def _their_order(root: Any) -> list[Any]:
    """Their nodes, each after its parents, without recursion (their graph may be deep)."""
    order, seen, stack = [], set(), [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
        elif id(node) not in seen:
            seen.add(id(node))
            stack.append((node, True))
            stack.extend((p, False) for p in reversed(_parents_of(node)))
    return order


def _name(node: Any, index: int) -> str:
    label = getattr(node, "label", "")
    if isinstance(label, str) and label:
        return label
    return f"#{index}"


def _symbol(node: Any) -> str:
    for attr in _OP:
        found = getattr(node, attr, None)
        if isinstance(found, str):
            return found
    return ""


def _rebuild(theirs: list[Any]) -> dict[int, Value]:
    """One chainrule node per node of theirs, made by the op their symbol names."""
    ours: dict[int, Value] = {}
    for i, t in enumerate(theirs):
        data = number(t.data, f"node #{i}'s data")
        parents = [ours[id(p)] for p in _parents_of(t)]
        if not parents:
            label = getattr(t, "label", "")
            ours[id(t)] = Value(data, label=label if isinstance(label, str) else "")
            continue
        ours[id(t)] = _remake(_symbol(t), parents, data, _name(t, i))
    return ours


def _remake(symbol: str, parents: list[Value], data: float, name: str) -> Value:
    """The chainrule node that ``symbol`` on ``parents`` makes, matching their ``data``."""
    tried = []
    for op, params in _candidates(symbol, len(parents)):
        arity = OPS[op].arity
        for inputs in _arrangements(parents, arity):
            try:
                node = Value.apply(op, *inputs, **params)
            except (ArithmeticError, ValueError, TypeError):
                continue
            if same(node.data, data):
                return node
            tried.append(f"{op} gives {show(node.data)}")
    raise ValueError(
        f"cannot rebuild node {name} (op {symbol!r}, {len(parents)} parents, data {show(data)}): "
        + ("; ".join(tried[:3]) or "no op of that name")
        + ". If its forward is wrong, check_engine(YourValue) will say where"
    )


def _candidates(symbol: str, count: int) -> list[tuple[str, dict[str, float]]]:
    """Ops whose name or symbol (chainrule's or micrograd's) is ``symbol``."""
    if symbol.startswith("**") and symbol[2:]:
        try:
            return [("pow", {"k": float(symbol[2:])})]
        except ValueError:
            pass
    wanted = symbol.lower()
    found = [
        (name, {})
        for name, op in OPS.items()
        if wanted in (name, op.symbol.lower(), op.micrograd.lower()) and not op.params
    ]
    if symbol == "-" and count == 1:
        found.insert(0, ("neg", {}))
    if found:
        return found
    return [(name, {}) for name, op in OPS.items() if op.builtin and op.arity in (count, 2)]


def _arrangements(parents: list[Value], arity: int | None) -> list[list[Value]]:
    """Their parents as the op's inputs: a set keeps ``a*a``'s ``a`` once, and no order."""
    if arity == 2 and len(parents) == 1:
        return [parents * 2]
    if arity == 2 and len(parents) == 2:
        return [parents, parents[::-1]]
    return [parents] if arity in (None, len(parents)) else []
