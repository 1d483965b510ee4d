"""The explorer as an anywidget: JupyterLab, Notebook 7, VS Code, Colab and marimo.

Python computes every state (``viz.explore``); the front end (the same module the
saved page runs) shows it. Editing a leaf in the panel sends ``{"type": "edit",
"node": id, "value": x}``; choosing a sample sets ``sample``. Either recomputes the
state here and sends it back; an error goes to ``error`` and changes nothing.
"""

from __future__ import annotations

from typing import Any

try:
    import anywidget
    import traitlets
except ImportError as missing:  # pragma: no cover - exercised where anywidget is absent
    raise ImportError(
        "the live explorer needs anywidget: pip install 'chainrule[interactive]' "
        "(explore(root).save('x.html') works without it)"
    ) from missing

from viz.animate import front_end

__all__ = ["ExplorerWidget"]

_SCRIPT, _STYLE = front_end()


class ExplorerWidget(anywidget.AnyWidget):
    """A live view of an ``Exploration``: its state synced, edits sent back."""

    _esm = _SCRIPT
    _css = _STYLE
    state = traitlets.Dict().tag(sync=True)
    position = traitlets.Int(0).tag(sync=True)
    sample = traitlets.Int(0).tag(sync=True)
    error = traitlets.Unicode("").tag(sync=True)

    def __init__(self, exploration: Any) -> None:
        super().__init__(state=exploration.state, sample=exploration.options.get("sample", 0))
        self.exploration = exploration
        self.on_msg(self._message)
        self.observe(self._choose_sample, names="sample")

    def _message(self, _widget: Any, content: dict[str, Any], _buffers: Any = None) -> None:
        if not isinstance(content, dict) or content.get("type") != "edit":
            return
        try:
            self.exploration.set_value(str(content.get("node")), content.get("value"))
        except ValueError as err:
            self.error = str(err)
        else:
            self.error = ""

    def _choose_sample(self, change: dict[str, Any]) -> None:
        if change["new"] == self.exploration.options["sample"]:
            return
        try:
            self.exploration.choose_sample(change["new"])
        except ValueError as err:
            self.error = str(err)
        else:
            self.error = ""
