"""Figures a demo reproduces: the notebook's number, the engine's, and whether they agree.

A seed's walk-through is written once, as its notebook's source in
``demos/notebook_sources/``. Its demo runs that source as a plain script
(``walk_through``), then reads the figures from the names the script left behind.
"""

from __future__ import annotations

import math
import runpy
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autograd.explain.text import format_table

OUTPUT = Path("demo-output")
"""Where the demos write their diagrams, animation and plots."""

SOURCES = Path(__file__).resolve().parent / "notebook_sources"
"""Each seed's walk-through: run by its demo, built into its notebook."""


class WalkThroughStopped(AssertionError):
    """A walk-through's ``assert`` failed: a figure went wrong before the table."""


def walk_through(source: str) -> dict[str, Any]:
    """Run ``demos/notebook_sources/<source>.py`` as a script; the names it defines.

    Its prints tell the story. A cell's bare last expression, which the notebook
    displays, is evaluated and dropped. A failed ``assert`` raises
    ``WalkThroughStopped``, naming the file, the line and what it checked.
    """
    path = SOURCES / f"{source}.py"
    try:
        return runpy.run_path(str(path), run_name=f"demos.walk_through.{source}")
    except AssertionError as err:
        frames = [f for f in traceback.extract_tb(err.__traceback__) if f.filename == str(path)]
        where = f"line {frames[-1].lineno}: {frames[-1].line}" if frames else "an assert"
        detail = f" ({err})" if str(err) else ""
        raise WalkThroughStopped(f"{path.name}, {where}{detail}") from err


@dataclass(frozen=True)
class Figure:
    """One number a seed notebook printed, next to the engine's."""

    seed: str
    name: str
    notebook: float
    engine: float
    tolerance: float = 1e-9

    @property
    def matches(self) -> bool:
        return math.isclose(self.engine, self.notebook, rel_tol=0.0, abs_tol=self.tolerance)


def say(text: str) -> None:
    """Print one step of a demo's story."""
    print(f"  {text}", flush=True)


def table(figures: list[Figure]) -> str:
    """The closing table: one row per figure."""
    rows = [
        (
            f.seed,
            f.name,
            repr(f.notebook),
            repr(f.engine),
            f"{f.tolerance:g}",
            "yes" if f.matches else "NO",
        )
        for f in figures
    ]
    return format_table(("seed", "figure", "notebook", "engine", "tolerance", "match"), rows)


def standalone(run: Callable[[Path], list[Figure]], doc: str) -> None:
    """``python -m demos.NAME``: tell the story, print the table, fail on a mismatch."""
    print(doc.splitlines()[0])
    OUTPUT.mkdir(exist_ok=True)
    try:
        figures = run(OUTPUT)
    except WalkThroughStopped as err:
        print(f"\nthe walk-through stopped at a figure that does not match: {err}")
        sys.exit(1)
    print("\n" + table(figures))
    print(f"\nfiles written to {OUTPUT.resolve()}")
    sys.exit(0 if all(f.matches for f in figures) else 1)
