"""Run every demo, then print one table of the notebooks' figures beside the engine's."""

from __future__ import annotations

import argparse
import sys

from demos import moons, seed000, seed001, seed002, seed003, seed004
from demos.report import OUTPUT, WalkThroughStopped, table

DEMOS = [seed000, seed001, seed002, seed003, seed004, moons]


def parse(argv: list[str] | None) -> argparse.Namespace:
    """The command line: no arguments but ``--help``, which runs nothing."""
    listing = "\n".join(
        f"  {m.__name__.split('.')[-1]:8} {m.__doc__.splitlines()[0].split(': ', 1)[1]}"
        for m in DEMOS
    )
    parser = argparse.ArgumentParser(
        prog="python -m demos",
        description=(
            "Run every demo: each seed notebook's walk-through (demos/notebook_sources/),\n"
            "then micrograd's two moons. Prints one table of every figure, the notebook's\n"
            f"number beside the engine's, and writes diagrams, an animation and plots into\n"
            f"{OUTPUT}/. Exits 1 if a figure does not match."
        ),
        epilog=f"the demos, in order (one alone: python -m demos.NAME):\n{listing}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    parse(argv)
    OUTPUT.mkdir(exist_ok=True)
    figures, stopped = [], []
    for module in DEMOS:
        print(f"\n== {module.__doc__.splitlines()[0]}", flush=True)
        try:
            figures += module.run(OUTPUT)
        except WalkThroughStopped as err:
            print(f"stopped at a figure that does not match: {err}")
            stopped.append(str(err))
    print("\n" + table(figures))
    wrong = [f for f in figures if not f.matches]
    print(f"\n{len(figures) - len(wrong)} of {len(figures)} figures match the notebooks.")
    for err in stopped:
        print(f"a walk-through stopped before its figures: {err}")
    written = sorted(p.name for p in OUTPUT.iterdir())
    print(f"diagrams, animation and plots in {OUTPUT.resolve()}: {', '.join(written)}")
    return 1 if wrong or stopped else 0


if __name__ == "__main__":
    sys.exit(main())
