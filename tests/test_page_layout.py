"""The explorer and the animation lay their graph out in the page (Graphviz in
WebAssembly, shipped in viz/static): no dot and no subprocess, and the picture the
page draws satisfies its own chain rule."""

from __future__ import annotations

import random
import re
import subprocess
import time

import pytest

from autograd import Value
from nn import MLP
from tests.browser import browser, screenshot
from tests.helpers import lecture_graph
from tests.picture import chain_rule_problems
from viz import animate, explore
from viz.animate import front_end

DRAWN = "return !!document.querySelector('#app .cr-view svg g.node')"
SVG = "return document.querySelector('#app .cr-view svg').outerHTML"



def _mlp_loss() -> Value:
    """One sample through the lecture's MLP(3, [4, 4, 1]): 41 parameters."""
    random.seed(1)
    model = MLP(3, [4, 4, 1])
    out = model([2.0, 3.0, -1.0])
    loss = (out - 1.0) ** 2
    loss.label = "loss"
    return loss


def _no_programs(*args, **kwargs):
    raise AssertionError(f"a program was run: {args[0] if args else kwargs}")


def test_exploring_and_animating_run_no_program(tmp_path, monkeypatch):
    monkeypatch.setattr(subprocess, "run", _no_programs)
    monkeypatch.setattr(subprocess, "Popen", _no_programs)
    monkeypatch.setenv("PATH", "")  # and no dot to find
    page = explore(_lecture()).save(tmp_path / "x.html").read_text()
    assert "Viz.instance()" in page and "digraph" in page
    assert animate(_lecture(), tmp_path / "a.html").steps == 6  # one per edge


def test_the_widget_module_carries_graphviz():
    script, _ = front_end()
    assert script.index("Viz.instance") < script.index("export function mount(")
    assert script.startswith("(function (define, exports, module) {")  # hides require.js


def _lecture() -> Value:
    return lecture_graph()[1]


@pytest.mark.parametrize("graph", [_lecture, _mlp_loss], ids=["lecture", "mlp-3-4-4-1"])
def test_the_page_lays_out_a_picture_that_obeys_its_chain_rule(tmp_path, graph):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    root = graph()
    path = explore(root).save(tmp_path / "explore.html").resolve()
    driver = browser(1400, 900)
    try:
        started = time.perf_counter()
        driver.get(path.as_uri())
        WebDriverWait(driver, 20).until(lambda d: d.execute_script(DRAWN))
        drawn = time.perf_counter() - started
        driver.find_element(By.TAG_NAME, "body").send_keys(Keys.END)
        svg = driver.execute_script(SVG)
        screenshot(driver, f"layout-{graph.__name__}.png")
    finally:
        driver.quit()
    svg = re.sub(r'class="(node|edge) [^"]*"', r'class="\1"', svg)  # less the step's marks
    assert 'class="node"' in svg and chain_rule_problems(svg) == []
    print(f"{graph.__name__}: {path.stat().st_size / 1e6:.2f} MB page, drawn in {drawn:.2f} s")
