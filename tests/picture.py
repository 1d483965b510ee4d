"""Reads a rendered diagram (SVG) back and checks its own chain rule.

Each drawn value's grad must equal the sum over its drawn outgoing edges of edge
value × that consumer's grad (or, on a collapsed view, of the shares its edges
carry); the root's grad is 1; and a grad written as a sum of shares adds up. The
numbers are read from the picture's text, as a learner reads them, so they carry
six significant digits: sums are compared to that precision.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

SVG = "{http://www.w3.org/2000/svg}"
NUMBER = r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?"


def read_svg(svg: str) -> tuple[dict[str, list[str]], list[tuple[str, str, str, str]]]:
    """The picture's nodes (id → its texts) and edges (id, source, target, label).

    An edge without text of its own that ends on an op drawn as a box of rules (a large
    graph) is labelled with the rule in the cell its arrowhead touches.
    """
    tree = ET.fromstring(svg[svg.index("<svg") :])
    nodes, places, drawn = {}, {}, []
    for g in tree.iter(f"{SVG}g"):
        kind = g.get("class")
        texts = [t.text or "" for t in g.iter(f"{SVG}text")]
        if kind == "node":
            nodes[g.get("id")] = texts
            places[g.get("id")] = [_at(t.get("x"), t.get("y")) for t in g.iter(f"{SVG}text")]
        elif kind == "edge":
            source, target = (g.find(f"{SVG}title").text or "").split("->")
            head = g.find(f"{SVG}polygon")
            tip = None if head is None else _at(*head.get("points").split()[1].split(","))
            drawn.append((g.get("id"), source.split(":")[0], target.split(":")[0], texts, tip))
    edges = []
    for edge_id, source, target, texts, tip in drawn:
        label = " ".join(texts)
        if not label and tip is not None and target.endswith("op") and len(nodes[target]) > 1:
            texts_at = places[target]  # each cell's text, and the op's symbol
            nearest = min(range(len(texts_at)), key=lambda i: abs(texts_at[i] - tip))
            label = nodes[target][nearest]
        edges.append((edge_id, source, target, label))
    return nodes, edges


def _at(x: str | None, y: str | None) -> complex:
    return complex(float(x or 0), float(y or 0))


def _grad(texts: list[str]) -> tuple[float, list[float]] | None:
    for text in texts:
        m = re.match(rf"grad ({NUMBER})(?: = (.*))?$", text)
        if m:
            shares = [float(s) for s in re.findall(rf"\(({NUMBER})\)", m.group(2) or "")]
            return float(m.group(1)), shares
    return None


def _last_number(label: str) -> float:
    return float(re.findall(NUMBER, label)[-1])


def chain_rule_problems(
    svg: str, grads: dict[str, float] | None = None, *, whole: bool = True
) -> list[str]:
    """Every place where the picture contradicts its own chain rule (empty: none).

    ``grads`` (node id → grad) replaces the grads written in the picture: the
    animation sets them per step on one diagram. ``whole``: the whole graph is
    drawn, so a node with no consumer is the root and its grad is 1.
    """
    nodes, edges = read_svg(svg)
    shown = {}
    for node_id, texts in nodes.items():
        found = _grad(texts)
        if found is not None:
            shown[node_id] = found
    if grads is not None:
        shown = {k: (grads[k], []) for k in shown}
    terms: dict[str, list[float]] = {k: [] for k in shown}
    for edge_id, source, target, label in edges:
        if source not in shown:
            continue
        if "_in" in (edge_id or ""):  # a collapsed view: the edge carries its share
            terms[source].append(_last_number(label))
        elif target.endswith("op"):
            consumer = target[: -len("op")]
            terms[source].append(_last_number(label) * shown[consumer][0])
    problems = []
    for node_id, (grad, shares) in shown.items():
        if any("≠" in t for t in nodes[node_id]):
            problems.append(f"{node_id}: marked by the picture as not the sum of its shares")
        parts = terms[node_id]
        if shares and abs(sum(shares) - grad) > 1e-5 * sum(map(abs, shares)) + 1e-12:
            problems.append(f"{node_id}: grad {grad} written as shares {shares} that do not add up")
        if not parts:
            if whole and abs(grad - 1.0) > 1e-12:
                problems.append(f"{node_id}: no consumer drawn, so the root, but grad {grad}")
            continue
        if abs(sum(parts) - grad) > 2e-5 * sum(map(abs, parts)) + 1e-12:
            problems.append(f"{node_id}: grad {grad} but its edges give Σ = {sum(parts)}")
    return problems
