"""Diagrams at the sizes learners draw: ``python -m benchmarks.diagrams [ROUNDS]``.

Each figure comes from fresh processes taking turns, ``ROUNDS`` (3) of each:
- micrograd's demo loss (MLP(2, [16, 16, 1]) on 100 samples, written micrograd-style,
  65,818 values) drawn with ``collapse=model`` and rendered to SVG;
- ``animate`` of one sample of chainrule's MLP(2, [16, 16, 1]) and of the same
  model written micrograd-style: seconds and file size;
- graphs of two and three samples of the micrograd-style model (1,630 and 2,276
  values), drawn in full by ``draw_dot`` and as micrograd's notebook draws it (a
  ``graphviz.Digraph`` of plain records, no edge labels), both rendered by the same
  dot program.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.demo_step import taking_turns

ROUNDS = 3
PAIRS = (("draw_dot", "micrograd plain"), ("draw_dot 3", "micrograd plain 3"))
KINDS = ("collapse", "animate", "animate-micrograd-style", *(k for pair in PAIRS for k in pair))


def _lecture_loss(samples: int):
    import random

    from autograd import Value
    from tests.helpers import LectureMLP

    model = LectureMLP(2, [16, 16, 1], random.Random(0))
    points = [(0.5, -0.3), (0.1, 0.9), (-0.7, 0.2)][:samples]
    loss = sum((model([Value(a), Value(b)]) - 1.0) ** 2 for a, b in points)
    loss.backward()
    return model, loss


def _plain_source(root) -> str:
    """micrograd's notebook diagram: records of label, data and grad; op nodes; no labels."""
    import graphviz

    from autograd import topo_order

    dot = graphviz.Digraph(format="svg", graph_attr={"rankdir": "LR"})
    for n in topo_order(root):
        uid = str(id(n))
        dot.node(
            uid, label=f"{{ {n.label} | data {n.data:.4f} | grad {n.grad:.4f} }}", shape="record"
        )
        if n.op:
            dot.node(uid + n.op, label=n.op)
            dot.edge(uid + n.op, uid)
            for p in n.parents:
                dot.edge(str(id(p)), uid + n.op)
    return dot.source


def worker(kind: str) -> dict:
    """One timed figure, in this (fresh) process."""
    from autograd import topo_order
    from viz import animate, draw_dot
    from viz.render import render

    if kind == "collapse":
        from tests.helpers import lecture_demo_loss

        model, loss = lecture_demo_loss()
        loss.backward()
        start = time.perf_counter()
        svg = draw_dot(loss, collapse=model).svg()
        return {"s": time.perf_counter() - start, "nodes": len(topo_order(loss)), "bytes": len(svg)}
    if kind.startswith("animate"):
        if kind == "animate":
            from nn import MLP

            model = MLP(2, [16, 16, 1], rng=0)
            loss = (model([0.5, -0.3]) - 1.0) ** 2
        else:
            _, loss = _lecture_loss(1)
        path = Path(tempfile.mkdtemp()) / "a.html"
        start = time.perf_counter()
        animate(loss, path)
        seconds = time.perf_counter() - start
        return {"s": seconds, "nodes": len(topo_order(loss)), "bytes": path.stat().st_size}
    _, loss = _lecture_loss(3 if kind.endswith(" 3") else 2)
    if kind.startswith("draw_dot"):
        start = time.perf_counter()
        svg = draw_dot(loss, max_nodes=5000, timeout=600).svg()
    else:
        start = time.perf_counter()
        svg = render(_plain_source(loss), "svg", 600).decode()
    return {"s": time.perf_counter() - start, "nodes": len(topo_order(loss)), "bytes": len(svg)}


def main(rounds: int = ROUNDS) -> None:
    runs = taking_turns(list(KINDS), "benchmarks.diagrams", rounds)
    print(f"diagrams, seconds: median (min-max) of {rounds} fresh processes")
    for kind, rs in runs.items():
        s = [r["s"] for r in rs]
        print(
            f"  {kind:26} {statistics.median(s):7.2f} ({min(s):.2f}-{max(s):.2f})"
            f"  {rs[0]['nodes']:6,} values  {rs[0]['bytes'] / 1e6:6.2f} MB"
        )
    for ours, plain in PAIRS:
        pairs = zip(runs[ours], runs[plain], strict=True)
        ratios = [d["s"] / p["s"] for d, p in pairs]
        print(
            f"draw_dot / micrograd's plain diagram, {runs[ours][0]['nodes']:,} values, per round:"
            f" median {statistics.median(ratios):.2f}x ({min(ratios):.2f}-{max(ratios):.2f})"
        )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--worker"]:
        print(json.dumps(worker(sys.argv[2])))
    else:
        main(int(sys.argv[1]) if sys.argv[1:] else ROUNDS)
