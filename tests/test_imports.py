"""``import nn`` and ``import autograd`` load the engine, not numpy, tqdm or the tools."""

import subprocess
import sys

import pytest

HEAVY = ("numpy", "tqdm", "json", "tempfile", "nn.train", "nn.pytorch")
TOOLS = (
    "autograd.replay.tape",
    "autograd.explain.stepper",
    "autograd.check.compare",
    "autograd.check.gradcheck",
)


def modules_after(statement: str) -> set[str]:
    """The modules a fresh interpreter has loaded after running ``statement``."""
    code = f"import sys; {statement}; print(' '.join(sys.modules))"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd="."
    )
    return set(done.stdout.split())


@pytest.mark.parametrize("package", ["nn", "autograd"])
def test_importing_loads_none_of_the_heavy_modules(package):
    loaded = modules_after(f"import {package}")
    assert package in loaded
    assert not [m for m in HEAVY + TOOLS if m in loaded]


def test_a_micrograd_model_trains_without_numpy():
    loaded = modules_after(
        "import random; random.seed(0); from nn import MLP, hinge; m = MLP(2, [4, 1]); "
        "loss = hinge([m([1.0, -2.0]), m([0.5, 0.5])], [1.0, -1.0]); loss.backward()"
    )
    assert "numpy" not in loaded and "tqdm" not in loaded


def test_the_tools_load_when_first_named():
    loaded = modules_after("from nn import fit, save; from autograd import Stepper, trace")
    wanted = {"nn.train", "nn.saving", "autograd.explain.stepper", "autograd.replay.tape", "numpy"}
    assert wanted <= loaded
    import autograd
    import nn

    assert nn.fit.__module__ == "nn.train"
    assert autograd.hessian.__module__ == "autograd.check.higher"
    with pytest.raises(AttributeError, match="no attribute 'fitt'"):
        nn.fitt  # noqa: B018
    with pytest.raises(AttributeError, match="no attribute 'hesian'"):
        autograd.hesian  # noqa: B018


def test_a_tool_is_its_function_whichever_way_its_module_was_imported_first():
    code = (
        "import autograd.explain.describe, autograd.check.gradcheck, autograd.check.compare; "
        "import autograd; from autograd import compare, describe, gradcheck; "
        "print(describe.__module__, compare.__module__, gradcheck.__module__, "
        "callable(describe), callable(compare), callable(autograd.gradcheck))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == [
        "autograd.explain.describe",
        "autograd.check.compare",
        "autograd.check.gradcheck",
        "True",
        "True",
        "True",
    ]
