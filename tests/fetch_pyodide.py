"""Pyodide's core for the lab's browser test: ``python tests/fetch_pyodide.py [DIR]``.

Runs ``npm pack pyodide@314.0.8`` into DIR (default ``$CHAINRULE_CACHE`` or
``~/.cache/chainrule``) unless the tarball is there already, and prints its path.
tests/test_lab.py calls ``pyodide_core()`` the same way.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

VERSION = "314.0.8"
TARBALL = f"pyodide-{VERSION}.tgz"


def cache_dir() -> Path:
    return Path(os.environ.get("CHAINRULE_CACHE", Path.home() / ".cache" / "chainrule"))


def pyodide_core(folder: Path | None = None) -> tuple[Path | None, str]:
    """The tarball's path, or None and why it could not be had."""
    given = os.environ.get("CHAINRULE_PYODIDE")
    if given:
        return (Path(given), "") if Path(given).exists() else (None, f"{given} does not exist")
    folder = cache_dir() if folder is None else folder
    tarball = folder / TARBALL
    if tarball.is_file():
        return tarball, ""
    npm = shutil.which("npm")
    if npm is None:
        return None, "npm is not installed, so Pyodide's core cannot be fetched"
    folder.mkdir(parents=True, exist_ok=True)
    try:
        done = subprocess.run(
            [npm, "pack", f"pyodide@{VERSION}", "--pack-destination", str(folder)],
            capture_output=True,
            text=True,
            timeout=300,
        )
    except subprocess.TimeoutExpired:
        return None, f"npm pack pyodide@{VERSION} did not finish in 300 s"
    if done.returncode != 0 or not tarball.is_file():
        return None, f"npm pack pyodide@{VERSION} failed: {done.stderr.strip()[-300:]}"
    return tarball, ""


if __name__ == "__main__":
    found, why = pyodide_core(Path(sys.argv[1]) if len(sys.argv) > 1 else None)
    if found is None:
        raise SystemExit(why)
    print(found)
