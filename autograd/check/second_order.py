"""Second derivatives checked: a Hessian against differences of the gradient, and each
op's local rule, differentiated again by ``create_graph``, against differences of it.

A rule written with plain floats (``primal(a)``, ``a.data``) is right at first order
but is a constant to ``create_graph``: its second derivative comes out 0. The
per-op check names such an op.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from autograd.backward import grad
from autograd.check.report import Report
from autograd.explain.describe import Description, kink_note, kinks_reached, rule_in_names
from autograd.explain.text import num
from autograd.graph import local_grads, parents_of
from autograd.recording import forced_recording, no_grad
from autograd.value import Value

__all__ = ["SecondCheck", "SecondOrderReport", "check_local_second", "hessian_check"]

_ERRORS = (ArithmeticError, ValueError)
_SHOWN = 40  # rows printed in full; past this only the failures are listed


@dataclass(frozen=True)
class SecondCheck:
    """One second derivative: ``analytic`` (create_graph) beside ``numeric``."""

    entry: str
    analytic: float
    numeric: float | None  # None: a nudge left the op's domain
    ok: bool
    node: Value | None = None  # the op node whose rule this entry differentiates
    kink: str | None = None  # the kink the point sits on, if any
    constant_rule: bool = False  # the rule gave a plain float: create_graph saw a constant
    slot: int = 0  # which of the node's rules: toward its input in this slot


class SecondOrderReport(Report):
    """The entries checked, truthy only if all agree; names what is wrong."""

    def __init__(self, rows: list[SecondCheck], limits: str, diagnosis: str = "") -> None:
        self.rows = rows
        self.limits = limits
        self.diagnosis = diagnosis

    headers = ("entry", "analytic", "numeric", "abs error", "result")
    table_first = True

    def table(self) -> list[tuple[object, ...]]:
        """Every row, or only the failures past ``_SHOWN`` rows."""
        return [
            (
                r.entry,
                r.analytic,
                r.numeric,
                "—" if r.numeric is None else f"{abs(r.analytic - r.numeric):.2e}",
                "pass" if r.ok else "FAIL at a kink" if r.kink else "FAIL",
            )
            for r in (self.rows if len(self.rows) <= _SHOWN else self.failures)
        ]

    def _more(self) -> str:
        hidden = len(self.rows) - len(self.table())
        return f"({hidden} passing not shown)" if hidden else ""

    def title(self) -> str:
        """The diagnosis's first line with the limits, under the hidden rows' count."""
        more = f"{self._more()}\n" if self._more() else ""
        return f"{more}{self.diagnosis.split(chr(10))[0]} ({self.limits})"

    def notes(self) -> list[str]:
        return self.diagnosis.split("\n")[1:]

    def html_title(self) -> str:
        return f"second order: {'pass' if self else 'FAIL'} ({self.limits})"

    def html_notes(self) -> list[str]:
        return [x for x in (self._more(), *self.diagnosis.split("\n")) if x]

    def __repr__(self) -> str:
        return f"<SecondOrderReport: {'pass' if self else 'FAIL'}, {len(self.rows)} entries>"


def _passes(analytic: float, numeric: float | None, atol: float, rtol: float) -> bool:
    return numeric is None or abs(analytic - numeric) <= atol + rtol * abs(numeric)


def _limits(eps: float, atol: float, rtol: float) -> str:
    return f"eps={eps:g}, atol={atol:g}, rtol={rtol:g}"


def hessian_check(
    f: Callable[..., Value], xs: Sequence[float], eps: float, atol: float, rtol: float
) -> SecondOrderReport:
    """∂²f/∂xᵢ∂xⱼ from ``create_graph`` against central differences of ``grad``."""
    values = [Value(x, label=f"x[{i}]") for i, x in enumerate(xs)]
    out = f(*values)
    if not isinstance(out, Value):
        raise TypeError(f"gradcheck: f must return a Value, got {type(out).__name__}")
    first = grad(out, values, create_graph=True)
    analytic = [grad(g, values) for g in first]
    n = len(xs)
    numeric: list[list[float | None]] = [[None] * n for _ in range(n)]
    for j in range(n):
        try:
            up, down = _gradient_at(f, xs, j, eps), _gradient_at(f, xs, j, -eps)
        except _ERRORS:
            continue
        for i in range(n):
            numeric[i][j] = (up[i] - down[i]) / (2 * eps)
    kinks = kinks_reached(out, values)
    rows = []
    for i in range(n):
        for j in range(n):
            a, m = analytic[i][j], numeric[i][j]
            kink = (kinks.get(i) or kinks.get(j) or [None])[0]
            rows.append(
                SecondCheck(f"∂²f/∂x[{i}]∂x[{j}]", a, m, _passes(a, m, atol, rtol), kink=kink)
            )
    report = SecondOrderReport(rows, _limits(eps, atol, rtol))
    bad = report.failures
    if not bad:
        report.diagnosis = f"all {len(rows)} Hessian entries agree"
    else:
        names = ", ".join(r.entry for r in bad)
        report.diagnosis = (
            f"{len(bad)} of {len(rows)} Hessian entries FAIL: {names}; "
            "check_nodes(f(...), order=2) names the op whose rule is wrong at second order"
        )
        for r in bad:
            if r.kink:
                report.diagnosis += f"\n{r.entry} reaches a kink: {r.kink}"
    return report


def _gradient_at(f: Callable[..., Value], xs: Sequence[float], j: int, step: float) -> list:
    moved = [Value(x + step if i == j else x) for i, x in enumerate(xs)]
    return grad(f(*moved), moved)


def check_local_second(root: Value, eps: float, atol: float, rtol: float) -> SecondOrderReport:
    """Each op node's rule differentiated again (``create_graph``), toward each pair of
    its inputs, against central differences of the rule on floats."""
    described = Description(root)
    rows: list[SecondCheck] = []
    for node in described.order:
        if not node.is_leaf:
            rows.extend(_node_rows(node, described, eps, atol, rtol))
    report = SecondOrderReport(rows, _limits(eps, atol, rtol))
    report.diagnosis = _diagnose(report, described)
    return report


def _node_rows(
    node: Value, described: Description, eps: float, atol: float, rtol: float
) -> list[SecondCheck]:
    op, parents = node.op_spec, parents_of(node)
    xs = [p.data for p in parents]
    names = described.names
    try:
        with forced_recording(True):
            leaves = [Value(x) for x in xs]
            locals_ = local_grads(op, Value.apply(op, *leaves), leaves)
            analytic = [
                grad(g, leaves) if isinstance(g, Value) else [0.0] * len(xs) for g in locals_
            ]
    except _ERRORS:
        return []  # the rule is undefined here (sqrt at 0): nothing to differentiate
    kink = kink_note(node, names)
    rows = []
    for j in range(len(xs)):
        up, down = _rule_at(op, xs, j, eps), _rule_at(op, xs, j, -eps)
        for i, local in enumerate(locals_):
            a = analytic[i][j]
            m = None if up is None or down is None else (up[i] - down[i]) / (2 * eps)
            entry = f"∂²{names[node]}/∂{names[parents[i]]}∂{names[parents[j]]}"
            ok = _passes(a, m, atol, rtol)
            constant = not isinstance(local, Value)
            rows.append(SecondCheck(entry, a, m, ok, node, kink, constant, i))
    return rows


def _rule_at(op, xs: list[float], j: int, step: float) -> list[float] | None:
    moved = list(xs)
    moved[j] += step
    try:
        with no_grad():
            return [float(g) for g in op.grads(op.run(*moved), *moved)]
    except _ERRORS:
        return None


def _diagnose(report: SecondOrderReport, described: Description) -> str:
    bad = report.failures
    if not bad:
        ops = len([n for n in described.order if not n.is_leaf])
        return f"all {len(report.rows)} second derivatives of the {ops} op nodes' rules agree"
    wrong = [r for r in bad if not r.kink]
    if not wrong:
        return f"only at kinks: {bad[0].kink}"
    r = wrong[0]
    node = r.node
    op, parents = node.op_spec, parents_of(node)
    slot = r.slot
    rule = rule_in_names(op, slot, node, parents, described.names)
    head = (
        f"the wrong second-order rule: op {op.name!r} at node {described.names[node]}: "
        f"its rule ∂{described.names[node]}/∂{described.names[parents[slot]]} = {rule}, "
        f"differentiated again, gives {r.entry} = {num(r.analytic)}, "
        f"numerically {num(r.numeric)}"
    )
    if r.constant_rule:
        head += (
            ": the rule returns a plain float (written with primal() or .data?), so "
            "create_graph sees a constant and its second derivative is 0; write it with "
            "Value arithmetic (a * a, a.exp(), ...) so it stays in the graph"
        )
    return head
