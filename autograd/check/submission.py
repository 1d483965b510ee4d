"""A learner's submission read for grading: a ``.py`` file, or a notebook's code cells in order.

``read_submission`` gives the job the grading child runs (the source and the class to
take from it), or the reason it cannot be graded: it does not load (``syntax``, with
its line) or it imports a library's autodiff engine (``forbidden``). Subclassing one
is caught in the child, once the class exists.
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autograd.check.runner import FORBIDDEN
from autograd.check.slips import SLIPS
from autograd.explain.diagnose import Diagnosis

__all__ = ["Submission", "read_submission"]


@dataclass
class Submission:
    """One submission: its path, the child's job, or the problem that stops grading."""

    path: Path
    job: dict[str, Any] | None
    problem: Diagnosis | None = None

    @property
    def name(self) -> str:
        return self.path.name


def read_submission(path: str | Path, class_name: str = "Value") -> Submission:
    """The submission at ``path``, checked for syntax and forbidden imports."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        return Submission(path, None, Diagnosis("crash", f"cannot read {path}: {err}"))
    cells: list[tuple[int, int]] = []  # (first line, cell number) for a notebook's cells
    if path.suffix == ".ipynb":
        try:
            text, cells = _notebook_code(text)
        except (ValueError, KeyError, TypeError) as err:
            return Submission(path, None, Diagnosis("syntax", f"{path.name} is no notebook: {err}"))
    try:
        tree = ast.parse(text, str(path))
    except SyntaxError as err:
        where = _where(err.lineno or 0, cells)
        return Submission(
            path, None, Diagnosis("syntax", f"{SLIPS['syntax'].words}: {err.msg} ({where})")
        )
    bad = _forbidden_import(tree, cells)
    if bad:
        return Submission(path, None, Diagnosis("forbidden", f"{SLIPS['forbidden'].words}: {bad}"))
    return Submission(path, {"source": text, "filename": str(path), "qualname": class_name})


def _notebook_code(text: str) -> tuple[str, list[tuple[int, int]]]:
    """The code cells joined in order (IPython magics and shell lines commented out), and
    where each cell starts."""
    notebook = json.loads(text)
    parts, starts, line = [], [], 1
    code = [c for c in notebook["cells"] if c.get("cell_type") == "code"]
    for number, cell in enumerate(code, 1):
        source = cell["source"]
        source = "".join(source) if isinstance(source, list) else source
        lines = [f"# {x}" if x.lstrip().startswith(("%", "!")) else x for x in source.splitlines()]
        starts.append((line, number))
        parts.append("\n".join(lines) + "\n")
        line += len(lines) + 1
    return "\n".join(parts), starts


def _where(line: int, cells: list[tuple[int, int]]) -> str:
    """``line 7``, or in a notebook ``cell 3, line 2``."""
    if not cells:
        return f"line {line}"
    first, number = max((c for c in cells if c[0] <= line), default=(1, 1))
    return f"cell {number}, line {line - first + 1}"


def _forbidden_import(tree: ast.AST, cells: list[tuple[int, int]]) -> str:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        for name in names:
            if name.split(".")[0] in FORBIDDEN:
                return f"imports {name} ({_where(node.lineno, cells)})"
    return ""
