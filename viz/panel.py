"""What the explorer's panel says about a node, and the paths from the root to a leaf.

Everything here is read from one description and one backward timeline, so the
panel's numbers are the stepper's: each share that built a node's grad is one
timeline step, and the sum over every path of its product of local derivatives is
the leaf's grad (the multivariable chain rule, one path at a time).
"""

from __future__ import annotations

from typing import Any

from autograd import Value
from autograd.explain.describe import Description, Edge
from autograd.explain.text import num
from autograd.explain.timeline import Timeline
from viz.dot import node_id

__all__ = ["MAX_PATHS", "node_panel", "paths_to", "path_counts"]

MAX_PATHS = 12
"""Paths listed per leaf at most: their number doubles with every reused node."""


def node_panel(node: Value, timeline: Timeline) -> dict[str, Any]:
    """The panel of ``node``: name, op, formula, data, grad, its inputs' rules and its shares.

    ``built`` has one line per share that adds into the grad (a timeline step, whose
    index is in ``steps``), then the total, done with the last share; ``pending`` is
    the same lines without the numbers backward has not computed yet, and ``rules``
    the inputs' rules without the numbers forward has not computed yet.
    """
    described = timeline.description
    name = described.names[node]
    grad = timeline.final[node]
    shares = [s for s in timeline if s.parent is node]
    steps = [s.index for s in shares]
    if node is described.root:
        wrapped = name if name.isidentifier() else f"({name})"
        built = [f"{name}.grad = 1.0    (the root: ∂{wrapped}/∂{wrapped} = 1)"]
        pending = [f"{name}.grad = 1 when backward starts"]
    else:
        built = [
            f"{s.edge.partial} · {s.node_name}.grad = ({num(s.local)})({num(s.upstream)})"
            f" = {num(s.contribution)}"
            for s in shares
        ]
        parts = " + ".join(f"({num(s.contribution)})" for s in shares)
        built.append(
            f"{name}.grad = {parts} = {num(grad)}"
            if len(shares) > 1
            else f"{name}.grad = {num(grad)}"
        )
        steps.append(steps[-1] if steps else -1)
        pending = [f"{s.edge.partial} · {s.node_name}.grad = ?" for s in shares]
        pending.append(f"{name}.grad = " + " + ".join(["?"] * len(shares) or ["0.0"]))
    return {
        "name": name,
        "op": node.op or "leaf",
        "formula": described.formula(node),
        "data": num(node.data),
        "value": node.data,
        "grad": num(grad),
        "leaf": node.is_leaf,
        "inputs": [edge.text for edge in described.edges_into(node)],
        "rules": [edge.rule for edge in described.edges_into(node)],
        "built": built,
        "pending": pending,
        "steps": steps,
    }


def path_counts(described: Description) -> dict[Value, int]:
    """How many paths lead from the root to each node (exact, however large)."""
    count = {node: 0 for node in described.order}
    count[described.root] = 1
    for node in reversed(described.order):
        for edge in described.edges_into(node):
            count[edge.parent] += count[node]
    return count


def paths_to(leaf: Value, timeline: Timeline, total: int, limit: int = MAX_PATHS) -> dict[str, Any]:
    """Up to ``limit`` paths from the root to ``leaf``, each with its product, and their sum."""
    described = timeline.description
    names = described.names
    shown = []
    for edges in _walk_up(leaf, described, limit):
        factors = [edge.local for edge in edges]
        product = None if None in factors else _product(factors)  # type: ignore[arg-type]
        chain = " → ".join([names[edges[0].node], *(names[e.parent] for e in edges)])
        twice = [e for e in edges if e.node.parents.count(e.parent) > 1]
        chain += "".join(
            f" [{names[e.parent]} as input {e.slot + 1} of {names[e.node]}]" for e in twice
        )
        partials = "".join(f"({e.partial})" for e in edges)
        numbers = "".join(f"({num(f)})" for f in factors)
        shown.append(
            {
                "nodes": [node_id(described.index[n]) for n in _nodes_on(edges)],
                "edges": [f"{node_id(described.index[e.node])}op_{e.slot}" for e in edges],
                "line": f"{chain}: {partials} = {numbers} = {num(product)}",
                "product": product,
            }
        )
    name, grad = names[leaf], timeline.final[leaf]
    products = [p["product"] for p in shown]
    if total == 0:
        summary = f"no path leads from {names[described.root]} to {name}: {name}.grad = 0.0"
    elif len(shown) == total and None not in products:
        terms = " + ".join(f"({num(p)})" for p in products)
        summary = f"sum over the {total} path(s): {terms} = {num(sum(products))} = {name}.grad"
    else:
        summary = (
            f"showing {len(shown)} of {total:,} paths (each reused node multiplies them); "
            f"all {total:,} sum to {name}.grad = {num(grad)}: backward adds them up node "
            "by node without listing them"
        )
    return {"count": total, "paths": shown, "summary": summary, "grad": num(grad)}


def _walk_up(leaf: Value, described: Description, limit: int) -> list[list[Edge]]:
    """Paths from the root down to ``leaf`` as edge lists, root first, at most ``limit``."""
    found: list[list[Edge]] = []
    stack: list[tuple[Value, list[Edge]]] = [(leaf, [])]
    while stack and len(found) < limit:
        node, below = stack.pop()
        if node is described.root:
            found.append(below)
            continue
        for edge in reversed(described.consumers[node]):
            stack.append((edge.node, [edge, *below]))
    return found


def _nodes_on(edges: list[Edge]) -> list[Value]:
    return [edges[0].node, *(e.parent for e in edges)]


def _product(factors: list[float]) -> float:
    out = 1.0
    for f in factors:
        out *= f
    return out
