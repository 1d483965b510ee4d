"""What a run of ``python -m benchmarks`` says about itself, and the verdict of each row.

A figure quoted in the docs must be one a run printed, with the machine it ran on:
``machine()`` is the run's header (processor, cores, load, versions, commit, date),
``verdict(measured, target)`` says whether each row met its target in every round,
in some, or in none (read from the ranges it printed), and the whole table can be
kept as ``benchmarks/last_run.txt`` (``--write``), which ``tests/test_docs.py``
holds ``docs/performance.md``'s figures to.
"""

from __future__ import annotations

import datetime
import os
import platform
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAST_RUN = ROOT / "benchmarks" / "last_run.txt"

_BAR = re.compile(r"(>=|<=)\s*([0-9.]+)")
_RANGE = re.compile(r"\(([0-9.]+)-([0-9.]+)\)")


def _processor() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _commit() -> str:
    try:
        done = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True, text=True, timeout=10, check=False,
        )
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True, text=True, timeout=10, check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return "unknown commit"
    commit = done.stdout.strip() or "unknown commit"
    return commit + (" with uncommitted changes" if dirty.stdout.strip() else "")


def load() -> str:
    """The load average over 1, 5 and 15 minutes, as ``uptime`` prints it."""
    try:
        return ", ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def machine() -> list[str]:
    """The header lines of a run: where, when, on what."""
    import numpy

    try:
        import torch

        torch_version = torch.__version__
    except ImportError:
        torch_version = "not installed"
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return [
        f"machine: {_processor()}, {os.cpu_count()} logical CPUs, {platform.system()} "
        f"{platform.release()}",
        f"python {platform.python_version()}, numpy {numpy.__version__}, "
        f"torch {torch_version}; commit {_commit()}; {now}",
        f"load average at start: {load()}",
    ]


def verdict(measured: str, target: str) -> str:
    """Whether a row met its target in every round, in some or in none.

    Read from the printed figures: the n-th range in ``measured`` against the n-th
    bar (``>= 60x``, ``<= 400``) in ``target``; a row with no range is not judged.
    """
    pairs = list(zip(_RANGE.findall(measured), _BAR.findall(target), strict=False))
    if not pairs:
        return ""
    every, none = True, False
    for (low, high), (sense, bar) in pairs:
        lo, hi, limit = float(low), float(high), float(bar)
        worst, best = (lo, hi) if sense == ">=" else (hi, lo)
        met_worst = worst >= limit if sense == ">=" else worst <= limit
        met_best = best >= limit if sense == ">=" else best <= limit
        every = every and met_worst
        none = none or not met_best
    if every:
        return "met in every round"
    return "missed in every round" if none else "missed in some rounds"
