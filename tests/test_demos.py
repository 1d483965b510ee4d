"""Every figure of every demo's table, asserted: a regression in the engine breaks the build."""

import inspect
import json
import re

import pytest

from demos import moons, seed000, seed001, seed002, seed003, seed004
from demos.__main__ import DEMOS, main
from demos.report import SOURCES, walk_through
from tests.pages import without_graphviz
from tests.picture import chain_rule_problems
from viz.render import render

STATE = r'<script type="application/json" id="state">(.*?)</script>'

FILES = {
    seed000: ["seed000-wrong-sigmoid.svg"],
    seed001: ["seed001-network.svg", "seed001-backprop.html"],
    seed003: ["seed003-network.svg"],
    moons: ["moons-boundary.png", "moons-loss.png"],
}


SEEDS = [seed000, seed001, seed002, seed003, seed004]


def test_the_main_command_runs_every_demo():
    assert DEMOS == [*SEEDS, moons]


def test_help_prints_the_usage_and_runs_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    printed = capsys.readouterr().out
    assert printed.startswith("usage: python -m demos")
    assert all(m.__name__.split(".")[-1] in printed for m in DEMOS)
    assert "==" not in printed and list(tmp_path.iterdir()) == []  # no demo ran, nothing written


def test_an_unknown_argument_is_refused_before_any_demo_runs(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as done:
        main(["seed009"])
    assert done.value.code == 2
    assert "unrecognized arguments: seed009" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("demo", SEEDS, ids=lambda m: m.__name__.split(".")[-1])
def test_each_seed_is_written_once_in_its_notebook_source(demo):
    """The demo has no walk-through of its own: it runs its notebook's source."""
    source = SOURCES / f"{demo.SOURCE}.py"
    assert source.is_file()
    assert source.stem.startswith(demo.__name__.split(".")[-1])
    assert (SOURCES.parent / "notebooks" / f"{demo.SOURCE}.ipynb").is_file()
    own = re.findall(r"^def (\w+)", inspect.getsource(demo), re.M)
    assert set(own) <= {"run", "replay_step"}  # no walk-through of its own


@pytest.mark.parametrize("demo", DEMOS, ids=lambda m: m.__name__.split(".")[-1])
def test_every_figure_matches(demo, tmp_path):
    figures = demo.run(tmp_path)
    assert figures
    wrong = [f for f in figures if not f.matches]
    assert not wrong, wrong
    for name in FILES.get(demo, []):
        assert (tmp_path / name).stat().st_size > 0
    for picture in tmp_path.glob("*.svg"):  # every diagram obeys its own chain rule
        assert chain_rule_problems(picture.read_text()) == [], picture.name
    for page in tmp_path.glob("*.html"):
        state = json.loads(re.search(STATE, page.read_text(), re.S).group(1))
        final = {key: float(g) for key, g in state["start"].items()}
        final.update({s["parent"]: float(s["grad"]) for s in state["steps"]})
        svg = render(state["dot"], "svg").decode()  # the page lays out the same DOT text
        assert chain_rule_problems(svg, final) == [], page.name
        assert len(without_graphviz(page.read_text()).encode()) < 150_000  # + Graphviz, 1.3 MB


def test_the_tables_hold_the_seed_readme_figures(tmp_path):
    """The figures the seeds' README lists, each present with the notebook's number."""
    listed = {
        ("000", 3.28666667),
        ("000", 2.77333333),
        ("000", 3.24),
        ("000", 2.78),
        ("000", 2.0),
        ("000", 8.0),
        ("000", 3.0),
        ("001", 87.73730719),
        ("001", 74.07686178),
        ("004", 41.578510114266535),
        ("004", 38.088094755935614),
    }
    found = set()
    for demo in (seed000, seed001, seed004):
        found |= {(f.seed, f.notebook) for f in demo.run(tmp_path)}
    assert listed <= found
    assert seed002.EPOCH_LOSSES == (0.45465070, 0.13697961, 0.06206941)  # run above


def test_a_failed_assert_stops_the_walk_through_naming_its_line(tmp_path, monkeypatch, capsys):
    import shutil

    import demos.report

    sources = tmp_path / "sources"
    shutil.copytree(SOURCES, sources)
    (sources / "broken.py").write_text("x = 1 + 1\nassert x == 3, x\n")
    monkeypatch.setattr(demos.report, "SOURCES", sources)
    stopped = r"broken.py, line 2: assert x == 3, x \(2\)"
    with pytest.raises(demos.report.WalkThroughStopped, match=stopped):
        walk_through("broken")
    monkeypatch.setattr(seed004, "SOURCE", "broken")
    monkeypatch.chdir(tmp_path)
    assert main([]) == 1  # every other demo still runs, and the run fails
    printed = capsys.readouterr().out
    assert "a walk-through stopped before its figures: broken.py, line 2" in printed
    assert "43 of 43 figures match" in printed


def test_seed002_on_the_replay_trains_to_the_notebooks_losses():
    """The walk-through's own training loop, each sample replayed from one traced tape."""
    from nn import MLP

    ns = walk_through(seed002.SOURCE)
    model = MLP(10, [10, 10], activation="tanh", output_activation="sigmoid", rng=0)
    model.set_weights([ns["V"].T, ns["W"].T])
    step = seed002.replay_step(model, ns["samples"][0], ns["targets"][0])
    losses = ns["train"](model, 3, step)
    assert max(abs(a - b) for a, b in zip(losses, seed002.EPOCH_LOSSES, strict=True)) < 1e-7


def test_seed001_draws_each_input_once_under_its_name(tmp_path):
    """x1 feeds both hidden neurons: one node named x1, not two unnamed copies."""
    from autograd import topo_order

    ns = walk_through(seed001.SOURCE)
    leaves = [
        v for v in topo_order(ns["first_sample_loss"](ns["starting_weights"]())) if not v.parents
    ]
    for value, name in zip(ns["X"][0], ("x1", "x2"), strict=True):
        assert [v.label for v in leaves if v.data == value] == [name]
    seed001.run(tmp_path)
    svg = (tmp_path / "seed001-network.svg").read_text()
    assert svg.count(">x1<") == 1 and svg.count(">x2<") == 1


def test_the_moons_plot_names_its_axes():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from nn import MLP

    x = np.array([[0.0, 1.0], [1.0, -0.5]])
    fig = moons.boundary_figure(MLP(2, [2, 1], rng=0), x, np.array([1, -1]))
    axes = fig.axes[0]
    assert axes.get_xlabel() == "x[0], the first input"
    assert axes.get_ylabel() == "x[1], the second input"
    plt.close(fig)
