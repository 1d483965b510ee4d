"""Models as plain JSON files: architecture and weights, never pickle."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nn.layers import MLP

__all__ = ["load", "save"]

FORMAT = "chainrule.MLP"
VERSION = 1


def save(model: MLP, path: str | os.PathLike) -> str:
    """Write ``model`` to ``path`` as JSON. A crash mid-write leaves any old file intact."""
    document = {
        "format": FORMAT,
        "version": VERSION,
        "architecture": model.architecture(),
        "parameters": model.state_dict(),
    }
    target = Path(path)
    handle, temporary = tempfile.mkstemp(dir=target.parent or ".", prefix=f".{target.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(document, out, indent=1)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)  # atomic on POSIX and Windows
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return str(target)


def read(path: str | os.PathLike) -> tuple[dict[str, Any], dict[str, Any]]:
    """The architecture and parameters in a saved file, checked for form."""
    try:
        text = Path(path).read_text(encoding="utf-8")
        document = json.loads(text)
    except json.JSONDecodeError as err:
        raise ValueError(f"{path} is not valid JSON (truncated or damaged?): {err}") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValueError(f"{path} is not a chainrule model file (no format {FORMAT!r})")
    if document.get("version") != VERSION:
        raise ValueError(f"{path} has format version {document.get('version')!r}; expected 1")
    architecture, parameters = document.get("architecture"), document.get("parameters")
    if not isinstance(architecture, dict) or not isinstance(parameters, dict):
        raise ValueError(f"{path} lacks its architecture or parameters")
    return architecture, parameters


def load(path: str | os.PathLike) -> MLP:
    """A new MLP built from a file ``save`` wrote."""
    from nn.layers import MLP

    architecture, parameters = read(path)
    try:
        model = MLP(**architecture, rng=0)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{path} describes no valid MLP: {err}") from None
    model.load_state_dict(parameters)
    return model


def restore(model: MLP, path: str | os.PathLike) -> None:
    """Load a file's weights into ``model``; a different architecture changes nothing."""
    architecture, parameters = read(path)
    if architecture != model.architecture():
        raise ValueError(
            f"{path} holds a model of another architecture: {architecture}, "
            f"not {model.architecture()}"
        )
    model.load_state_dict(parameters)
