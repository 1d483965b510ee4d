"""``python -m viz lab OUT_DIR [--pyodide URL_OR_DIR]``: the lab as a static site.

The site is ``index.html``, its script and style, ``worker.mjs`` (the Web Worker that
runs Pyodide, so the page never freezes), ``explorer.mjs`` (the explorer's front end
with Graphviz in WebAssembly), ``python.zip`` (chainrule's packages and the pure-Python
``graphviz`` and ``tqdm``, copied from this Python's installation), ``lab.json`` (the
starter engine, the exercises and the time limits) and, when ``--pyodide`` names a
folder or npm's tarball, ``pyodide/`` with Pyodide's core, so it works offline.
Nothing but Pyodide's core is loaded: no numpy, no micropip.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import shutil
import tarfile
import zipfile
from collections.abc import Sequence
from importlib import metadata, resources
from pathlib import Path

from autograd.check.sandbox import STEPS_PER_SECOND
from viz.animate import front_end
from viz.lab.exercises import EXERCISES, STARTER
from viz.lab.session import CHECK_TIMEOUT

__all__ = ["LIMITS", "PYODIDE_CDN", "PYODIDE_FILES", "build_lab", "main"]

PYODIDE_VERSION = "314.0.8"
PYODIDE_CDN = f"https://cdn.jsdelivr.net/pyodide/v{PYODIDE_VERSION}/full/"
PYODIDE_FILES = (
    "pyodide.mjs",
    "pyodide.asm.mjs",
    "pyodide.asm.wasm",
    "python_stdlib.zip",
    "pyodide-lock.json",
)
OURS = ("autograd", "nn", "viz")
THEIRS = ("graphviz", "tqdm")  # pure Python, imported by viz and nn
LIMITS = {"cell": 10, "check": 30}  # seconds before the page stops a cell (or explore, or
# an edit) and a check: it terminates Python's worker and starts a fresh one


def build_lab(
    out_dir: str | Path,
    pyodide: str | Path | None = None,
    *,
    cell_limit: float = LIMITS["cell"],
    check_limit: float = LIMITS["check"],
) -> Path:
    """Write the lab's site into ``out_dir`` (made if needed) and return its index.html.

    ``pyodide`` is a URL (default: the official CDN, version 314.0.8), a folder holding
    Pyodide's core files, or the tarball ``npm pack pyodide@314.0.8`` writes; a folder
    or tarball is copied into the site. ``cell_limit`` and ``check_limit`` are the
    seconds a cell and a check may run before the page stops Python.
    """
    for name, limit in (("cell_limit", cell_limit), ("check_limit", check_limit)):
        if not (isinstance(limit, (int, float)) and 1 <= limit <= 3600):
            raise ValueError(
                f"build_lab: {name} must be a number of seconds from 1 to 3600, got {limit!r}"
            )
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    index_url = _place_pyodide(pyodide, out)
    static = resources.files("viz.lab") / "static"
    for name in ("lab.js", "worker.mjs", "lab.css"):
        (out / name).write_text((static / name).read_text(encoding="utf-8"), encoding="utf-8")
    script, style = front_end()
    (out / "explorer.mjs").write_text(script, encoding="utf-8")
    (out / "explorer.css").write_text(style, encoding="utf-8")
    (out / "LICENSE-viz-js.txt").write_text(
        (resources.files("viz") / "static" / "LICENSE-viz-js.txt").read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    config = {
        "pyodide": index_url,
        "starter": STARTER,
        "exercises": EXERCISES,
        "limits": {"cell": cell_limit, "check": check_limit},
        "probe_lines": int(CHECK_TIMEOUT * STEPS_PER_SECOND),
    }
    (out / "lab.json").write_text(json.dumps(config, ensure_ascii=False), encoding="utf-8")
    _python_zip(out / "python.zip")
    index = out / "index.html"
    index.write_text((static / "index.html").read_text(encoding="utf-8"), encoding="utf-8")
    return index


def _place_pyodide(pyodide: str | Path | None, out: Path) -> str:
    """Pyodide's index URL for the page, after copying a local Pyodide into the site."""
    if pyodide is None:
        return PYODIDE_CDN
    text = str(pyodide)
    if text.startswith(("http://", "https://")):
        return text if text.endswith("/") else text + "/"
    source = Path(pyodide)
    target = out / "pyodide"
    target.mkdir(exist_ok=True)
    if source.is_dir():
        missing = [f for f in PYODIDE_FILES if not (source / f).is_file()]
        if missing:
            raise FileNotFoundError(
                f"--pyodide {source}: not Pyodide's core, it lacks {', '.join(missing)} "
                f"(npm pack pyodide@{PYODIDE_VERSION} gives them)"
            )
        for name in PYODIDE_FILES:
            shutil.copyfile(source / name, target / name)
    elif source.is_file() and tarfile.is_tarfile(source):
        _from_tarball(source, target)
    else:
        raise FileNotFoundError(
            f"--pyodide {source}: give a URL, a folder of Pyodide's core files or the "
            f"tarball of npm pack pyodide@{PYODIDE_VERSION}"
        )
    return "pyodide/"


def _from_tarball(source: Path, target: Path) -> None:
    with tarfile.open(source) as archive:
        members = {Path(m.name).name: m for m in archive.getmembers() if m.isfile()}
        missing = [f for f in PYODIDE_FILES if f not in members]
        if missing:
            raise FileNotFoundError(
                f"--pyodide {source}: this tarball lacks {', '.join(missing)}; "
                f"npm pack pyodide@{PYODIDE_VERSION} gives Pyodide's core"
            )
        for name in PYODIDE_FILES:
            with archive.extractfile(members[name]) as read, (target / name).open("wb") as write:
                shutil.copyfileobj(read, write)


def _python_zip(path: Path) -> None:
    """chainrule's packages (beside this one), the pure-Python dependencies (from this
    Python's installation) and their licences."""
    home = Path(__file__).resolve().parents[2]
    roots = [home / name for name in OURS] + [_installed(name) for name in THEIRS]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for root in roots:
            for file in sorted(root.rglob("*")):
                relative = file.relative_to(root.parent)
                if file.is_file() and _shipped(relative):
                    archive.write(file, relative.as_posix())
        for name in THEIRS:
            for file in metadata.files(name) or ():
                if "LICEN" in file.name.upper():
                    archive.write(file.locate(), f"licenses/{name}-{file.name}")


def _installed(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(
            f"the lab ships {name}, which this Python does not have: pip install {name}"
        )
    return Path(next(iter(spec.submodule_search_locations)))


def _shipped(relative: Path) -> bool:
    """Source and data: no caches, compiled storage or C, nor the lab's own page."""
    return (
        "__pycache__" not in relative.parts
        and relative.suffix not in (".so", ".pyd", ".pyc", ".c")
        and relative.parts[:3] != ("viz", "lab", "static")
    )


def main(argv: Sequence[str] | None = None) -> int:
    """The command line: build the site, say where it is and how to serve it."""
    parser = argparse.ArgumentParser(
        prog="python -m viz lab",
        description="Write the chainrule Lab, a static site that runs in the browser.",
    )
    parser.add_argument("out_dir", help="the folder to write (index.html and its files)")
    parser.add_argument(
        "--pyodide",
        metavar="URL_OR_DIR",
        help=f"Pyodide's core: a URL (default {PYODIDE_CDN}), a folder or npm pack's tarball "
        "(copied in: the site then works offline)",
    )
    for name, default in LIMITS.items():
        parser.add_argument(
            f"--{name}-limit",
            type=float,
            default=default,
            metavar="SECONDS",
            help=f"seconds a {name} may run before the page stops Python (default {default})",
        )
    args = parser.parse_args(argv)
    try:
        index = build_lab(
            args.out_dir, args.pyodide, cell_limit=args.cell_limit, check_limit=args.check_limit
        )
    except (FileNotFoundError, ModuleNotFoundError, ValueError) as err:
        parser.exit(2, f"python -m viz lab: {err}\n")
    print(f"wrote {index}; serve it: python -m http.server -d {index.parent}")
    return 0
