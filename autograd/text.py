"""Plain-text views of a graph: numbers, node names, tables, and the whole graph as rows."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from autograd.ops import Op
from autograd.value import Value, topo_order

__all__ = ["format_table", "grad_of", "graph_text", "names", "num", "partial_rule"]


def num(x: float | None) -> str:
    """A number, short but exact enough to follow by hand: ``-6.0``, ``0.419974``."""
    if x is None:
        return "—"
    text = f"{x + 0.0:.6g}"  # + 0.0 turns -0.0 into 0.0
    if text.lstrip("-").isdigit():
        text += ".0"
    return text


def names(order: Iterable[Value]) -> dict[Value, str]:
    """A name per node: its label, or ``v0``, ``v1``... in the given order."""
    return {node: node.label or f"v{i}" for i, node in enumerate(order)}


def partial_rule(op: Op, slot: int) -> str:
    """The local rule of ``op`` toward the input in ``slot``: ``∂(a * b)/∂a = b``."""
    return f"∂({op.describe()})/∂{op.input_name(slot)} = {op.rule(slot)}"


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


def graph_text(root: Value) -> str:
    """The graph as a table, one row per node from ``root`` down to the leaves.

    Each row: name, op, data, grad and the local derivative toward each parent
    (``∂/∂a=-3.0``). Needs no graphviz.
    """
    order = topo_order(root)
    named = names(order)
    rows = []
    for node in reversed(order):
        parents = node.parents
        if parents:
            locals_ = node.local_grads()
            op = f"{node.op}({', '.join(named[p] for p in parents)})"
            partials = ", ".join(
                f"∂/∂{named[p]}={num(d)}" for p, d in zip(parents, locals_, strict=True)
            )
        else:
            op, partials = "leaf", ""
        rows.append((named[node], op, node.data, grad_of(node), partials))
    return format_table(("node", "op", "data", "grad", "local derivatives"), rows)


def grad_of(node: Value) -> float:
    """``node.grad`` as a number (after ``backward(create_graph=True)`` it is a Value)."""
    g = node.grad
    return g.data if isinstance(g, Value) else g
