"""Run every demo, then print one table of the notebooks' figures beside the engine's."""

from __future__ import annotations

import sys

from demos import moons, seed000, seed001, seed002, seed003, seed004
from demos.report import OUTPUT, table

DEMOS = [seed000, seed001, seed002, seed003, seed004, moons]


def main() -> int:
    OUTPUT.mkdir(exist_ok=True)
    figures = []
    for module in DEMOS:
        print(f"\n== {module.__doc__.splitlines()[0]}", flush=True)
        figures += module.run(OUTPUT)
    print("\n" + table(figures))
    wrong = [f for f in figures if not f.matches]
    print(f"\n{len(figures) - len(wrong)} of {len(figures)} figures match the notebooks.")
    written = sorted(p.name for p in OUTPUT.iterdir())
    print(f"diagrams, animation and plots in {OUTPUT.resolve()}: {', '.join(written)}")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
