"""Every figure of every demo's table, asserted: a regression in the engine breaks the build."""

import json
import re

import pytest

from demos import moons, seed000, seed001, seed002, seed003, seed004
from demos.__main__ import DEMOS
from tests.picture import chain_rule_problems

STATE = r'<script type="application/json" id="state">(.*?)</script>'

FILES = {
    seed000: ["seed000-wrong-sigmoid.svg"],
    seed001: ["seed001-network.svg", "seed001-backprop.html"],
    seed003: ["seed003-network.svg"],
    moons: ["moons-boundary.png", "moons-loss.png"],
}


def test_the_main_command_runs_every_demo():
    assert DEMOS == [seed000, seed001, seed002, seed003, seed004, moons]


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
        assert chain_rule_problems(state["svg"], final) == [], page.name
        assert page.stat().st_size < 150_000


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


def test_seed002_on_the_replay_trains_to_the_notebooks_losses():
    from nn import MLP

    v, w, x, t, _ = seed002.data()
    model = MLP(10, [10, 10], activation="tanh", output_activation="sigmoid", rng=0)
    model.set_weights([v.T, w.T])
    losses = seed002.train(model, x, t, 3, replay=True)
    assert max(abs(a - b) for a, b in zip(losses, seed002.EPOCH_LOSSES, strict=True)) < 1e-7
