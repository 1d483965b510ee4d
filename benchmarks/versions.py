"""What a change gained: the scalar rows on several versions of chainrule, side by side.

Run: ``python -m benchmarks.versions REV [REV ...] [--rounds N]``, where a REV is a
git revision (each is checked out into a temporary worktree and its compiled part
built in place) or ``pure`` (this checkout with ``CHAINRULE_PURE_PYTHON=1``). Every
version runs each workload in a fresh process, the versions taking turns round by
round; each figure is the first version's time over this version's, median and range.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.demo_step import ROOT
from benchmarks.scalar import spread

# (row, module, worker, field): each a time in seconds, or ns per node
ROWS = [
    ("micrograd-style, steady", "benchmarks.scalar", "chainrule", "s"),
    ("micrograd-style, first step", "benchmarks.scalar", "chainrule", "first"),
    ("fused, steady", "benchmarks.demo_step", "chainrule", "s"),
    ("fused, first step", "benchmarks.demo_step", "chainrule", "first"),
    ("microgpt, steady", "benchmarks.microgpt", "chainrule", "s"),
    ("200k forward", "benchmarks.demo_step", "nodes", "fwd_ns"),
    ("200k backward", "benchmarks.demo_step", "nodes", "bwd_ns"),
]


def _checkout(rev: str, into: Path) -> Path:
    """A worktree of ``rev`` under ``into``, with autograd/_node.c built in place."""
    where = into / rev.replace("/", "_")
    subprocess.run(
        ["git", "worktree", "add", "--detach", str(where), rev],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    if (where / "autograd" / "_node.c").exists():
        build = (
            "from setuptools import Distribution, Extension\n"
            "from setuptools.command.build_ext import build_ext\n"
            "d = Distribution({'ext_modules': [Extension('autograd._node', "
            "['autograd/_node.c'])]})\n"
            "c = build_ext(d); c.inplace = True; c.ensure_finalized(); c.run()\n"
        )
        subprocess.run([sys.executable, "-c", build], cwd=where, check=True, capture_output=True)
    return where


def _run(where: Path, pure: bool, module: str, worker: str) -> dict:
    import json

    env = {**os.environ, "CHAINRULE_PURE_PYTHON": "1" if pure else "0"}
    done = subprocess.run(
        [sys.executable, "-m", module, "--worker", worker],
        cwd=where,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def compare(revs: list[str], rounds: int = 5) -> dict[str, Any]:
    """Each row's speedup of every version over the first, taking turns in fresh processes."""
    with tempfile.TemporaryDirectory() as tmp:
        places = {
            rev: (ROOT, True) if rev == "pure" else (_checkout(rev, Path(tmp)), False)
            for rev in revs
        }
        try:
            jobs = sorted({(module, worker) for _, module, worker, _ in ROWS})
            results: dict[tuple, dict[str, list[dict]]] = {
                job: {r: [] for r in revs} for job in jobs
            }
            for _ in range(rounds):
                for job in jobs:
                    for rev in revs:
                        results[job][rev].append(_run(*places[rev], *job))
        finally:
            for rev, (where, _) in places.items():
                if rev != "pure":
                    subprocess.run(
                        ["git", "worktree", "remove", "--force", str(where)],
                        cwd=ROOT,
                        capture_output=True,
                    )
    table: dict[str, Any] = {}
    for row, module, worker, field in ROWS:
        runs = results[(module, worker)]
        base = [r[field] for r in runs[revs[0]]]
        table[row] = {
            rev: spread([b / r[field] for b, r in zip(base, runs[rev], strict=True)])
            for rev in revs[1:]
        }
    return table


def main(argv: list[str]) -> None:
    rounds = 5
    if "--rounds" in argv:
        at = argv.index("--rounds")
        rounds = int(argv[at + 1])
        argv = argv[:at] + argv[at + 2 :]
    if len(argv) < 2:
        raise SystemExit("usage: python -m benchmarks.versions REV REV [...] [--rounds N]")
    table = compare(argv, rounds)
    print(f"speedup over {argv[0]}: median (min-max) over {rounds} round(s), fresh processes")
    print(f"{'row':30}" + "".join(f"{rev:>26}" for rev in argv[1:]))
    for row, cells in table.items():
        shown = "".join(
            f"{c['median']:>10.2f}x ({c['min']:.2f}-{c['max']:.2f})".rjust(26)
            for c in cells.values()
        )
        print(f"{row:30}{shown}")


if __name__ == "__main__":
    main(sys.argv[1:])
