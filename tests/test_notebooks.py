"""The learners' notebooks: each is what its source builds, and each runs clean.

The kernel is this interpreter (a kernelspec written to a temporary directory names
``sys.executable``), started in demos/notebooks with the repository on PYTHONPATH,
so the notebooks import chainrule with or without an install.
"""

import json
import os
import sys
from pathlib import Path

import pytest

_MISSING = "is not installed (pip install -e '.[dev]')"
nbformat = pytest.importorskip("nbformat", reason=f"nbformat {_MISSING}")
nbclient = pytest.importorskip("nbclient", reason=f"nbclient {_MISSING}")
pytest.importorskip("ipykernel", reason=f"ipykernel {_MISSING}")

from demos.build_notebooks import NOTEBOOKS, SOURCES, build, text_of  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
NAMES = sorted(p.stem for p in SOURCES.glob("*.py"))


def test_there_is_a_notebook_per_seed_and_the_lecture():
    stored = sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb"))
    assert stored == NAMES
    assert [n for n in NAMES if n.startswith("seed")] == [
        "seed000-weighted-averages",
        "seed001-network-by-hand",
        "seed002-inverting-bits",
        "seed003-layer-by-layer",
        "seed004-matrix-product",
    ]
    assert "micrograd-lecture" in NAMES


@pytest.mark.parametrize("name", NAMES)
def test_notebook_is_its_source_without_outputs(name):
    stored = (NOTEBOOKS / f"{name}.ipynb").read_text(encoding="utf-8")
    assert stored == text_of(build(SOURCES / f"{name}.py")), (
        f"{name}.ipynb differs from its source: run python -m demos.build_notebooks"
    )
    for cell in json.loads(stored)["cells"]:
        assert not cell.get("outputs") and cell.get("execution_count") is None


@pytest.fixture(scope="module")
def kernel(tmp_path_factory):
    """A kernelspec for this interpreter, with the repository on its PYTHONPATH."""
    home = tmp_path_factory.mktemp("jupyter")
    spec = home / "kernels" / "chainrule-test"
    spec.mkdir(parents=True)
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    kernel_json = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "chainrule tests",
        "language": "python",
        "env": {"PYTHONPATH": path, "MPLBACKEND": "agg"},
    }
    (spec / "kernel.json").write_text(json.dumps(kernel_json))
    from jupyter_client.kernelspec import KernelSpecManager

    return KernelSpecManager(kernel_dirs=[str(home / "kernels")])


@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_clean(name, kernel):
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    from jupyter_client.manager import AsyncKernelManager

    client = nbclient.NotebookClient(
        nb,
        km=AsyncKernelManager(kernel_name="chainrule-test", kernel_spec_manager=kernel),
        timeout=120,
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    client.execute()  # raises CellExecutionError, naming the cell, on any error
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors
    assert any(c.get("outputs") for c in nb.cells if c.cell_type == "code")


def test_the_lecture_says_which_activation_its_mlp_needs():
    """micrograd's package MLP is ReLU with a linear output; the lecture's is tanh."""
    source = (SOURCES / "micrograd-lecture.py").read_text(encoding="utf-8")
    assert 'activation="tanh"' in source and "ReLU" in source
    assert 'MLP(3, [4, 4, 1], activation="tanh", output_activation="tanh")' in source
