"""Run every demo, then print one table of the notebooks' figures beside the engine's."""

from __future__ import annotations

import sys

from demos import seed004
from demos.report import table

DEMOS = [seed004]


def main() -> int:
    figures = []
    for module in DEMOS:
        print(f"\n== {module.__doc__.splitlines()[0]}")
        figures += module.run()
    print("\n" + table(figures))
    wrong = [f for f in figures if not f.matches]
    print(f"\n{len(figures) - len(wrong)} of {len(figures)} figures match the notebooks.")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
