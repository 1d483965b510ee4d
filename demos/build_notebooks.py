"""Write demos/notebooks/*.ipynb from their sources in demos/notebook_sources/*.py.

A source is a Python file in the percent format that jupytext and VS Code read:
``# %%`` starts a code cell and ``# %% [markdown]`` a text cell, whose lines each
start with ``# ``. A seed's source is also its demo's: ``demos/seedNNN.py`` runs it
as a script and checks its figures. The notebooks are stored without outputs. After
editing a source, run ``python -m demos.build_notebooks``; tests/test_notebooks.py
checks that every stored notebook is what its source builds, and runs it.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

from demos.report import SOURCES

HERE = Path(__file__).resolve().parent
NOTEBOOKS = HERE / "notebooks"

_METADATA = {
    "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
}


def cells_of(text: str) -> list[tuple[str, str]]:
    """The (kind, text) of each cell of a percent-format source."""
    cells: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        if line.startswith("# %%"):
            kind = "markdown" if line.strip() == "# %% [markdown]" else "code"
            cells.append((kind, []))
        elif cells:
            kind, lines = cells[-1]
            if kind == "markdown":
                if line and not line.startswith("#"):
                    raise ValueError(f"a text cell's line must start with '# ': {line!r}")
                line = line[2:]
            lines.append(line)
    return [(kind, "\n".join(lines).strip("\n")) for kind, lines in cells]


def build(source: Path) -> nbformat.NotebookNode:
    """The notebook of one source: cells in order, ids from the file name, no outputs."""
    nb = nbformat.v4.new_notebook(metadata=_METADATA)
    for i, (kind, text) in enumerate(cells_of(source.read_text(encoding="utf-8"))):
        new = nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell
        nb.cells.append(new(text, id=f"{source.stem}-{i}"))
    nbformat.validate(nb)
    return nb


def text_of(nb: nbformat.NotebookNode) -> str:
    """The notebook as stored: nbformat's JSON, one newline at the end."""
    return nbformat.writes(nb) + "\n"


def main() -> None:
    for source in sorted(SOURCES.glob("*.py")):
        target = NOTEBOOKS / f"{source.stem}.ipynb"
        target.write_text(text_of(build(source)), encoding="utf-8")
        print(f"wrote {target.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()
