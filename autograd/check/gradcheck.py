"""Gradients against numeric derivatives: per input of a function, and per node of a graph.

Both compare with central differences ``(f(x + eps) - f(x - eps)) / 2eps`` in float64
and pass a number when ``|analytic - numeric| <= atol + rtol·|numeric|``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from autograd.backward import grad, gradients
from autograd.check.data_reads import reads_data
from autograd.check.report import Report
from autograd.check.second_order import SecondOrderReport, check_local_second, hessian_check
from autograd.explain.describe import Description, kink_note, kinks_reached
from autograd.explain.text import num
from autograd.graph import parents_of
from autograd.recording import no_grad
from autograd.value import Value

__all__ = [
    "GradcheckReport",
    "InputCheck",
    "NodeCheck",
    "NodeCheckReport",
    "check_nodes",
    "gradcheck",
]

_ERRORS = (ArithmeticError, ValueError)


@dataclass(frozen=True)
class Tolerance:
    """How close an analytic derivative must be to the numeric one."""

    atol: float
    rtol: float

    def passes(self, analytic: float, numeric: float) -> bool:
        return abs(analytic - numeric) <= self.atol + self.rtol * abs(numeric)


def _relative(analytic: float, numeric: float) -> float:
    diff = abs(analytic - numeric)
    return diff / abs(numeric) if numeric else (0.0 if diff == 0 else math.inf)


# -- per input -------------------------------------------------------------------


@dataclass(frozen=True)
class InputCheck:
    """One input of ``f``: the backward gradient beside the numeric one."""

    index: int
    value: float
    analytic: float
    numeric: float
    ok: bool

    @property
    def abs_error(self) -> float:
        return abs(self.analytic - self.numeric)

    @property
    def rel_error(self) -> float:
        return _relative(self.analytic, self.numeric)


class GradcheckReport(Report):
    """What ``gradcheck`` found: truthy only if every input passed; prints as a table.

    ``branching`` lists the inputs near which ``f``'s graph depends on the data: the
    graph traced at the inputs gives another numeric derivative than ``f`` itself.
    ``constants`` lists the failing inputs whose number ``f`` reads (``.data``) into a
    constant of its graph: same ops within eps, other constants.
    ``kinks`` holds, per input, the notes of the ops it reaches that ran at their kink.
    """

    def __init__(
        self,
        rows: list[InputCheck],
        eps: float,
        tol: Tolerance,
        branching: list[int] = (),
        kinks: Mapping[int, list[str]] | None = None,
        constants: Sequence[int] = (),
    ) -> None:
        self.rows = rows
        self.eps = eps
        self.tol = tol
        self.constants = list(constants)
        self.branching = [i for i in branching if i not in self.constants]
        self.kinks = dict(kinks or {})

    headers = ("input", "value", "analytic", "numeric", "abs error", "rel error", "result")
    table_first = True

    def table(self) -> list[tuple[object, ...]]:
        return [
            (
                f"x[{r.index}]",
                r.value,
                r.analytic,
                r.numeric,
                f"{r.abs_error:.2e}",
                f"{r.rel_error:.2e}",
                "pass" if r.ok else "FAIL at a kink" if self.kinks.get(r.index) else "FAIL",
            )
            for r in self.rows
        ]

    def verdict(self) -> str:
        """``all 3 inputs pass (eps=1e-06, ...)`` or which inputs fail."""
        bad = self.failures
        verdict = (
            f"all {len(self.rows)} inputs pass"
            if not bad
            else f"{len(bad)} of {len(self.rows)} inputs FAIL: "
            + ", ".join(f"x[{r.index}]" for r in bad)
        )
        limits = f"eps={self.eps:g}, atol={self.tol.atol:g}, rtol={self.tol.rtol:g}"
        notes = "".join(
            f"\nx[{r.index}] reaches a kink, so the numbers may differ without a wrong rule: {k}"
            for r in bad
            for k in self.kinks.get(r.index, ())
        )
        if self.constants:
            named = ", ".join(f"x[{i}]" for i in self.constants)
            notes += (
                f"\nf reads the number of {named} (.data) and computes with it: backward "
                "treats that number as a constant, so the analytic derivative misses its "
                "part; the numeric one is right. Use the Value itself (x * x, not x * x.data)"
            )
        if not self.branching:
            return f"{verdict} ({limits}){notes}"
        named = ", ".join(f"x[{i}]" for i in self.branching)
        return (
            f"{verdict} ({limits})\nf's graph changes within eps of {named} (a Python branch "
            "on .data?): the numbers are f's own; a derivative across a branch is not smooth"
        ) + notes

    def title(self) -> str:
        return self.verdict().split("\n")[0]

    def notes(self) -> list[str]:
        return self.verdict().split("\n")[1:]

    def html_title(self) -> str:
        return f"gradcheck: {self.title()}"

    def __repr__(self) -> str:
        return f"<GradcheckReport: {'pass' if self else 'FAIL'}, {len(self.rows)} inputs>"


def gradcheck(
    f: Callable[..., Value],
    inputs: Sequence[float],
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    replay: bool = True,
    order: int = 1,
) -> GradcheckReport | SecondOrderReport:
    """Compare ``f``'s backward gradients with central differences at ``inputs``.

    ``f(*values)`` takes one Value per input and returns a Value. The returned
    report is truthy only if every input passed; ``print`` it for the table. The
    numeric derivatives always come from calling ``f`` at every nudged input. With
    ``replay`` (the default) the graph traced at ``inputs`` is also replayed at
    them (``autograd.replay.tape``, numpy): an input where it disagrees with ``f`` is named
    in ``report.branching``, as ``f``'s graph depends on the data near it; where numpy
    is not installed (Pyodide's core) that replay is skipped and the rest still runs.
    ``order=2`` checks the Hessian from ``create_graph`` against central
    differences of the gradient instead (``autograd.check.second_order``).
    """
    xs = _check_arguments(inputs, eps, atol, rtol)
    if _order(order) == 2:
        return hessian_check(f, xs, eps, atol, rtol)
    values = [Value(x, label=f"x[{i}]") for i, x in enumerate(xs)]
    out = _call(f, values, "at the inputs")
    analytic = grad(out, values)
    ups = [_nudged(f, xs, i, x + eps) for i, x in enumerate(xs)]
    downs = [_nudged(f, xs, i, x - eps) for i, x in enumerate(xs)]
    numeric = [(up - down) / (2 * eps) for up, down in zip(ups, downs, strict=True)]
    tol = Tolerance(atol, rtol)
    rows = [
        InputCheck(i, x, analytic[i], numeric[i], tol.passes(analytic[i], numeric[i]))
        for i, x in enumerate(xs)
    ]
    branching = []
    if replay and _numpy_installed():
        replayed = _replayed_numeric(f, xs, eps)
        branching = [
            i
            for i, (r, n) in enumerate(zip(replayed, numeric, strict=True))
            if r is None or not tol.passes(r, n)
        ]
    constants = [r.index for r in rows if not r.ok and reads_data(f, xs, r.index, eps)]
    return GradcheckReport(rows, eps, tol, branching, kinks_reached(out, values), constants)


def _numpy_installed() -> bool:
    try:
        import numpy  # noqa: F401
    except ImportError:
        return False
    return True


def _replayed_numeric(f: Callable[..., Value], xs: list[float], eps: float) -> list[float | None]:
    """Central differences from a batched replay of f's tape: rows x ± eps·eᵢ.

    None for an input whose nudges leave an op's domain in the traced graph
    (``f`` itself gave a number there, so its graph differs there).
    """
    import numpy as np

    from autograd.replay.tape import trace

    n = len(xs)
    nudged = np.tile(np.array(xs), (2 * n, 1))
    at = np.arange(n)
    nudged[2 * at, at] = [x + eps for x in xs]  # the same floats the one-by-one path uses
    nudged[2 * at + 1, at] = [x - eps for x in xs]
    tape = trace(f, *xs)
    try:
        out = tape.forward(*nudged.T)
    except _ERRORS:  # find the inputs whose rows fail, a pair of rows at a time
        return [_replayed_pair(tape, nudged[2 * i : 2 * i + 2], eps) for i in range(n)]
    return ((out[0::2] - out[1::2]) / (2 * eps)).tolist()


def _replayed_pair(tape: Any, rows: Any, eps: float) -> float | None:
    try:
        up, down = tape.forward(*rows.T).tolist()
    except _ERRORS:
        return None
    return (up - down) / (2 * eps)


def _check_arguments(inputs: Sequence[float], eps: float, atol: float, rtol: float) -> list[float]:
    if isinstance(inputs, (int, float, Value)):
        raise TypeError("gradcheck: inputs must be a list of numbers, e.g. [0.5, -1.0]")
    xs = [float(x) for x in inputs]
    if not xs:
        raise ValueError("gradcheck: inputs is empty; give at least one number to check")
    if not all(math.isfinite(x) for x in xs):
        raise ValueError(f"gradcheck: inputs must be finite, got {xs}")
    if not eps > 0:
        raise ValueError(f"gradcheck: eps must be > 0, got {eps}")
    if atol < 0 or rtol < 0:
        raise ValueError(f"gradcheck: atol and rtol must be >= 0, got atol={atol}, rtol={rtol}")
    return xs


def _call(f: Callable[..., Value], values: list[Value], where: str) -> Value:
    try:
        out = f(*values)
    except _ERRORS as err:
        raise type(err)(f"gradcheck: f failed {where}: {err}") from None
    except TypeError as err:
        if "a Value is not a float" not in str(err):
            raise
        raise TypeError(
            f"gradcheck: f calls float() or a math function on a Value {where}: that number "
            "would leave the graph and backward would treat it as a constant; use the Value's "
            "ops (v.exp(), v.log(), v ** 0.5) instead"
        ) from None
    if not isinstance(out, Value):
        raise TypeError(
            f"gradcheck: f must return a Value (the result of ops on its inputs), "
            f"got {type(out).__name__}"
        )
    return out


def _nudged(f: Callable[..., Value], xs: list[float], i: int, x: float) -> float:
    moved = list(xs)
    moved[i] = x
    with no_grad():
        return _call(f, [Value(v) for v in moved], f"with x[{i}] nudged to {x!r}").data


# -- per node --------------------------------------------------------------------


@dataclass(frozen=True)
class NodeCheck:
    """One node: the gradient it was given beside d(root)/d(node) measured numerically."""

    node: Value
    name: str
    gradient: float | None  # None: not among the gradients given to check
    numeric: float | None  # None: a nudge left the op's domain
    ok: bool

    @property
    def abs_error(self) -> float | None:
        if self.numeric is None or self.gradient is None:
            return None
        return abs(self.gradient - self.numeric)


class NodeCheckReport(Report):
    """Every node's check, root first; names the first node that disagrees, and why."""

    def __init__(self, rows: list[NodeCheck], diagnosis: str) -> None:
        self.rows = rows
        self.diagnosis = diagnosis

    @property
    def first_failure(self) -> NodeCheck | None:
        bad = self.failures
        return bad[0] if bad else None

    headers = ("node", "op", "data", "gradient", "numeric", "abs error", "result")
    table_first = True

    def table(self, rows: list[NodeCheck] | None = None) -> list[tuple[object, ...]]:
        return [
            (
                r.name,
                r.node.op or "leaf",
                r.node.data,
                r.gradient,
                r.numeric,
                "—" if r.abs_error is None else f"{r.abs_error:.2e}",
                "pass" if r.ok else "FAIL",
            )
            for r in (self.rows if rows is None else rows)
        ]

    def title(self) -> str:
        return self.diagnosis

    def _checked(self) -> list[NodeCheck]:
        return [r for r in self.rows if r.gradient is not None]

    def html_title(self) -> str:
        verdict = "every node passes" if self else f"{len(self.failures)} nodes FAIL"
        return f"check_nodes: {verdict} ({len(self._checked())} nodes checked)"

    def html_rows(self) -> list[tuple[object, ...]]:
        """The nodes that were checked (those given a gradient)."""
        return self.table(self._checked())

    def html_notes(self) -> list[str]:
        unchecked = len(self.rows) - len(self._checked())
        given = [f"{unchecked} nodes were given no gradient to check"] if unchecked else []
        return [self.diagnosis, *given]

    def __repr__(self) -> str:
        return f"<NodeCheckReport: {'pass' if self else 'FAIL'}, {len(self.rows)} nodes>"


def check_nodes(
    root: Value,
    grads: Mapping[Value, float] | None = None,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    order: int = 1,
) -> NodeCheckReport | SecondOrderReport:
    """Check d(root)/d(node) for every node of a built graph, numerically.

    Each node is nudged by ±eps and everything downstream re-evaluated through the
    op table. ``grads`` are the gradients to check: by default those one backward
    pass gives (``.grad`` is left alone); or a mapping node → gradient, e.g. from a
    hand derivation, and then only the nodes it holds are checked. Costs one
    partial forward pass per node. ``order=2`` checks each op's rule differentiated
    again (as ``create_graph`` does) against differences of the rule, and names the
    op whose second derivative is wrong.
    """
    if not isinstance(root, Value):
        raise TypeError(f"check_nodes: root must be a Value, got {type(root).__name__}")
    if not eps > 0:
        raise ValueError(f"check_nodes: eps must be > 0, got {eps}")
    if _order(order) == 2:
        if grads is not None:
            raise ValueError("check_nodes: order=2 checks the op rules; it takes no grads")
        return check_local_second(root, eps, atol, rtol)
    described = Description(root)
    order, named = described.order, described.names
    backward = gradients(root, order, as_values=False)
    tol = Tolerance(atol, rtol)
    rows = []
    for start in reversed(range(len(order))):
        node = order[start]
        if grads is None:
            g: float | None = backward.get(node, 0.0)
        else:
            g = float(grads[node]) if node in grads else None
        numeric = None if g is None else _numeric_root_partial(order, start, eps)
        ok = numeric is None or tol.passes(g, numeric)
        rows.append(NodeCheck(node, named[node], g, numeric, ok))
    report = NodeCheckReport(rows, "")
    report.diagnosis = _diagnose(report, described, backward, eps, tol, grads is not None)
    return report


def _order(order: int) -> int:
    if order not in (1, 2):
        raise ValueError(f"order must be 1 or 2, got {order!r}")
    return order


def _numeric_root_partial(order: list[Value], start: int, eps: float) -> float | None:
    try:
        up = _replay(order, start, order[start].data + eps)
        down = _replay(order, start, order[start].data - eps)
    except _ERRORS:
        return None
    return (up - down) / (2 * eps)


def _replay(order: list[Value], start: int, value: float) -> float:
    """The root's value when ``order[start]`` holds ``value``: downstream ops rerun."""
    moved = {order[start]: value}
    for node in order[start + 1 :]:
        parents = parents_of(node)
        if any(p in moved for p in parents):
            moved[node] = node.op_spec.run(*[moved.get(p, p.data) for p in parents])
    return moved.get(order[-1], order[-1].data)


def _diagnose(
    report: NodeCheckReport,
    described: Description,
    backward: Mapping[Value, float],
    eps: float,
    tol: Tolerance,
    hand_given: bool,
) -> str:
    order = described.order
    first = report.first_failure
    if first is None:
        checked = [r for r in report.rows if r.gradient is not None]
        skipped = sum(r.numeric is None for r in checked)
        note = f" ({skipped} could not be nudged inside their op's domain)" if skipped else ""
        return f"all {len(checked)} nodes checked agree with the numeric derivative{note}"
    node = first.node
    head = (
        f"first disagreement: node {first.name} has gradient {num(first.gradient)}, "
        f"numerically {num(first.numeric)}"
    )
    if node is order[-1]:
        return f"{head}: the root's gradient must be 1"
    for edge in described.consumers[node]:
        measured = _numeric_local(edge.node, edge.slot, eps)
        if edge.local is not None and measured is not None and not tol.passes(edge.local, measured):
            kink = kink_note(edge.node, described.names)
            if kink is not None:
                return (
                    f"{head}.\nnot a wrong rule: node {described.names[edge.node]} sits on a "
                    f"kink. {kink}"
                )
            return (
                f"{head}.\nthe wrong local rule: op {edge.node.op!r} at node "
                f"{described.names[edge.node]}, toward its input {edge.slot} ({first.name}): "
                f"{edge.rule} gives {num(edge.local)}, numerically {num(measured)}"
            )
    if hand_given:
        return (
            f"{head}.\nevery local rule into it is right: the given gradient is wrong; "
            f"backward gives {num(backward.get(node, 0.0))}"
        )
    kinks = [
        f"node {described.names[n]}: {note}"
        for n in order
        if (note := kink_note(n, described.names)) is not None
    ]
    where = "; ".join(kinks) or "it may sit on a kink where one-sided slopes differ"
    return f"{head}.\nevery local rule into it is right at this point: {where}"


def _numeric_local(node: Value, slot: int, eps: float) -> float | None:
    inputs = [p.data for p in parents_of(node)]
    op = node.op_spec
    try:
        up, down = list(inputs), list(inputs)
        up[slot] += eps
        down[slot] -= eps
        return (op.run(*up) - op.run(*down)) / (2 * eps)
    except _ERRORS:
        return None
