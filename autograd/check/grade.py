"""Grade a class's engines: ``python -m autograd.grade SUBMISSION... --json results.json``.

Each submission (a ``.py`` file or a notebook) is read (``autograd.check.submission``),
its class run through ``check_engine``'s probes in a child process of its own, and
scored by bug class: every class found takes its weight off ``max_score``; an engine
that fails more than half its probes gets no more than its share of probes passed, and
one that cannot be graded (does not load, forbidden) scores 0. The results go to JSON,
and on request to Gradescope's format, a CSV table and a class dashboard
(``autograd.check.dashboard``).
The exit status is 0 whenever grading ran, whatever the scores.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from autograd.check.dashboard import write_csv, write_dashboard
from autograd.check.engine_check import HINT_LEVELS, MEMORY_MB, EngineReport, ProbeResult, check_job
from autograd.check.slips import SLIPS
from autograd.check.submission import Submission, read_submission

__all__ = ["SCHEMA", "checked_weights", "grade", "gradescope", "main", "score"]

SCHEMA = "chainrule.grade/1"
MAX_SCORE = 10.0
WEIGHT = 2.0  # what one bug class takes off, unless the weights say otherwise


def score(
    classes: set[str], weights: dict[str, float], max_score: float, passed: int, ran: int
) -> float:
    """``max_score`` less the weight of each bug class found, at most ``max_score`` ·
    ``passed``/``ran`` when most probes fail; 0 when nothing ran (it did not load)."""
    if ran == 0 or any(not SLIPS[c].gradable for c in classes):
        return 0.0
    points = min(max_score, max(0.0, max_score - sum(weights.get(c, WEIGHT) for c in classes)))
    if 2 * passed < ran:
        points = min(points, round(max_score * passed / ran, 2))
    return points


def checked_weights(weights: Any) -> dict[str, float]:
    """``weights`` as {bug class: points}, or a ValueError naming the option and what is
    wrong: not a mapping, a name that is no gradable bug class, points not finite ≥ 0."""
    known = [name for name in SLIPS if SLIPS[name].gradable]
    if not isinstance(weights, dict):
        raise ValueError(
            f'--weights must be a JSON object such as {{"power": 3}}, got {type(weights).__name__}'
        )
    unknown = sorted(str(name) for name in weights if name not in known)
    if unknown:
        raise ValueError(
            f"--weights names no bug class: {', '.join(unknown)} (the classes: {', '.join(known)})"
        )
    for name, points in weights.items():
        number = isinstance(points, (int, float)) and not isinstance(points, bool)
        if not (number and math.isfinite(points) and points >= 0):
            raise ValueError(f"--weights: {name} must be a finite number >= 0, got {points!r}")
    return {name: float(points) for name, points in weights.items()}


def grade(
    paths: Sequence[str | Path],
    *,
    class_name: str = "Value",
    timeout: float = 5.0,
    memory_mb: int = MEMORY_MB,
    jobs: int = 2,
    hints: str = "nudge",
    weights: dict[str, float] | None = None,
    max_score: float = MAX_SCORE,
) -> dict[str, Any]:
    """Grade every submission; the results as the JSON document ``--json`` writes."""
    if hints not in HINT_LEVELS:
        raise ValueError(f"hints must be one of {', '.join(HINT_LEVELS)}, got {hints!r}")
    weights = checked_weights(weights or {})
    if not (isinstance(max_score, (int, float)) and math.isfinite(max_score) and max_score > 0):
        raise ValueError(f"--max-score must be a number > 0, got {max_score!r}")

    def one(path: str | Path) -> dict[str, Any]:
        started = time.monotonic()
        submission = read_submission(path, class_name)
        report = _report(submission, class_name, timeout, memory_mb)
        entry = _entry(submission, report, hints, weights, max_score)
        entry["seconds"] = round(time.monotonic() - started, 2)
        return entry

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        graded = list(pool.map(one, paths))
    return {
        "schema": SCHEMA,
        "max_score": max_score,
        "weights": {name: weights.get(name, WEIGHT) for name in SLIPS if SLIPS[name].gradable},
        "hints": hints,
        "timeout": timeout,
        "submissions": graded,
    }


def _report(submission: Submission, name: str, timeout: float, memory_mb: int) -> EngineReport:
    if submission.job is None:
        return EngineReport(
            name, [ProbeResult("loading the engine", "error", diagnosis=submission.problem)]
        )
    return check_job(submission.job, name, timeout, memory_mb)


def _entry(
    submission: Submission,
    report: EngineReport,
    hints: str,
    weights: dict[str, float],
    max_score: float,
) -> dict[str, Any]:
    classes = report.bug_classes()
    loaded = not any(r.expression == "loading the engine" for r in report.results)
    probes = [
        {
            "name": r.expression,
            "passed": r.verdict in ("ok", "skipped"),
            "skipped": r.verdict == "skipped",
            "bug_class": r.diagnosis.kind if r.diagnosis else None,
            "hint": r.hint(hints),
            "score": 1.0 if r.verdict == "ok" else 0.0,
            "max_score": 0.0 if r.verdict == "skipped" else 1.0,
        }
        for r in report.results
    ]
    return {
        "submission": submission.name,
        "path": str(submission.path),
        "score": score(classes, weights, max_score, *_passed_of(report) if loaded else (0, 0)),
        "max_score": max_score,
        "bug_classes": sorted(classes, key=list(SLIPS).index),
        "probes": probes,
        "error": None if loaded else str(report.results[0].diagnosis),
    }


def _passed_of(report: EngineReport) -> tuple[int, int]:
    ran = [r for r in report.results if r.verdict != "skipped"]
    return sum(r.verdict == "ok" for r in ran), len(ran)


def gradescope(entry: dict[str, Any], weights: dict[str, float]) -> dict[str, Any]:
    """One submission in Gradescope's autograder format: a test per bug class found and
    one for the rest, their scores summing to the total."""
    if entry["error"]:
        tests = [_test("the engine loads and runs", 0.0, entry["max_score"], entry["error"])]
        return {"score": 0.0, "tests": tests}
    tests, rest = [], entry["max_score"]
    for name in entry["bug_classes"]:
        weight = min(weights.get(name, WEIGHT), rest)
        rest -= weight
        hints = sorted({p["hint"] for p in entry["probes"] if p["bug_class"] == name and p["hint"]})
        failed = [p["name"] for p in entry["probes"] if p["bug_class"] == name]
        output = f"fails {len(failed)} probes: {', '.join(failed[:6])}" + "".join(
            f"\nhint: {h}" for h in hints
        )
        tests.append(_test(f"{name}: {SLIPS[name].words}", 0.0, weight, output))
    passed = sum(p["passed"] and not p["skipped"] for p in entry["probes"])
    ran = sum(not p["skipped"] for p in entry["probes"])
    got = min(rest, entry["score"])  # less than rest when most probes fail
    tests.append(_test("every other probe", got, rest, f"{passed} of {ran} probes pass"))
    return {"score": entry["score"], "tests": tests}


def _test(name: str, got: float, out_of: float, output: str) -> dict[str, Any]:
    return {
        "name": name,
        "score": got,
        "max_score": out_of,
        "output": output,
        "visibility": "visible",
    }


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m autograd.grade",
        description="Grade learners' micrograd-style engines, each in a process of its own.",
    )
    parser.add_argument("submissions", nargs="+", help=".py files or .ipynb notebooks")
    parser.add_argument("--json", required=True, help="write the results here")
    parser.add_argument("--gradescope", help="write DIR/<stem>/results.json per submission")
    parser.add_argument("--dashboard", help="write a one-page HTML class view here")
    parser.add_argument("--csv", help="write the submissions table here")
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds per probe (default 5)")
    parser.add_argument("--memory", type=int, default=MEMORY_MB, help="MB per engine (POSIX)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="engines at once")
    parser.add_argument("--class", dest="class_name", default="Value", help="the class to grade")
    parser.add_argument("--hints", choices=HINT_LEVELS, default="nudge")
    parser.add_argument("--weights", help='JSON: {"power": 3, ...} points off per bug class')
    parser.add_argument("--max-score", type=float, default=MAX_SCORE)
    return parser


def _weights(text: str | None) -> dict[str, float]:
    """The ``--weights`` option (JSON text or a JSON file), checked; ValueError if bad."""
    if not text:
        return {}
    try:
        source = Path(text).read_text(encoding="utf-8") if Path(text).is_file() else text
    except (OSError, UnicodeDecodeError) as err:
        raise ValueError(f"--weights: cannot read {text}: {err}") from None
    try:
        found = json.loads(source)
    except json.JSONDecodeError as err:
        raise ValueError(f"--weights: not JSON nor a JSON file: {err}") from None
    return checked_weights(found)


def main(argv: Sequence[str] | None = None) -> int:
    """The command line; 0 when grading ran (whatever the scores), 2 for bad arguments."""
    args = _parser().parse_args(argv)
    if not args.timeout > 0 or args.memory < 64 or args.jobs < 1:
        print("grade: --timeout must be > 0, --memory >= 64 MB, --jobs >= 1", file=sys.stderr)
        return 2
    try:
        weights = _weights(args.weights)
        results = grade(
            args.submissions,
            class_name=args.class_name,
            timeout=args.timeout,
            memory_mb=args.memory,
            jobs=args.jobs,
            hints=args.hints,
            weights=weights,
            max_score=args.max_score,
        )
    except ValueError as err:
        print(f"grade: {err}", file=sys.stderr)
        return 2
    Path(args.json).write_text(json.dumps(results, indent=2), encoding="utf-8")
    for entry in results["submissions"]:
        found = ", ".join(entry["bug_classes"]) or "no bug found"
        print(f"{entry['submission']}: {entry['score']:g}/{entry['max_score']:g}  {found}")
    if args.gradescope:
        for entry in results["submissions"]:
            folder = Path(args.gradescope) / Path(entry["submission"]).stem
            folder.mkdir(parents=True, exist_ok=True)
            page = json.dumps(gradescope(entry, weights), indent=2)
            (folder / "results.json").write_text(page, encoding="utf-8")
    if args.csv:
        write_csv(results, args.csv)
    if args.dashboard:
        write_dashboard(results, args.dashboard)
    return 0
