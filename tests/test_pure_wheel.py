"""CHAINRULE_PURE_WHEEL=1 builds a pure py3-none-any wheel (what Pyodide's micropip
installs); without it the wheel carries the compiled storage, where a compiler is."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest

from tests.helpers import build_wheel

ROOT = Path(__file__).resolve().parents[1]


def test_the_pure_wheel_is_py3_none_any_and_has_no_compiled_code(tmp_path):
    wheel = build_wheel(tmp_path, pure=True)
    assert wheel.name == "chainrule-0.1.0-py3-none-any.whl"
    archive = zipfile.ZipFile(wheel)
    names = set(archive.namelist())
    assert not [n for n in names if n.endswith((".so", ".pyd"))]
    assert {
        "autograd/storage.py",
        "viz/static/viz-global.js",
        "viz/static/LICENSE-viz-js.txt",
    } <= names
    assert {"viz/lab/session.py", "viz/lab/static/index.html", "viz/lab/static/lab.js"} <= names
    metadata = next(n for n in names if n.endswith(".dist-info/WHEEL"))
    text = archive.read(metadata).decode()
    assert "Root-Is-Purelib: true" in text and "Tag: py3-none-any" in text


@pytest.mark.skipif(not shutil.which("gcc"), reason="no C compiler: the storage is optional")
def test_the_default_wheel_carries_the_compiled_storage(tmp_path):
    wheel = build_wheel(tmp_path, pure=False)
    assert "py3-none-any" not in wheel.name and "-cp3" in wheel.name
    assert any(
        n.startswith("autograd/_node") and n.endswith(".so")
        for n in zipfile.ZipFile(wheel).namelist()
    )
