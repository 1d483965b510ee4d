"""``draw_dot``: a diagram of the graph behind a Value, as DOT text and rendered.

``draw_dot(root, format="svg", rankdir="LR")`` takes micrograd's arguments, and the
diagram answers ``pipe``, ``render`` and ``view`` as a ``graphviz.Digraph`` does.
Nothing is drawn past a node budget, and no render runs past a time bound.
"""

from __future__ import annotations

import os
import webbrowser
from collections.abc import Callable
from html import escape
from pathlib import Path
from typing import Any

from autograd import Value
from autograd.backward import topo_order
from autograd.explain.describe import Description
from viz.collapse import boxes_dot
from viz.dot import build_dot, select, shown_grads
from viz.render import RendererNotFound, render, smaller_views

__all__ = ["MAX_DRAWN", "MAX_NODES", "TIMEOUT", "Diagram", "GraphTooLarge", "draw_dot"]

MAX_NODES = 1000
"""Values an animation or the explorer lays out one by one at most, by default (their
rules ride on the edges, which makes a layout of this size take seconds)."""
MAX_DRAWN = 2500
"""Values ``draw_dot`` draws one by one at most, by default: past 400 edges it writes the
rules inside the ops' boxes, and a model's graph of this size lays out in seconds."""
TIMEOUT = 5.0
"""Seconds a render may take by default."""

_FORMATS = {"svg", "png", "jpg", "jpeg", "pdf", "gv", "dot"}
_SOURCE = {"gv", "dot"}


class GraphTooLarge(ValueError):
    """The graph has more nodes than the budget: the message names the views that fit."""


class Diagram:
    """DOT text (``.source``) that renders to SVG or PNG, and shows itself in Jupyter."""

    def __init__(
        self,
        source: str,
        *,
        format: str = "svg",
        nodes: int = 0,
        kind: str = "nodes",
        timeout: float = TIMEOUT,
    ) -> None:
        self.source = source
        self.format = format
        self.nodes = nodes  # what is drawn: values, or a collapsed view's boxes (``kind``)
        self.kind = kind
        self.timeout = timeout

    def pipe(self, format: str | None = None, encoding: str | None = None) -> bytes | str:
        """The diagram rendered to ``format`` (the diagram's own by default)."""
        fmt = format or self.format
        if fmt in _SOURCE:
            data = self.source.encode()
        else:
            data = render(self.source, fmt, self.timeout, caller=draw_dot)
        return data.decode(encoding) if encoding else data

    def svg(self) -> str:
        """The diagram as SVG text."""
        return self.pipe("svg", encoding="utf-8")  # type: ignore[return-value]

    def save(self, path: str | os.PathLike) -> str:
        """Write the diagram; the extension picks the format (.svg, .png, .gv). Returns the path."""
        target = Path(path)
        ext = target.suffix.lower().lstrip(".")
        if ext not in _FORMATS:
            known = ", ".join(f".{f}" for f in sorted(_FORMATS))
            raise ValueError(
                f"cannot save a diagram as {target.suffix or 'no extension'!r}; use one of {known}"
            )
        target.write_bytes(self.pipe("jpeg" if ext == "jpg" else ext))  # type: ignore[arg-type]
        return str(target)

    def render(
        self,
        filename: str | os.PathLike | None = None,
        directory: str | os.PathLike | None = None,
        view: bool = False,
        cleanup: bool = False,
        format: str | None = None,
    ) -> str:
        """As ``graphviz.Digraph.render``: save the DOT text to ``filename``, render it to
        ``filename.<format>`` beside it, and return that path."""
        source = Path(directory or ".") / (filename or "Digraph.gv")
        source.parent.mkdir(parents=True, exist_ok=True)
        source.write_text(self.source, encoding="utf-8")
        fmt = format or self.format
        rendered = self.save(source.with_name(f"{source.name}.{fmt}"))
        if cleanup:
            source.unlink()
        if view:
            webbrowser.open(Path(rendered).resolve().as_uri())
        return rendered

    def view(
        self,
        filename: str | os.PathLike | None = None,
        directory: str | os.PathLike | None = None,
        cleanup: bool = False,
    ) -> str:
        """Render, then open the result with the system's viewer; returns its path."""
        return self.render(filename, directory, view=True, cleanup=cleanup)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        try:
            svg = self.svg()
        except RendererNotFound as missing:
            text = f"{missing}\n\n{self.source}"
            return {"text/html": f"<pre>{escape(text)}</pre>", "text/plain": text}
        return {"image/svg+xml": svg, "text/html": _scrolling(svg), "text/plain": repr(self)}

    def _repr_html_(self) -> str:
        return self._repr_mimebundle_()["text/html"]

    def __repr__(self) -> str:
        return f"<Diagram: {self.nodes:,} {self.kind}, {self.source.count(chr(10))} lines of DOT>"


def _scrolling(svg: str) -> str:
    """The SVG (its XML prolog dropped) in a box that scrolls when wider than the page.

    The SVG keeps its own size (Jupyter's ``max-width: 100%`` would shrink a wide graph's
    text below reading size).
    """
    tag = svg[svg.index("<svg") :].replace("<svg", '<svg style="max-width:none"', 1)
    return f'<div style="overflow:auto;max-width:100%">{tag}</div>'


def draw_dot(
    root: Value,
    format: str = "svg",
    rankdir: str = "LR",
    *,
    rules: bool = True,
    focus: Value | None = None,
    depth: int | None = None,
    collapse: Any = None,
    lift: bool = False,
    max_nodes: int = MAX_DRAWN,
    timeout: float = TIMEOUT,
) -> Diagram:
    """A diagram of everything ``root`` depends on (micrograd's name and arguments).

    Each value shows its name, data and grad; each op is its own node; each edge
    into an op carries ∂out/∂parent, with its rule in the nodes' names (``rules``).
    ``focus`` draws only the ancestors of that node, ``depth`` stops that many ops
    up, and ``collapse=model`` draws each layer of an ``nn`` model as one box, a row
    per neuron, over the whole batch. ``lift=True`` draws the graph as its tensor program
    (``autograd.lift``): a box per block with its forward and backward formulas. A graph
    of more than ``max_nodes`` values is refused with the view that fits; a render stops
    after ``timeout`` seconds.
    """
    if not isinstance(root, Value):
        raise TypeError(f"draw_dot takes a Value, got {type(root).__name__}")
    if format.lstrip(".") not in _FORMATS:
        raise ValueError(f"format must be one of {', '.join(sorted(_FORMATS))}, got {format!r}")
    if lift:
        if collapse is not None or focus is not None or depth is not None:
            raise ValueError(
                "draw_dot: lift=True draws the whole graph as blocks; drop "
                "collapse, focus and depth, or drop lift"
            )
        from autograd import lift as lift_graph  # numpy loads only for this view
        from viz.blocks import blocks_dot

        source, drawn = blocks_dot(lift_graph(root), rankdir)
        return Diagram(
            source, format=format.lstrip("."), nodes=drawn, kind="blocks", timeout=timeout
        )
    top = root if focus is None else focus
    size = len(topo_order(top))
    if collapse is None and depth is None and size > max_nodes:
        raise GraphTooLarge(too_large(draw_dot, size, max_nodes))
    described = Description(root)
    view = select(described, top, depth)
    if collapse is None and len(view.order) > max_nodes:
        raise GraphTooLarge(too_large(draw_dot, len(view.order), max_nodes))
    grads = shown_grads(root, view.order)
    drawn, kind = len(view.order), "nodes"
    if collapse is not None:
        source, drawn = boxes_dot(view, collapse, grads, rankdir)
        kind = "boxes"
    else:
        source = build_dot(view, grads, rankdir=rankdir, rules=rules)
    return Diagram(source, format=format.lstrip("."), nodes=drawn, kind=kind, timeout=timeout)


def too_large(caller: Callable[..., object], size: int, budget: int) -> str:
    """The refusal for a graph over the budget, naming the views ``caller`` can draw."""
    return (
        f"{caller.__name__}: this graph has {size:,} values, more than max_nodes={budget:,} "
        f"can be laid out in a few seconds. Draw a part of it: {smaller_views(caller)}; "
        "graph_text(root) lists every node as text; or pass a larger max_nodes= (and "
        "timeout=) to wait for it."
    )
