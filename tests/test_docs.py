"""The README and docs/: short for learners, every link lands, every page collected.

Their examples run as doctests (pyproject.toml collects README.md and docs/*.md).
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)#\s]+)(#[^)]*)?\)")


def test_the_readme_is_for_learners():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 300
    assert "<!-- test-command -->\n```sh\n" in text  # as .ci/run reads it
    assert ".venv/bin/python -m demos" in text
    for page in PAGES[1:]:  # each reference page is one click away
        assert f"(docs/{page.name})" in text, page.name


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_relative_link_lands(page):
    for target, _anchor in LINK.findall(page.read_text(encoding="utf-8")):
        if "://" not in target:
            assert (page.parent / target).exists(), f"{page.name}: {target}"


def test_pytest_collects_the_docs_as_doctests():
    toml = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    section = toml[toml.index("[tool.pytest.ini_options]") :].split("\n[", 1)[0]
    testpaths = re.search(r"^testpaths = \[(.*)\]$", section, re.M).group(1)
    assert '"README.md"' in testpaths and '"docs"' in testpaths
    globs = re.findall(r'"--doctest-glob=([^"]+)"', section)
    assert all(any(Path(p.name).match(g) for g in globs) for p in PAGES)


def test_every_speed_figure_is_one_the_last_benchmark_run_printed():
    """A figure with its range anywhere in the README or the docs is one that
    benchmarks/last_run.txt holds; the two pages of figures name the run's machine."""
    run = (ROOT / "benchmarks" / "last_run.txt").read_text(encoding="utf-8")
    machine = run.splitlines()[0]
    assert machine.startswith("machine: ")
    figure = re.compile(r"\d[\d.,]*(?:x| ms| s)? \(\d[\d.]*-\d[\d.]*\)")
    for name in ("docs/performance.md", "benchmarks/README.md"):
        text = (ROOT / name).read_text(encoding="utf-8")
        assert machine in text, f"{name} does not name the machine of the last run"
        assert figure.findall(text), f"{name} quotes no figure"
    pages = [ROOT / "README.md", ROOT / "benchmarks" / "README.md"]
    for path in pages + sorted((ROOT / "docs").glob("*.md")):
        name = path.relative_to(ROOT)
        flowed = " ".join(path.read_text(encoding="utf-8").split())  # a figure may wrap
        for found in figure.findall(flowed):
            assert found in run, f"{name} quotes {found!r}, which the last run did not print"
