"""HIPS autograd (pip's package ``autograd``) and chainrule share the name ``autograd``.

pip installs both into one ``site-packages/autograd/``: the files mix, and the
``__init__.py`` is whichever package came last. An editable chainrule is found after
site-packages, so HIPS's package shadows it whole. Each case is built in a temporary
folder and imported by a fresh interpreter.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

HIPS_INIT = "from .differential_operators import grad, elementwise_grad\n"
HIPS_OPERATORS = "def grad(fun):\n    return fun\n\n\ndef elementwise_grad(fun):\n    return fun\n"


def run(code: str, site: Path, cwd: Path) -> subprocess.CompletedProcess:
    """``code`` in a fresh interpreter, ``site`` (as site-packages) before the repo on its path."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(REPO)])}
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=cwd, env=env
    )


def hips_files(folder: Path, *, with_init: bool) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "differential_operators.py").write_text(HIPS_OPERATORS)
    (folder / "tracer.py").write_text("")
    if with_init:
        (folder / "__init__.py").write_text(HIPS_INIT)


def our_files(folder: Path) -> None:
    shutil.copytree(REPO / "autograd", folder, ignore=shutil.ignore_patterns("__pycache__"))


@pytest.mark.parametrize("package", ["nn", "viz"])
def test_hips_autograd_shadowing_ours_is_named_with_the_fix(tmp_path, package):
    # chainrule installed editable (after site-packages on the path), HIPS in site-packages
    site = tmp_path / "site"
    hips_files(site / "autograd", with_init=True)
    done = run(f"import {package}", site, tmp_path)
    assert done.returncode == 1
    message = done.stderr.strip().splitlines()[-1]
    assert message.startswith("ImportError: `import autograd` found")
    assert str(site / "autograd" / "__init__.py") in message
    assert "HIPS autograd" in message and "chainrule" in message
    assert "pip uninstall autograd" in message and "virtual environment" in message


def test_mixed_files_with_hips_init_last_are_named(tmp_path):
    # chainrule installed first, then HIPS autograd on top: HIPS's __init__.py wins
    site = tmp_path / "site"
    our_files(site / "autograd")
    hips_files(site / "autograd", with_init=True)
    done = run("from nn import MLP", site, tmp_path)
    assert done.returncode == 1
    assert "HIPS autograd" in done.stderr and "pip uninstall autograd" in done.stderr


def test_mixed_files_with_our_init_last_work_and_warn(tmp_path):
    # HIPS autograd installed first, then chainrule on top: ours wins, HIPS's files remain
    site = tmp_path / "site"
    our_files(site / "autograd")
    hips_files(site / "autograd", with_init=False)
    done = run(
        "import autograd; from autograd import Value; y = Value(3.0) * Value(4.0); "
        "print(autograd.__file__, y.data)",
        site,
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [str(site / "autograd" / "__init__.py"), "12.0"]
    assert "UserWarning: HIPS autograd" in done.stderr
    assert "pip uninstall -y autograd chainrule" in done.stderr


def test_no_warning_without_hips_files(tmp_path):
    site = tmp_path / "site"
    our_files(site / "autograd")
    done = run("import nn, viz, autograd; print(autograd.__file__)", site, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(site / "autograd" / "__init__.py")
    assert "HIPS" not in done.stderr
