"""``draw_dot``: a diagram of the graph behind a Value, as DOT text and rendered."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from autograd import Value
from viz.dot import build_dot, select
from viz.render import RendererNotFound, render

__all__ = ["Diagram", "draw_dot"]

_FORMATS = {".svg": "svg", ".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg", ".pdf": "pdf"}
_SOURCE = {".gv", ".dot"}


class Diagram:
    """DOT text (``.source``) that renders to SVG or PNG, and shows itself in Jupyter."""

    def __init__(self, source: str) -> None:
        self.source = source

    def pipe(self, fmt: str = "svg") -> bytes:
        """The diagram rendered to ``fmt`` by the first renderer found."""
        return render(self.source, fmt)

    def svg(self) -> str:
        """The diagram as SVG text."""
        return self.pipe("svg").decode("utf-8")

    def save(self, path: str | os.PathLike) -> str:
        """Write the diagram; the extension picks the format (.svg, .png, .gv). Returns the path."""
        target = Path(path)
        ext = target.suffix.lower()
        if ext in _SOURCE:
            target.write_text(self.source, encoding="utf-8")
        elif ext in _FORMATS:
            target.write_bytes(self.pipe(_FORMATS[ext]))
        else:
            known = ", ".join(sorted(_SOURCE | set(_FORMATS)))
            raise ValueError(
                f"cannot save a diagram as {ext or 'no extension'!r}; use one of {known}"
            )
        return str(target)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        try:
            return {"image/svg+xml": self.svg()}
        except RendererNotFound as missing:
            return {"text/plain": f"{missing}\n\n{self.source}"}

    def __repr__(self) -> str:
        return f"<Diagram: {self.source.count(chr(10))} lines of DOT>"


def draw_dot(
    root: Value,
    rankdir: str = "LR",
    *,
    rules: bool = False,
    focus: Value | None = None,
    depth: int | None = None,
    collapse: Any = None,
) -> Diagram:
    """A diagram of everything ``root`` depends on.

    Each value shows its label, data and grad; each op is its own node; each edge
    into an op carries ∂out/∂parent (and its rule, with ``rules=True``). ``focus``
    draws only the ancestors of that node, ``depth`` stops that many ops up, and
    ``collapse=model`` draws each neuron of an ``nn`` model as one box.
    """
    if not isinstance(root, Value):
        raise TypeError(f"draw_dot takes a Value, got {type(root).__name__}")
    top = root if focus is None else focus
    view = select(top, depth, collapse)
    return Diagram(build_dot(view, root=root, rankdir=rankdir, rules=rules))
