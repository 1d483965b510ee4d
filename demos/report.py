"""Figures a demo reproduces: the notebook's number, the engine's, and whether they agree."""

from __future__ import annotations

import math
from dataclasses import dataclass


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
    print(f"  {text}")


def table(figures: list[Figure]) -> str:
    """The closing table: one row per figure."""
    header = f"{'seed':<6}{'figure':<30}{'notebook':>24}{'engine':>24}  match"
    rows = [header, "-" * len(header)]
    for f in figures:
        mark = "yes" if f.matches else "NO"
        rows.append(f"{f.seed:<6}{f.name:<30}{f.notebook!r:>24}{f.engine!r:>24}  {mark}")
    return "\n".join(rows)
