"""Plain text for every view: numbers short but exact enough to follow, and tables."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from autograd.value import Value

__all__ = ["format_table", "grad_of", "num"]


def num(x: float | None) -> str:
    """A number, short but exact enough to follow by hand: ``-6.0``, ``0.419974``."""
    if x is None:
        return "—"
    text = f"{x + 0.0:.6g}"  # + 0.0 turns -0.0 into 0.0
    if text.lstrip("-").isdigit():
        text += ".0"
    return text


def format_table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """Columns padded to fit; numbers right-aligned, text left-aligned."""
    cells = [[str(c) for c in headers]]
    numeric = [True] * len(headers)
    for row in rows:
        cells.append([c if isinstance(c, str) else num(c) for c in row])
        for i, c in enumerate(row):
            numeric[i] = numeric[i] and isinstance(c, (int, float)) and not isinstance(c, bool)
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]

    def line(r: Sequence[str]) -> str:
        padded = (
            c.rjust(w) if n else c.ljust(w) for c, w, n in zip(r, widths, numeric, strict=True)
        )
        return "  ".join(padded).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(cells[0]), rule, *(line(r) for r in cells[1:])])


def grad_of(node: Value) -> float:
    """``node.grad`` as a number (after ``backward(create_graph=True)`` it is a Value)."""
    g = node.grad
    return g.data if isinstance(g, Value) else g
