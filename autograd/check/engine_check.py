"""``check_engine(TheirValue)``: grade a learner's own micrograd-style engine, probe by probe.

Each probe is a small graph built twice, with their class and with chainrule's
``Value``, then compared node for node; a difference is explained by
``autograd.explain.diagnose``. Their class needs ``data``, ``grad``, ``backward()`` and its
operators; probes for what it lacks (``__rsub__``, ``tanh`` ...) are skipped.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from autograd.check.report import Report
from autograd.explain.diagnose import BUG_CLASSES, Diagnosis, Pair, diagnose, number, same, show
from autograd.value import Value

__all__ = ["EngineReport", "ProbeResult", "check_engine"]

A, B, C = 0.7, -1.3, 2.5  # leaf values away from kinks, and where no two bugs give one number
DEPTH = 1000  # micrograd's recursive topological sort fails here on Python's default limit
TIMEOUT = 3.0  # seconds for their part of one probe; a correct engine takes milliseconds


@dataclass(frozen=True)
class Probe:
    expression: str
    leaves: dict[str, float]
    build: Callable[..., dict[str, Any]]  # leaves -> named op results, the root last
    needs: tuple[str, ...]
    kind: str = "graph"  # "graph", "twice" (backward called twice), "kink", "deep"


def _ops() -> list[tuple[str, int, Callable[..., Any], str]]:
    """(expression, inputs, function, what their class needs) for each operator."""
    return [
        ("a + b", 2, lambda a, b: a + b, "__add__"),
        ("2 + a", 1, lambda a: 2 + a, "__radd__"),
        ("a - b", 2, lambda a, b: a - b, "__sub__"),
        ("2 - a", 1, lambda a: 2 - a, "__rsub__"),
        ("a * b", 2, lambda a, b: a * b, "__mul__"),
        ("2 * a", 1, lambda a: 2 * a, "__rmul__"),
        ("a / b", 2, lambda a, b: a / b, "__truediv__"),
        ("2 / a", 1, lambda a: 2 / a, "__rtruediv__"),
        ("-a", 1, lambda a: -a, "__neg__"),
        ("a ** 3", 1, lambda a: a**3, "__pow__"),
        ("a ** -1", 1, lambda a: a**-1, "__pow__"),
        ("a ** 0.5", 1, lambda a: a**0.5, "__pow__"),
        ("a.exp()", 1, lambda a: a.exp(), "exp"),
        ("a.tanh()", 1, lambda a: a.tanh(), "tanh"),
        ("a.relu()", 1, lambda a: a.relu(), "relu"),
        ("a.log()", 1, lambda a: a.log(), "log"),
        ("a.sigmoid()", 1, lambda a: a.sigmoid(), "sigmoid"),
    ]


def _three_uses(a, b, c):
    y = a * b
    u = y * c
    v = y + c
    w = v * y
    return {"y": y, "u": u, "v": v, "w": w, "out": u + w}


def _diamond(a, b):
    s, d = a + b, a - b
    return {"s": s, "d": d, "out": s * d}


def _chain(a, b):
    nodes, x = {}, a
    for i in range(1, DEPTH + 1):
        x = nodes[f"x{i}"] = x + b
    return nodes


def probes() -> list[Probe]:
    """Every probe, in the order of the report."""
    found = []
    for expression, arity, f, need in _ops():
        leaves = {"a": A, "b": B} if arity == 2 else {"a": A}
        found.append(Probe(expression, leaves, lambda *xs, f=f: {"out": f(*xs)}, (need,)))
    for expression, arity, f, need in _ops():
        leaves = {"a": A, "b": B, "c": C} if arity == 2 else {"a": A, "c": C}

        def upstream(*xs, f=f):
            y = f(*xs[:-1])
            return {"y": y, "out": y * xs[-1]}

        found.append(Probe(f"({expression}) * c", leaves, upstream, (need, "__mul__")))
    add, mul, sub = ("__add__",), ("__mul__",), ("__add__", "__sub__", "__mul__")
    return [
        *found,
        Probe("a + a", {"a": A}, lambda a: {"out": a + a}, add),
        Probe("a * a", {"a": A}, lambda a: {"out": a * a}, mul),
        Probe("diamond (a + b) * (a - b)", {"a": A, "b": B}, _diamond, sub),
        Probe("y = a * b feeds three: y*c + (y + c)*y", {"a": A, "b": B, "c": C}, _three_uses, sub),
        Probe(
            "backward() twice on (a * b) * c",
            {"a": A, "b": B, "c": C},
            lambda a, b, c: {"y": a * b, "out": a * b * c},
            mul,
            "twice",
        ),
        Probe(f"chain of {DEPTH} additions", {"a": A, "b": B}, _chain, add, "deep"),
        Probe("relu at its kink 0", {"a": 0.0}, lambda a: {"out": a.relu()}, ("relu",), "kink"),
        Probe("relu below 0", {"a": B}, lambda a: {"out": a.relu()}, ("relu",)),
    ]


@dataclass
class ProbeResult:
    """One probe: both engines' root value and leaf grads, a verdict and why."""

    expression: str
    verdict: str  # "ok", "FAIL", "error" (their code raised) or "skipped"
    their_forward: float | None = None
    our_forward: float | None = None
    their_grads: dict[str, float] = field(default_factory=dict)
    our_grads: dict[str, float] = field(default_factory=dict)
    diagnosis: Diagnosis | None = None
    note: str = ""


def check_engine(their_class: type, *, timeout: float = TIMEOUT) -> EngineReport:
    """Run every probe on ``their_class`` and on chainrule; never raises for their bugs.

    Their part of each probe runs in a thread of its own: one that takes longer than
    ``timeout`` seconds (a backward that never ends) is stopped and reported as
    hanging. A probe takes milliseconds, so once one hangs the rest get a tenth of
    ``timeout`` each: an engine that always hangs costs about 5·``timeout`` in all.
    """
    if not timeout > 0:
        raise ValueError(f"check_engine: timeout must be > 0 seconds, got {timeout}")
    results = []
    for probe in probes():
        hung = any(r.diagnosis is not None and r.diagnosis.kind == "hang" for r in results)
        results.append(_run(their_class, probe, timeout / 10 if hung else timeout))
    return EngineReport(their_class.__name__, results)


def _build(cls: Any, probe: Probe) -> list[tuple[str, Any]]:
    leaves = {name: cls(x) for name, x in probe.leaves.items()}
    return [*leaves.items(), *probe.build(*leaves.values()).items()]


def _snapshot(nodes: list[tuple[str, Any]]) -> list[Any]:
    return [
        SimpleNamespace(data=number(n.data, f"{name}.data"), grad=number(n.grad, f"{name}.grad"))
        for name, n in nodes
    ]


def _theirs(cls: type, probe: Probe) -> tuple[list[Any], list[Any]]:
    """Their engine's leaf and node numbers after one backward, and after the probe's last."""
    theirs = _build(cls, probe)
    theirs[-1][1].backward()
    first = _snapshot(theirs)
    if probe.kind == "twice":
        theirs[-1][1].backward()
    return first, _snapshot(theirs)


class _Hung(BaseException):
    """Raised inside a probe's thread that ran out of time (not an Exception: their
    ``except Exception`` must not swallow it)."""


def _within(seconds: float, work: Callable[[], Any]) -> Any:
    """``work()`` in a daemon thread: its result, its exception, or _Hung after ``seconds``."""
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["result"] = work()
        except _Hung:
            pass
        except BaseException as err:  # handed to the caller, whatever it is
            box["error"] = err

    thread = threading.Thread(target=run, name="check_engine probe", daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        _stop(thread)
        raise _Hung
    if "error" in box:
        raise box["error"]
    return box["result"]


def _stop(thread: threading.Thread) -> None:
    """Raise _Hung inside ``thread`` at its next Python instruction (CPython only: elsewhere
    the daemon thread runs on until the interpreter exits)."""
    try:
        import ctypes

        set_exception = ctypes.pythonapi.PyThreadState_SetAsyncExc
    except (ImportError, AttributeError):
        return
    set_exception(ctypes.c_ulong(thread.ident), ctypes.py_object(_Hung))
    thread.join(1.0)


def _run(cls: type, probe: Probe, timeout: float) -> ProbeResult:
    missing = [need for need in probe.needs if not hasattr(cls, need)]
    if missing:
        return ProbeResult(probe.expression, "skipped", note=f"{cls.__name__} has no {missing[0]}")
    ours = _build(Value, probe)
    ours[-1][1].backward()
    result = ProbeResult(probe.expression, "ok", our_forward=ours[-1][1].data)
    leaves = [name for name in probe.leaves]
    try:
        first, seen = _within(timeout, lambda: _theirs(cls, probe))
    except _Hung:
        result.verdict = "error"
        result.diagnosis = Diagnosis(
            "hang",
            f"`{probe.expression}` did not finish within {timeout:g} s (and was stopped): "
            "a backward that never ends, such as a topological sort that revisits nodes "
            "or a loop whose condition never changes",
        )
        return result
    except Exception as err:  # their code: report it, whatever it is
        result.verdict, result.diagnosis = "error", _raised(err, probe)
        return result
    if probe.kind == "twice":
        ours[-1][1].backward()
    result.their_forward = seen[-1].data
    result.their_grads = {name: s.grad for name, s in zip(leaves, seen, strict=False)}
    result.our_grads = {name: n.grad for name, n in ours[: len(leaves)]}
    if probe.kind == "twice":
        result.diagnosis = _twice(probe, ours, first, seen)
    else:
        pairs: list[Pair] = [(name, n, s) for (name, n), s in zip(ours, first, strict=True)]
        result.diagnosis = diagnose(pairs, f"`{probe.expression}`")
    if result.diagnosis is not None and probe.kind == "kink":
        grad = result.their_grads["a"]
        if result.diagnosis.kind != "forward" and 0.0 <= grad <= 1.0:
            result.diagnosis = None
            result.note = "any slope in [0, 1] is right at the kink; chainrule and PyTorch take 0"
    if result.diagnosis is not None:
        result.verdict = "FAIL"
    return result


def _raised(err: Exception, probe: Probe) -> Diagnosis:
    what = f"{type(err).__name__}: {str(err)[:120]}"
    if isinstance(err, RecursionError):
        return Diagnosis(
            "recursion",
            f"backward recurses: fails at depth {DEPTH} ({what}); walk the graph with an "
            "explicit stack instead of recursion",
        )
    return Diagnosis("exception", f"your engine raised {what} in `{probe.expression}`")


def _twice(probe: Probe, ours: list, first: list, second: list) -> Diagnosis | None:
    """A second backward must add each leaf's grad once more (or start afresh)."""
    once = _build(Value, probe)
    once[-1][1].backward()
    pairs = [(name, n, s) for (name, n), s in zip(once, first, strict=True)]
    found = diagnose(pairs, f"`{probe.expression}`, first call,")
    if found is not None:
        return found
    count = len(probe.leaves)
    if _consistent(first[:count], second[:count]):
        return None
    i = next(i for i in range(count) if not _kept_or_doubled(first[i], second[i]))
    name, f, s = ours[i][0], first[i], second[i]
    head = (
        f"after two calls {name}.grad is {show(s.grad)}; one call gives {show(f.grad)}, so two "
        f"should give {show(2 * f.grad)} (accumulated) or {show(f.grad)} (fresh)"
    )
    inner = [(f, s) for f, s in zip(first[count:-1], second[count:-1], strict=True)]
    if inner and all(same(s.grad, 2 * f.grad) for f, s in inner):
        return Diagnosis(
            "double_backward",
            f"{BUG_CLASSES['double_backward']}: {head}. Inner nodes keep the first call's grad "
            "and add to it: set every non-leaf grad to 0 at the start of backward (or call "
            "zero_grad() before each backward)",
        )
    return Diagnosis("wrong", head)


def _consistent(first: list, second: list) -> bool:
    """Every leaf doubled, or every leaf kept: not a mixture."""
    pairs = list(zip(first, second, strict=True))
    return all(same(s.grad, 2 * f.grad) for f, s in pairs) or all(
        same(s.grad, f.grad) for f, s in pairs
    )


def _kept_or_doubled(first: Any, second: Any) -> bool:
    return same(second.grad, first.grad) or same(second.grad, 2 * first.grad)


@dataclass
class EngineReport(Report):
    """The probes' results: print it for a table and its diagnoses; a notebook shows HTML."""

    name: str
    results: list[ProbeResult]

    headers = ("probe", "their forward", "ours", "their grads", "our grads", "verdict")

    @property
    def failures(self) -> list[ProbeResult]:
        return [r for r in self.results if r.verdict in ("FAIL", "error")]

    @property
    def passed(self) -> bool:
        return not self.failures

    def bug_classes(self) -> set[str]:
        """The kinds (keys of ``BUG_CLASSES``) of every failure's diagnosis."""
        return {r.diagnosis.kind for r in self.failures if r.diagnosis is not None}

    def summary(self) -> str:
        counts = {v: sum(r.verdict == v for r in self.results) for v in ("ok", "FAIL", "error")}
        skipped = sum(r.verdict == "skipped" for r in self.results)
        text = ", ".join(f"{n} {v}" for v, n in counts.items() if n)
        extra = f", {skipped} skipped" if skipped else ""
        return f"check_engine({self.name}): {len(self.results)} probes: {text}{extra}"

    def title(self) -> str:
        return self.summary()

    def rows(self) -> list[tuple[str, ...]]:
        return [
            (
                r.expression,
                _num(r.their_forward),
                _num(r.our_forward),
                _grads(r.their_grads),
                _grads(r.our_grads),
                r.verdict,
            )
            for r in self.results
        ]

    def table(self) -> list[tuple[str, ...]]:
        return self.rows()

    def findings(self) -> list[str]:
        """One line per failing probe (its diagnosis) or note."""
        lines = [f"{r.expression}: {r.diagnosis}" for r in self.failures]
        return lines + [f"{r.expression}: {r.note}" for r in self.results if r.note]

    def notes(self) -> list[str]:
        found = self.findings()
        return ["", *(f"- {line}" for line in found)] if found else []

    def html_notes(self) -> list[str]:
        return self.findings()

    def __repr__(self) -> str:
        return str(self)


def _num(x: float | None) -> str:
    return "—" if x is None else show(x)


def _grads(grads: dict[str, float]) -> str:
    return ", ".join(f"{name}={show(g)}" for name, g in grads.items()) or "—"
