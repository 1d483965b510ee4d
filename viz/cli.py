"""``python -m viz "a*b + a.tanh()" a=2 b=-3``: a quick look at an expression's graph.

The expression is parsed with ``ast`` and only numbers, the given names, the
arithmetic operators and the Value methods (``a.tanh()``, or ``tanh(a)``) are
allowed: nothing else is evaluated. Every failure is one line on stderr and exit 2;
a graph too large to draw says which of the options below draws a part of it.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from autograd import Value, graph_text
from autograd.explain.describe import Description
from autograd.explain.expression import METHODS, ExpressionError, evaluate
from autograd.value import topo_order

__all__ = ["METHODS", "ExpressionError", "evaluate", "main"]

_SHOWN = 60  # characters of an expression quoted back in a message


class _Refusal(Exception):
    """A failure already written in the command line's own terms."""


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


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m viz",
        description="The graph of an expression on Values: its table, a diagram, the explorer.",
        epilog='example: python -m viz "a*b + a.tanh()" a=2 b=-3 --html explore.html; '
        "python -m viz lab OUT_DIR writes the lab, a site that runs in the browser",
    )
    parser.add_argument("expression", help='e.g. "a*b + a.tanh()"')
    parser.add_argument("values", nargs="*", help="name=number for each name, e.g. a=2 b=-3")
    parser.add_argument("--svg", metavar="PATH", help="write the diagram (draw_dot) as SVG")
    parser.add_argument("--html", metavar="PATH", help="write the explorer page")
    parser.add_argument(
        "--focus", metavar="NAME", help="draw only this node's inputs (a name from the table)"
    )
    parser.add_argument(
        "--depth", metavar="K", type=int, help="--svg: only K ops up from the root (or --focus)"
    )
    parser.add_argument(
        "--collapse",
        action="store_true",
        help="one box per layer: an nn model's loss, in Python: draw_dot(loss, collapse=model)",
    )
    parser.add_argument(
        "--max-nodes", metavar="N", type=int, help="refuse to lay out more than N values"
    )
    parser.add_argument(
        "--timeout", metavar="SECONDS", type=float, help="--svg: stop dot after SECONDS (5)"
    )
    return parser


def _limits(args: argparse.Namespace) -> dict[str, float]:
    given = {"max_nodes": args.max_nodes, "timeout": args.timeout}
    return {k: v for k, v in given.items() if v is not None}


def _too_large(what: str, size: int, budget: int, depth: bool) -> _Refusal:
    part = "--focus NAME (a name from the table above)" + (" or --depth 3" if depth else "")
    return _Refusal(
        f"{what}: the graph has {size:,} values, more than --max-nodes {budget:,}: draw a part "
        f"of it with {part}, or pass a larger --max-nodes"
        + (" (and --timeout) to wait for it" if depth else "")
    )


def _write(root: Value, args: argparse.Namespace) -> None:
    """Write the files asked for, in the command line's terms when one cannot be drawn."""
    from viz.diagram import MAX_DRAWN, MAX_NODES, GraphTooLarge, draw_dot
    from viz.explore import explore
    from viz.render import RenderTimedOut

    focus = None
    if args.focus is not None:
        by_name = {name: node for node, name in Description(root).names.items()}
        if args.focus not in by_name:
            raise _Refusal(f"--focus {args.focus!r} is not a name in the table above")
        focus = by_name[args.focus]
    size = len(topo_order(focus or root))
    for flag, path, budget in (("--svg", args.svg, MAX_DRAWN), ("--html", args.html, MAX_NODES)):
        if path is None:
            continue
        try:
            if flag == "--svg":
                done = draw_dot(root, focus=focus, depth=args.depth, **_limits(args)).save(path)
            else:
                exploration = explore(root, focus=focus, **_limits(args))
                if "steps" not in exploration.state:  # blocks alone: refused here, in flags
                    raise GraphTooLarge(exploration.state["note"])
                done = exploration.save(path)
        except GraphTooLarge:
            raise _too_large(flag, size, args.max_nodes or budget, flag == "--svg") from None
        except RenderTimedOut as late:
            raise _Refusal(
                f"{flag}: dot did not lay out {late.edges:,} edges in {late.timeout:g} s: draw "
                "a part with --focus NAME or --depth 3, or pass a larger --timeout"
            ) from None
        print(f"wrote {done}")


def main(argv: Sequence[str] | None = None) -> int:
    """Print the graph table of the expression; write ``--svg`` and ``--html`` if asked."""
    args = _parser().parse_args(argv)
    shown = args.expression if len(args.expression) <= _SHOWN else args.expression[:_SHOWN] + "…"
    try:
        if args.depth is not None and args.depth < 0:
            raise _Refusal(f"--depth must be 0 or more, got {args.depth}")
        if args.collapse:
            raise _Refusal(
                "--collapse draws an nn model's layers, and an expression builds no model: "
                "in Python, draw_dot(loss, collapse=model) or explore(loss, collapse=model); "
                "here, --focus NAME and --depth K draw a part of the graph"
            )
        try:
            root = evaluate(args.expression, _bindings(args.values))
        except (RecursionError, MemoryError):
            raise _Refusal(
                f"{shown!r} ({len(args.expression):,} characters) nests too deeply for "
                "Python's parser: name its parts and build it in Python (a = ...; b = a + ...)"
            ) from None
        root.label = root.label or "out"
        root.backward()
        print(graph_text(root))
        _write(root, args)
    except _Refusal as refusal:
        return _fail(str(refusal))
    except MemoryError:
        return _fail(f"{shown!r}: out of memory; draw a smaller expression")
    except (ValueError, ArithmeticError, TypeError, OSError, RuntimeError) as err:
        return _fail(str(err))
    return 0


def _fail(message: str) -> int:
    print(f"python -m viz: {message}", file=sys.stderr)
    return 2
