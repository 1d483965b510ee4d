"""``animate``: backprop as one self-contained page, a chain-rule step at a time.

The page holds one diagram and the backward timeline (``autograd.explain.timeline``): each
step names the node whose gradient is passed on, the edge it goes through, the
parent that receives it and that parent's new gradient. The page's script sets the
numbers of step k on the one diagram, so the file stays small at any step count.
"""

from __future__ import annotations

import json
import os
import warnings
from importlib import resources
from pathlib import Path
from typing import Any

from autograd import Value
from autograd.backward import topo_order
from autograd.explain.describe import Description
from autograd.explain.text import num
from autograd.explain.timeline import Timeline
from viz.diagram import MAX_NODES, GraphTooLarge, too_large
from viz.dot import build_dot, node_id, select

__all__ = ["Animation", "animate", "backward_state"]


class Animation:
    """A written animation: its path, its step count, and an inline view in Jupyter."""

    def __init__(self, path: Path, page: str, steps: int) -> None:
        self.path = path
        self.page = page
        self.steps = steps

    def __fspath__(self) -> str:
        return str(self.path)

    def __str__(self) -> str:
        return str(self.path)

    def __repr__(self) -> str:
        return f"<Animation: {self.steps} backward steps in {self.path}>"

    def _repr_html_(self) -> str:
        from html import escape

        return (
            f'<iframe srcdoc="{escape(self.page)}" style="width:100%;height:560px;'
            'border:1px solid #ddd"></iframe>'
        )


def animate(
    root: Value,
    path: str | os.PathLike,
    *,
    rankdir: str = "LR",
    focus: Value | None = None,
    autoplay: bool = False,
    max_nodes: int = MAX_NODES,
    timeout: float | None = None,
) -> Animation:
    """Write ``path``: one fresh backward from ``root``, step by step.

    Every node starts at grad 0 and the root at 1, in the page's own state: the
    graph's ``.grad`` values are not read or changed. Each step highlights the node
    whose gradient is passed on (red), the edge it goes through and the parent that
    receives it (blue), with the step's line of arithmetic below. ``focus`` draws
    only that node's inputs, backward from it. Keys: ← → step, space plays. The page
    lays the graph out itself (Graphviz in WebAssembly, shipped in it): no ``dot`` is
    run, and ``timeout``, which bounded that run, is accepted for older calls with a
    DeprecationWarning.
    """
    if not isinstance(root, Value):
        raise TypeError(f"animate takes a Value, got {type(root).__name__}")
    warn_unused_timeout("animate", timeout)
    top = root if focus is None else focus
    size = len(topo_order(top))
    if size > max_nodes:
        raise GraphTooLarge(too_large(animate, size, max_nodes))
    state = backward_state(Description(top), rankdir=rankdir)
    state["autoplay"] = autoplay
    page = page_html("chainrule: backprop step by step", state)
    target = Path(path)
    target.write_text(page, encoding="utf-8")
    return Animation(target, page, len(state["steps"]))


def warn_unused_timeout(function: str, timeout: float | None) -> None:
    """A DeprecationWarning where ``timeout`` was given: the page lays its graph out, so
    nothing is run that it could bound."""
    if timeout is not None:
        warnings.warn(
            f"{function}(timeout=...) no longer bounds anything: the page lays its graph "
            f"out itself, with no dot to run; leave it out",
            DeprecationWarning,
            stacklevel=3,
        )


def backward_state(
    described: Description,
    *,
    rankdir: str,
    timeline: Timeline | None = None,
) -> dict[str, Any]:
    """The diagram (DOT text, which the page lays out) and every backward step, as the
    page's script reads them."""
    timeline = Timeline(described) if timeline is None else timeline
    view = select(described, described.root)
    widest = _widest_grads(timeline)
    source = build_dot(
        view,
        timeline.final,
        rankdir=rankdir,
        shares=False,
        grad_text=widest,
        rules_in_ops=False,
        stacked=True,
    )
    ids = {node: node_id(i) for node, i in described.index.items()}
    return {
        "dot": source,
        "root": ids[described.root],
        "names": {ids[n]: described.names[n] for n in described.order},
        "start": {ids[n]: num(g) for n, g in timeline.start.items()},
        "steps": [
            {
                "node": ids[s.node],
                "edge": f"{ids[s.node]}op_{s.slot}",
                "parent": ids[s.parent],
                "grad": num(s.after),
                "line": s.line,
            }
            for s in timeline
        ],
    }


def _widest_grads(timeline: Timeline) -> dict[Value, str]:
    """Per node, the longest grad text it shows at any step: its box is sized for it."""
    widest = {node: num(g) for node, g in timeline.start.items()}
    for step in timeline:
        text = num(step.after)
        if len(text) > len(widest[step.parent]):
            widest[step.parent] = text
    return widest


def front_end() -> tuple[str, str]:
    """The one front-end module (Graphviz, stepper.js, then explore.js) and its style.

    explore.js continues stepper.js in the same module scope, so the animation, the
    saved explorer and the anywidget all run one script, with no import to resolve.
    Graphviz (``@viz-js/viz``, WebAssembly inlined in viz-global.js) comes first, in a
    function that hides any AMD loader (Jupyter's require.js) so it sets ``Viz``.
    """
    static = resources.files("viz") / "static"
    graphviz = (static / GRAPHVIZ).read_text(encoding="utf-8")
    loader = f"(function (define, exports, module) {{\n{graphviz}\n}}).call(globalThis);\n"
    script = loader + "\n".join((static / f).read_text(encoding="utf-8") for f in _SCRIPTS)
    style = "\n".join((static / f).read_text(encoding="utf-8") for f in _STYLES)
    return script, style


GRAPHVIZ = "viz-global.js"  # @viz-js/viz 3.31.0, MIT; LICENSE-viz-js.txt beside it
_SCRIPTS = ("stepper.js", "explore.js", "blocks.js")
_STYLES = ("stepper.css", "explore.css")


def inline_json(state: dict[str, Any]) -> str:
    """``state`` as JSON safe inside a ``<script>`` element: every ``<``, ``>`` and ``&``
    written as a ``\\u`` escape, so no text in it (``<!--<script>``, ``</script>``)
    changes how the page is parsed."""
    text = json.dumps(state, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def page_html(title: str, state: dict[str, Any], app: str = "mount") -> str:
    """A self-contained page: the front end's style and script, with ``state`` inlined;
    ``app`` is the function that mounts it (``mountExplorer`` for the explorer)."""
    script, style = front_end()
    data = inline_json(state)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
{style}</style>
</head>
<body>
<div id="app"></div>
<script type="application/json" id="state">{data}</script>
<script type="module">
{script}
const state = JSON.parse(document.getElementById("state").textContent);
{app}(document.getElementById("app"), await layOut(state));
</script>
</body>
</html>
"""
