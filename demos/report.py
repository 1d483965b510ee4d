"""Figures a demo reproduces: the notebook's number, the engine's, and whether they agree."""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from autograd.explain.text import format_table

OUTPUT = Path("demo-output")
"""Where the demos write their diagrams, animation and plots."""


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
    figures = run(OUTPUT)
    print("\n" + table(figures))
    print(f"\nfiles written to {OUTPUT.resolve()}")
    sys.exit(0 if all(f.matches for f in figures) else 1)
