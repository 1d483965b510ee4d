"""``python -m viz "a*b + a.tanh()" a=2 b=-3``: a quick look at an expression's graph.

The expression is parsed with ``ast`` and only numbers, the given names, the
arithmetic operators and the Value methods (``a.tanh()``, or ``tanh(a)``) are
allowed: nothing else is evaluated.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from autograd import Value, graph_text
from autograd.explain.expression import METHODS, ExpressionError, evaluate

__all__ = ["METHODS", "ExpressionError", "evaluate", "main"]


def _bindings(pairs: Sequence[str]) -> dict[str, Value]:
    names = {}
    for pair in pairs:
        name, sep, number = pair.partition("=")
        if not sep or not name.isidentifier():
            raise ExpressionError(f"{pair!r}: give each name as name=number, as in a=2")
        try:
            names[name] = Value(float(number), label=name)
        except ValueError:
            raise ExpressionError(f"{pair!r}: {number!r} is not a number") from None
    return names


def main(argv: Sequence[str] | None = None) -> int:
    """Print the graph table of the expression; write ``--svg`` and ``--html`` if asked."""
    parser = argparse.ArgumentParser(
        prog="python -m viz",
        description="The graph of an expression on Values: its table, a diagram, the explorer.",
        epilog='example: python -m viz "a*b + a.tanh()" a=2 b=-3 --html explore.html',
    )
    parser.add_argument("expression", help='e.g. "a*b + a.tanh()"')
    parser.add_argument("values", nargs="*", help="name=number for each name, e.g. a=2 b=-3")
    parser.add_argument("--svg", metavar="PATH", help="write the diagram (draw_dot) as SVG")
    parser.add_argument("--html", metavar="PATH", help="write the explorer page")
    args = parser.parse_args(argv)
    try:
        root = evaluate(args.expression, _bindings(args.values))
        root.label = root.label or "out"
        root.backward()
        print(graph_text(root))
        if args.svg:
            from viz.diagram import draw_dot

            print(f"wrote {draw_dot(root).save(args.svg)}")
        if args.html:
            from viz.explore import explore

            print(f"wrote {explore(root).save(args.html)}")
    except (ValueError, ArithmeticError, TypeError, OSError) as err:
        print(f"python -m viz: {err}", file=sys.stderr)
        return 2
    return 0
