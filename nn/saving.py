"""Models as plain JSON files: architecture and weights, never pickle."""

from __future__ import annotations

import json
import math
import os
import secrets
import stat
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nn.layers import MLP

__all__ = ["load", "save"]

FORMAT = "chainrule.MLP"
VERSION = 1
TEMP_SUFFIX = ".chainrule-tmp"
STALE_AFTER = 600.0  # seconds: a temp file untouched this long belongs to no running save


def save(model: MLP, path: str | os.PathLike) -> str:
    """Write ``model`` to ``path`` as JSON; return the path.

    The file is written beside ``path`` under a temporary name and then renamed over
    it, so a crash mid-write leaves any old file intact. A new file gets the mode
    the umask gives (as ``open`` would); an existing file keeps its mode. Temporary
    files of saves that were killed (``.NAME.*.chainrule-tmp`` untouched for
    ``STALE_AFTER`` seconds) are removed. A NaN or infinite weight is refused.
    """
    target = Path(path)
    if target.is_dir():
        raise IsADirectoryError(f"save: {target} is a directory; give a file path inside it")
    folder = target.parent
    if not folder.is_dir():
        raise FileNotFoundError(f"save: the folder {folder} of {target} does not exist")
    parameters = model.state_dict()
    for name, value in parameters.items():
        if not math.isfinite(value):
            raise ValueError(
                f"save: parameter {name!r} is {value}; a file holds finite weights only "
                "(training diverged? lower the learning rate and start from a saved model)"
            )
    document = {
        "format": FORMAT,
        "version": VERSION,
        "architecture": model.architecture(),
        "parameters": parameters,
    }
    _remove_stale_temporaries(target)
    temporary = folder / f".{target.name}.{secrets.token_hex(4)}{TEMP_SUFFIX}"
    try:  # mode 0o666 as open() uses: the kernel applies the umask
        handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            if target.exists():
                os.chmod(temporary, stat.S_IMODE(target.stat().st_mode))
            json.dump(document, out, indent=1)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)  # atomic on POSIX and Windows
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return str(target)


def _remove_stale_temporaries(target: Path) -> None:
    """Delete what killed saves of ``target`` left behind (a live save keeps writing)."""
    now = time.time()
    for old in target.parent.glob(f".{target.name}.*{TEMP_SUFFIX}"):
        try:
            if now - old.stat().st_mtime > STALE_AFTER:
                old.unlink()
        except OSError:  # another save removed it first, or it is not ours to remove
            continue


def read(path: str | os.PathLike) -> tuple[dict[str, Any], dict[str, Any]]:
    """The architecture and parameters in a saved file, checked for form and size."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise ValueError(
            f"{path} is not UTF-8 text, so not a file save wrote (byte {err.start}: "
            f"{err.object[err.start : err.start + 1]!r})"
        ) from None
    try:
        document = json.loads(text)
    except RecursionError:
        raise ValueError(
            f"{path} nests its JSON deeper than Python can read, so not a file save wrote"
        ) from None
    except ValueError as err:  # bad JSON, or a number of more digits than int() takes
        raise ValueError(f"{path} is not valid JSON (truncated or damaged?): {err}") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValueError(f"{path} is not a chainrule model file (no format {FORMAT!r})")
    if document.get("version") != VERSION:
        raise ValueError(f"{path} has format version {document.get('version')!r}; expected 1")
    architecture, parameters = document.get("architecture"), document.get("parameters")
    if not isinstance(architecture, dict) or not isinstance(parameters, dict):
        raise ValueError(f"{path} lacks its architecture or parameters")
    claimed = _weights_claimed(architecture, path)
    if claimed != len(parameters):
        raise ValueError(
            f"{path} describes an MLP of {claimed} weights but holds {len(parameters)}: "
            "the file is damaged or was edited"
        )
    return architecture, parameters


def _weights_claimed(architecture: dict[str, Any], path: str | os.PathLike) -> int:
    """How many weights the architecture needs, counted without building it."""
    nin, nouts, bias = (architecture.get(k) for k in ("nin", "nouts", "bias"))
    sizes = [nin, *nouts] if isinstance(nouts, list) else []
    if len(sizes) < 2 or not all(type(n) is int and n > 0 for n in sizes):
        raise ValueError(
            f"{path} describes no valid MLP: nin {nin!r} and nouts {nouts!r} must be sizes > 0"
        )
    if not isinstance(bias, bool):
        raise ValueError(f"{path} describes no valid MLP: bias is {bias!r}, not true or false")
    return sum(n_out * (n_in + bias) for n_in, n_out in zip(sizes, sizes[1:], strict=False))


def load(path: str | os.PathLike) -> MLP:
    """A new MLP built from a file ``save`` wrote."""
    from nn.layers import MLP

    architecture, parameters = read(path)
    try:
        model = MLP(**architecture, rng=0)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{path} describes no valid MLP: {err}") from None
    _load_weights(model, parameters, path)
    return model


def _load_weights(model: MLP, parameters: dict[str, Any], path: str | os.PathLike) -> None:
    """``model.load_state_dict(parameters)``, its refusals naming the file."""
    try:
        model.load_state_dict(parameters)
    except ValueError as err:
        raise ValueError(f"{path}: {err}") from None


def restore(model: MLP, path: str | os.PathLike) -> None:
    """Load a file's weights into ``model``; a different architecture changes nothing."""
    architecture, parameters = read(path)
    if architecture != model.architecture():
        raise ValueError(
            f"{path} holds a model of another architecture: {architecture}, "
            f"not {model.architecture()}"
        )
    _load_weights(model, parameters, path)
