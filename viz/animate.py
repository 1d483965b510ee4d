"""``animate``: backprop as a self-contained HTML page, one SVG frame per chain-rule step."""

from __future__ import annotations

import html
import os
from pathlib import Path

from autograd import Value
from autograd.stepper import Stepper
from viz.dot import build_dot, node_id, select
from viz.render import render

__all__ = ["animate"]

_NODE = 'color="#d62728", penwidth=2.5, class="current"'
_PARENT = 'color="#1f77b4", penwidth=2.5, class="updated"'
_EDGE = 'color="#d62728", fontcolor="#d62728", penwidth=2.5, class="through"'


def animate(root: Value, path: str | os.PathLike, *, rankdir: str = "LR") -> str:
    """Write ``path``: backward from ``root`` step by step, with a slider and buttons.

    Runs backward (the gradients afterwards are those ``backward()`` gives). Each
    frame highlights the node whose gradient is passed on (red), the edge it goes
    through and the parent that receives it (blue), with the step's line below.
    Needs no network: the SVGs, styles and script are all inside the file.
    """
    view = select(root)
    index = view.index
    stepper = Stepper(root)
    frames = [(_frame(view, root, rankdir, {}), f"start: {stepper.names[root]}.grad = 1")]
    for step in stepper:
        me = node_id(index[step.node])
        styles = {
            me: _NODE,
            f"{me}op": _NODE,
            f"{me}op_{step.slot}": _EDGE,
            node_id(index[step.parent]): _PARENT,
        }
        frames.append((_frame(view, root, rankdir, styles), str(step)))
    target = Path(path)
    target.write_text(_page(frames), encoding="utf-8")
    return str(target)


def _frame(view, root: Value, rankdir: str, styles: dict[str, str]) -> str:
    source = build_dot(view, root=root, rankdir=rankdir, computed=True, shares=False, styles=styles)
    svg = render(source, "svg").decode("utf-8")
    return svg[svg.index("<svg") :]  # drop the XML prolog and doctype


def _page(frames: list[tuple[str, str]]) -> str:
    blocks = "\n".join(
        f'<div class="frame" data-line="{html.escape(line)}"{"" if i == 0 else " hidden"}>'
        f"{svg}</div>"
        for i, (svg, line) in enumerate(frames)
    )
    last = len(frames) - 1
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>chainrule: backprop step by step</title>
<style>
body {{ font-family: Helvetica, Arial, sans-serif; margin: 1.5em; }}
#controls {{ display: flex; gap: 0.6em; align-items: center; margin-bottom: 0.8em; }}
#line {{ font-family: Menlo, Consolas, monospace; font-size: 15px; white-space: pre; }}
.frame svg {{ max-width: 100%; height: auto; }}
</style>
</head>
<body>
<h1>Backprop, one chain-rule step at a time</h1>
<div id="controls">
<button id="prev" type="button">&#9664; previous</button>
<input id="slider" type="range" min="0" max="{last}" value="0" aria-label="step">
<button id="next" type="button">next &#9654;</button>
<span id="counter">step 0 of {last}</span>
</div>
{blocks}
<p id="line"></p>
<script>
(function () {{
  var frames = document.querySelectorAll(".frame");
  var slider = document.getElementById("slider");
  var line = document.getElementById("line");
  var counter = document.getElementById("counter");
  function show(i) {{
    i = Math.max(0, Math.min(frames.length - 1, i));
    frames.forEach(function (f, k) {{ f.hidden = k !== i; }});
    slider.value = i;
    line.textContent = frames[i].dataset.line;
    counter.textContent = "step " + i + " of " + (frames.length - 1);
  }}
  document.getElementById("prev").onclick = function () {{ show(+slider.value - 1); }};
  document.getElementById("next").onclick = function () {{ show(+slider.value + 1); }};
  slider.oninput = function () {{ show(+slider.value); }};
  show(0);
}})();
</script>
</body>
</html>
"""
