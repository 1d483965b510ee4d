"""DOT text for a lifted graph (``autograd.lift``): one box per block, with its kind, shape,
forward formula and backward formulas, and one per leaf array; an edge for each array a
block reads (gathered numbers say so)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from viz.dot import FONT, escape

if TYPE_CHECKING:  # numpy loads with lift, only when a lifted view is drawn
    from autograd.replay.lift import Lifted

__all__ = ["blocks_dot"]


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
            f"{block.kind}{shape} ({len(block.covers)} nodes)",
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
