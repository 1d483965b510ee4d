"""Which program turns DOT text into pictures, and running it.

The order: the ``CHAINRULE_DOT`` override (a command name or a path), then a system
``dot`` on PATH, then ``graphviz-pure`` on PATH or beside the running interpreter
(a virtual environment that was never activated).
"""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
import sysconfig
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from shutil import which

import graphviz

__all__ = [
    "RenderError",
    "RenderTimedOut",
    "RendererNotFound",
    "find_renderer",
    "render",
    "smaller_views",
]

OVERRIDE = "CHAINRULE_DOT"
FIX = (
    "pip install graphviz-pure (a self-contained dot), or install Graphviz from your "
    "system's packages (apt install graphviz, brew install graphviz), or point "
    f"{OVERRIDE} at a dot program"
)


class RendererNotFound(graphviz.ExecutableNotFound):
    """No program could render DOT text; says where it looked and how to fix it."""

    def __init__(self, looked: Sequence[str]) -> None:
        self.looked = list(looked)
        RuntimeError.__init__(
            self,
            "no program to render diagrams: looked for "
            + "; ".join(self.looked)
            + f".\nTo fix: {FIX}.\nThe DOT text needs none: diagram.source, or "
            "diagram.save('graph.gv'), still work.",
        )


class RenderError(RuntimeError):
    """The renderer ran but failed (an unsupported format, a DOT error)."""


class RenderTimedOut(RenderError):
    """The renderer was stopped at its time bound; ``edges`` and ``timeout`` say how far."""

    def __init__(self, message: str, edges: int, timeout: float) -> None:
        super().__init__(message)
        self.edges = edges
        self.timeout = timeout


_VIEWS = {
    "focus": "focus=node (only that node's inputs)",
    "depth": "depth=3 (three ops up from the root)",
    "collapse": "collapse=model (one box per layer of an nn model, over the whole batch)",
}


def smaller_views(function: Callable[..., object]) -> str:
    """The smaller views ``function`` can draw, read from its own signature, so a
    message never suggests an argument the function refuses."""
    takes = inspect.signature(function).parameters
    views = [text for name, text in _VIEWS.items() if name in takes]
    return ", ".join(views[:-1]) + (" or " if len(views) > 1 else "") + views[-1]


def _scripts_dirs() -> list[Path]:
    dirs = [Path(sysconfig.get_path("scripts")), Path(sys.executable).parent]
    return list(dict.fromkeys(dirs))


def find_renderer(
    environ: Mapping[str, str] | None = None, scripts_dirs: Sequence[Path] | None = None
) -> str:
    """The path of the program to run, or ``RendererNotFound``."""
    env = os.environ if environ is None else environ
    path = env.get("PATH", "")
    override = env.get(OVERRIDE)
    if override:
        found = which(override, path=path) if os.sep not in override else which(override)
        if found is None:
            raise RendererNotFound([f"{OVERRIDE}={override!r} (not an executable program)"])
        return found
    looked = [f"dot on PATH ({path or 'empty'})", "graphviz-pure on PATH"]
    for name in ("dot", "graphviz-pure"):
        found = which(name, path=path)
        if found:
            return found
    suffix = ".exe" if sys.platform == "win32" else ""
    for folder in _scripts_dirs() if scripts_dirs is None else scripts_dirs:
        candidate = Path(folder) / f"graphviz-pure{suffix}"
        looked.append(f"graphviz-pure in {folder}")
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    raise RendererNotFound(looked)


def render(
    source: str,
    fmt: str,
    timeout: float | None = None,
    renderer: str | None = None,
    *,
    caller: Callable[..., object] | None = None,
) -> bytes:
    """DOT text rendered to ``fmt`` (svg, png, ...), piped through stdin.

    The renderer is stopped after ``timeout`` seconds (None: no bound) with a
    ``RenderError`` that says how to draw less with the arguments ``caller`` (the
    public function that draws: draw_dot, animate, explore) takes.
    """
    program = renderer or find_renderer()
    if fmt == "pdf" and Path(program).name.startswith("graphviz-pure"):
        raise RenderError(
            "pdf is not supported by graphviz-pure; save as .svg or .png, or install "
            "the system Graphviz for pdf"
        )
    try:
        done = subprocess.run(
            [program, f"-T{fmt}"],
            input=source.encode("utf-8"),
            capture_output=True,
            check=False,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        less = f"Draw a part of the graph: {smaller_views(caller)}; or p" if caller else "P"
        edges = source.count(" -> ")
        raise RenderTimedOut(
            f"{Path(program).name} did not finish laying out {edges} edges in {timeout:g} s "
            f"and was stopped. {less}ass a larger timeout= to wait for it",
            edges,
            timeout,  # type: ignore[arg-type]
        ) from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip()
        raise RenderError(f"{program} -T{fmt} failed (exit {done.returncode}): {message}")
    return done.stdout
