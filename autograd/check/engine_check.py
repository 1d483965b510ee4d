"""``check_engine(TheirValue)``: grade a learner's own micrograd-style engine, probe by probe.

Each probe (``autograd.check.probes``) is a small graph built twice, with their class
and with chainrule's ``Value``, then compared node for node; a difference is explained
by ``autograd.explain.diagnose`` and named from the one list of slips
(``autograd.check.slips``). Their side runs in a child process of its own
(``autograd.check.sandbox``): a probe that hangs, exhausts memory or kills the process
is stopped and named, and nothing of theirs is left running. Their class needs
``data``, ``grad``, ``backward()`` and its operators; probes for what it lacks
(``__rsub__``, ``tanh`` ...) are skipped.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from autograd.check.probes import DEPTH, Probe, build, probes
from autograd.check.report import Report
from autograd.check.sandbox import (
    CHILD_ENV,
    Outcome,
    processes_available,
    run_in_process,
    run_isolated,
    ship,
)
from autograd.check.slips import SLIPS, nudge_for
from autograd.explain.diagnose import BUG_CLASSES, Diagnosis, Pair, diagnose, same, show
from autograd.value import Value

__all__ = [
    "HINT_LEVELS",
    "EngineReport",
    "ProbeResult",
    "check_engine",
    "check_job",
    "report_of",
]

TIMEOUT = 3.0  # seconds for their part of one probe; a correct engine takes milliseconds
MEMORY_MB = 1024  # the child's address space (POSIX)
HINT_LEVELS = ("none", "nudge", "numbers")


@dataclass
class ProbeResult:
    """One probe: both engines' root value and leaf grads, a verdict and why."""

    expression: str
    verdict: str  # "ok", "FAIL", "error" (their code raised, hung or died) or "skipped"
    their_forward: float | None = None
    our_forward: float | None = None
    their_grads: dict[str, float] = field(default_factory=dict)
    our_grads: dict[str, float] = field(default_factory=dict)
    diagnosis: Diagnosis | None = None
    note: str = ""
    op: str = ""  # the op the probe is about

    def hint(self, level: str = "nudge") -> str:
        """What to tell the learner: nothing, a nudge that never gives the rule, or the
        diagnosis with its numbers."""
        if level not in HINT_LEVELS:
            raise ValueError(f"hint level must be one of {HINT_LEVELS}, got {level!r}")
        if self.diagnosis is None or level == "none":
            return ""
        if level == "numbers":
            return str(self.diagnosis)
        return nudge_for(self.diagnosis.kind, self.diagnosis.op or self.op)


def check_engine(
    their_class: type,
    *,
    timeout: float = TIMEOUT,
    memory_mb: int = MEMORY_MB,
    isolation: str = "auto",
) -> EngineReport:
    """Run every probe on ``their_class`` and on chainrule; never raises for their bugs.

    Their side runs in a child process (``isolation="process"``) that gets ``timeout``
    seconds per probe and ``memory_mb`` of address space; a probe that runs over is
    killed with its process and named ``hang``, and the rest run in a fresh child with
    a tenth of ``timeout`` each, up to 3·``timeout`` of hanging in all. So this returns
    within about 3·``timeout`` plus a second per child started (at most 12), whatever
    the engine does, and leaves no process or thread behind. Where processes are not
    available (Pyodide) or with ``isolation="steps"``, each probe runs here, bounded
    by ``timeout``·2,000,000 executed lines instead of seconds.
    """
    if not timeout > 0:
        raise ValueError(f"check_engine: timeout must be > 0 seconds, got {timeout}")
    if isolation not in ("auto", "process", "steps"):
        raise ValueError(
            f"check_engine: isolation must be auto, process or steps, not {isolation!r}"
        )
    if os.environ.get(CHILD_ENV):
        raise RuntimeError("check_engine: called from inside a grading process (guard it)")
    indices = list(range(len(probes())))
    if isolation == "steps" or (isolation == "auto" and not processes_available()):
        return report_of(their_class.__name__, run_in_process(their_class, indices, timeout))
    outcome = run_isolated(ship(their_class), indices, timeout, memory_mb)
    return report_of(their_class.__name__, outcome)


def check_job(job: dict[str, Any], name: str, timeout: float, memory_mb: int) -> EngineReport:
    """check_engine for a class the child finds itself (a submission's source)."""
    indices = list(range(len(probes())))
    return report_of(name, run_isolated(job, indices, timeout, memory_mb))


def report_of(name: str, outcome: Outcome) -> EngineReport:
    """The report for what the child said."""
    load = outcome.load
    problem = _load_problem(load)
    if problem is not None:
        return EngineReport(name, [ProbeResult("loading the engine", "error", diagnosis=problem)])
    every = probes()
    results = [_result(every[i], line) for i, line in sorted(outcome.lines.items())]
    _relabel(results)
    return EngineReport(load.get("name", name), results)


def _load_problem(load: dict[str, Any]) -> Diagnosis | None:
    if load.get("loaded"):
        return None
    if load.get("forbidden"):
        return Diagnosis("forbidden", f"{SLIPS['forbidden'].words}: {load['forbidden']}")
    if "syntax" in load:
        return Diagnosis("syntax", f"{SLIPS['syntax'].words}: {load['syntax']}")
    if "hang" in load:
        return Diagnosis("hang", f"loading the engine did not finish within {load['hang']:g} s")
    if "crash" in load:
        return _crash(load, "while loading")
    return _raised(load, "while loading", False)


def _result(probe: Probe, line: dict[str, Any]) -> ProbeResult:
    if "skipped" in line:
        return ProbeResult(probe.expression, "skipped", note=line["skipped"], op=probe.op)
    ours = build(Value, probe)
    ours[-1][1].backward()
    result = ProbeResult(probe.expression, "error", our_forward=ours[-1][1].data, op=probe.op)
    if "hang" in line:
        result.diagnosis = _hang(probe, line)
    elif "crash" in line:
        result.diagnosis = _crash(line, f"in `{probe.expression}`")
    elif "forbidden" in line:
        result.diagnosis = Diagnosis(
            "forbidden", f"{SLIPS['forbidden'].words}: {line['forbidden']}"
        )
    elif "error" in line:
        result.diagnosis = _raised(line, f"in `{probe.expression}`", probe.kind == "deep")
    if result.diagnosis is not None:
        return result
    first, seen = _numbers(line["first"]), _numbers(line["second"])
    leaves = list(probe.leaves)
    if probe.kind == "twice":
        ours[-1][1].backward()
    result.verdict = "ok"
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
    if line.get("runs", 0) > 1:
        result.diagnosis = Diagnosis(
            "revisits",
            f"{SLIPS['revisits'].words}: in `{probe.expression}` one node's backward ran "
            f"{line['runs']} times in one backward()",
        )
    if result.diagnosis is not None:
        result.verdict = "FAIL"
    return result


def _numbers(rows: list[list[float]]) -> list[Any]:
    return [SimpleNamespace(data=data, grad=grad) for data, grad in rows]


def _hang(probe: Probe, line: dict[str, Any]) -> Diagnosis:
    if line.get("not_run"):
        return Diagnosis("hang", f"`{probe.expression}` was not run: earlier probes hung too long")
    within = f"{line['steps']} steps" if "steps" in line else f"{line['hang']:g} s"
    return Diagnosis(
        "hang",
        f"`{probe.expression}` did not finish within {within} (and was stopped): a backward "
        "that never ends, such as a topological sort that revisits nodes or a loop whose "
        "condition never changes",
    )


def _crash(line: dict[str, Any], where: str) -> Diagnosis:
    if line.get("not_run"):
        return Diagnosis("crash", f"not run {where}: the engine's process died too often")
    last = f": {line['stderr'][:200]}" if line.get("stderr") else ""
    if "MemoryError" in line.get("stderr", "") or line.get("crash") == -9 and not last:
        return Diagnosis(
            "memory", f"{SLIPS['memory'].words} {where} (the process was killed{last})"
        )
    return Diagnosis("crash", f"{SLIPS['crash'].words} {where} (exit code {line['crash']}{last})")


def _raised(line: dict[str, Any], where: str, deep: bool) -> Diagnosis:
    what = f"{line['error']}: {line['message'][:120]}" if line["message"] else line["error"]
    if line.get("memory"):
        return Diagnosis("memory", f"{SLIPS['memory'].words} {where} ({what})")
    if line.get("recursion") and deep:
        return Diagnosis(
            "recursion",
            f"backward recurses: fails at depth {DEPTH} ({what}); walk the graph with an "
            "explicit stack instead of recursion",
        )
    if line.get("recursion"):
        return Diagnosis(
            "infinite_recursion",
            f"{SLIPS['infinite_recursion'].words}: {what} {where}, a graph only a few nodes "
            "deep: a recursive call that never reaches its base case (not a depth limit)",
        )
    return Diagnosis("exception", f"your engine raised {what} {where}")


def _relabel(results: list[ProbeResult]) -> None:
    """Name a failure by its cause where an earlier probe shows it: recursion that never
    ends fails the deep chain too; a ``**`` bug fails the division built on it."""
    kinds = {r.diagnosis.kind for r in results if r.diagnosis is not None}
    power = next((r.diagnosis for r in results if r.op == "pow" and r.diagnosis), None)
    for r in results:
        if r.diagnosis is None:
            continue
        if r.diagnosis.kind == "recursion" and "infinite_recursion" in kinds:
            r.diagnosis = Diagnosis(
                "infinite_recursion",
                f"{SLIPS['infinite_recursion'].words}: `{r.expression}` fails as a graph only "
                "a few nodes deep does, so this is no depth limit",
            )
        if r.op == "div" and power is not None and r.diagnosis.kind != power.kind:
            r.diagnosis = Diagnosis(
                power.kind,
                f"{r.diagnosis.text}; your / goes through **, which fails on its own "
                f"probes first ({SLIPS[power.kind].words})",
                power.op,
            )


def _twice(probe: Probe, ours: list, first: list, second: list) -> Diagnosis | None:
    """A second backward must add each leaf's grad once more (or start afresh)."""
    once = build(Value, probe)
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
