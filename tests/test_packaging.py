"""The wheel carries py.typed in each package (PEP 561), so type checkers read the hints."""

import zipfile
from pathlib import Path

import pytest

from tests.helpers import build_wheel

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("autograd", "nn", "viz")


@pytest.mark.parametrize("package", PACKAGES)
def test_each_package_has_a_py_typed_marker(package):
    assert (ROOT / package / "py.typed").is_file()


def test_the_wheel_holds_py_typed_for_every_package(tmp_path):
    wheel = build_wheel(tmp_path)
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {f"{package}/py.typed" for package in PACKAGES} <= names
    assert "viz/static/explore.js" in names  # the package data that was there before
