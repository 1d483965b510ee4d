"""A lifted graph (``autograd.lift``) drawn: DOT text with one box per block (its kind,
shape, forward and backward formulas) and one per leaf array, an edge for each array a
block reads (gathered numbers say so); and the explorer's blocks view, the same boxes
with, for each, its formulas and the ids of the scalar nodes it covers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from viz.dot import FONT, escape

if TYPE_CHECKING:  # numpy loads with lift, only when a lifted view is drawn
    from autograd.replay.lift import Lifted
    from autograd.value import Value

__all__ = ["blocks_dot", "blocks_state"]


def _dims(shape: tuple[int, ...]) -> str:
    return "×".join(map(str, shape)) or "scalar"


def _fields(fields: list[str], rankdir: str) -> str:
    joined = " | ".join(escape(f, record=True) for f in fields)
    return f'"{joined}"' if rankdir in ("TB", "BT") else f'"{{ {joined} }}"'


def blocks_dot(lifted: Lifted, rankdir: str = "LR") -> tuple[str, int]:
    """The DOT text of ``lifted``'s program and the number of boxes drawn."""
    ids: dict[str, str] = {}
    lines = [
        "digraph chainrule {",
        f'  graph [rankdir={rankdir}, fontname="{FONT}", nodesep=0.3, ranksep=0.6];',
        f'  node [fontname="{FONT}", fontsize=11, shape=record];',
        f'  edge [fontname="{FONT}", fontsize=10];',
        '  label="each box: a block of the tensor program over the scalar nodes it covers"; '
        "labelloc=t;",
    ]
    for i, array in enumerate(lifted.program.leaf_arrays):
        ids[array.name] = f"leaf{i}"
        label = _fields([f"{array.name}", f"{_dims(array.shape)}, leaves"], rankdir)
        lines.append(f'  leaf{i} [label={label}, id="leaf{i}"];')
    for i, block in enumerate(lifted.blocks):
        ids[block.name] = f"block{i}"
        shape = f" {_dims(block.shape)}" if block.shape else ""
        fields = [
            f"{block.kind}{shape} ({len(block.covers)} node{'s' * (len(block.covers) != 1)})",
            block.forward,
            "\n".join(block.backward),
        ]
        fill = ', style="rounded,filled", fillcolor="#eef3fb"' if block.kind == "matmul" else ""
        lines.append(f'  block{i} [label={_fields(fields, rankdir)}, id="block{i}"{fill}];')
    for i, block in enumerate(lifted.blocks):
        drawn = set()
        for operand in block.operands:
            for source in operand.sources:
                if source.name in drawn:
                    continue
                drawn.add(source.name)
                how = "reshaped" if operand.reshaped else "gathered"
                note = "" if operand.whole else f' [label="{escape(operand.name)} ({how})"]'
                lines.append(f"  {ids[source.name]} -> block{i}{note};")
    lines.append("}")
    return "\n".join(lines) + "\n", len(ids)


def blocks_state(lifted: Lifted, ids: dict[Value, str], rankdir: str = "LR") -> dict[str, Any]:
    """The blocks view's state: the DOT text (the page lays it out) and, per box id, its
    title, formulas, node count and the ids (``ids``: the drawn scalar graph's) of the
    scalar nodes it covers that are drawn."""
    source, _ = blocks_dot(lifted, rankdir)  # top to bottom: one box a row, read down
    items: dict[str, dict[str, Any]] = {}
    for i, array in enumerate(lifted.program.leaf_arrays):
        items[f"leaf{i}"] = _item(
            f"{array.name}: {_dims(array.shape)} leaves", "leaves", [], array.nodes, ids
        )
        items[f"leaf{i}"]["forward"] = f"{array.name}: the graph's numbers (inputs, parameters)"
    for i, block in enumerate(lifted.blocks):
        shape = f" {_dims(block.shape)}" if block.shape else ""
        items[f"block{i}"] = _item(
            f"{block.kind}{shape}", block.kind, list(block.backward), block.covers, ids
        )
        items[f"block{i}"]["forward"] = block.forward
    return {"dot": source, "items": items, "count": len(lifted.blocks)}


def _item(title: str, kind: str, backward: list[str], nodes: tuple, ids: dict) -> dict[str, Any]:
    covers = [ids[n] for n in nodes if n in ids]
    return {
        "title": title,
        "kind": kind,
        "backward": backward,
        "nodes": len(nodes),
        "covers": covers,
    }
