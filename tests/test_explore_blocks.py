"""The explorer's blocks view (``autograd.lift``) in headless Chromium: the saved page and
the anywidget module; a click on a block shows lift's formulas and marks the scalar
nodes the block covers; a graph too large to draw opens on its blocks alone."""

from __future__ import annotations

from pathlib import Path

import pytest

import nn
from autograd import Value, lift
from autograd.explain.describe import Description
from tests.browser import browser, screenshot
from tests.helpers import lecture_demo_loss, lecture_graph
from tests.pages import click, open_page, widget_page
from viz import explore
from viz.dot import node_id

_SHOWN = """
const info = document.querySelector('.cr-blocks-info');
const marked = [...document.querySelectorAll('g.node.cr-covered')]
  .filter(g => !g.closest('.cr-blocks') && !g.id.endsWith('op'));
return {forward: info.querySelector('.cr-block-forward').textContent,
        backward: [...info.querySelectorAll('.cr-block-backward')].map(d => d.textContent),
        marked: marked.map(g => g.id), count: info.querySelector('.cr-block-count').textContent};
"""


def _batch_loss() -> Value:
    model = nn.MLP(2, [3, 1], rng=0)
    outs = [model([Value(a), Value(b)]) for a, b in [(0.5, -1.0), (1.5, 0.25), (-0.75, 2.0)]]
    return nn.mse(outs, [1.0, -1.0, 0.5])


def _ids(root: Value) -> dict[Value, str]:
    """Each node's id in the explorer's scalar diagram."""
    return {n: node_id(i) for n, i in Description(root).index.items()}


def _wait_for_blocks(driver, timeout: float = 30) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, timeout).until(
        lambda d: d.execute_script("return !!document.querySelector('.cr-blocks-svg svg g')")
    )


def _check_every_block(driver, root: Value, names: dict[Value, str]) -> None:
    """Each block clicked: its formulas are lift's, its marked nodes the ones it covers."""
    lifted = lift(root)
    for i, block in enumerate(lifted.blocks):
        click(driver, f"block{i}")
        shown = driver.execute_script(_SHOWN)
        assert shown["forward"] == block.forward
        assert shown["backward"] == list(block.backward)
        assert sorted(shown["marked"]) == sorted(names[n] for n in block.covers)
        assert shown["count"].startswith(f"{len(block.covers)} scalar node")


@pytest.mark.parametrize("build", [lambda: lecture_graph()[1], _batch_loss])
def test_saved_page_blocks_show_lifts_formulas_and_mark_their_nodes(tmp_path, build):
    root = build()
    exploration = explore(root)
    page = exploration.save(tmp_path / "explore.html")
    names = _ids(root)
    driver = browser(1400, 900)
    try:
        open_page(driver, Path(page).resolve().as_uri())
        _wait_for_blocks(driver)
        _check_every_block(driver, root, names)
        click(driver, "block0")
        driver.execute_script("document.querySelector('.cr-blocks').scrollIntoView()")
        screenshot(driver, f"explore-blocks-{len(names)}.png")
    finally:
        driver.quit()


def test_the_demo_network_opens_on_its_blocks(tmp_path):
    _, loss = lecture_demo_loss()
    exploration = explore(loss)
    assert "steps" not in exploration.state and "65,8" in exploration.state["note"]
    page = exploration.save(tmp_path / "demo.html")
    lifted = lift(loss)
    driver = browser(1400, 900)
    try:
        driver.get(Path(page).resolve().as_uri())
        _wait_for_blocks(driver)
        note = driver.find_element("css selector", ".cr-note").text
        assert "The scalar graph is not drawn" in note and "collapse=model" in note
        layers = [i for i, b in enumerate(lifted.blocks) if b.kind == "matmul"]
        assert len(layers) == 3
        for i in layers:
            click(driver, f"block{i}")
            shown = driver.execute_script(_SHOWN)
            assert shown["forward"] == lifted.blocks[i].forward
            assert shown["backward"] == list(lifted.blocks[i].backward)
            assert shown["marked"] == []
            assert shown["count"].startswith(f"{len(lifted.blocks[i].covers)} scalar nodes")
        driver.execute_script(
            "arguments[0].scrollIntoView({block: 'center'})",
            driver.find_element("css selector", f"g#block{layers[1]}"),
        )
        screenshot(driver, "explore-blocks-demo.png")
    finally:
        driver.quit()


def test_the_widget_shows_the_blocks_view(tmp_path):
    root = _batch_loss()
    exploration = explore(root)
    page = widget_page(tmp_path, exploration.state)
    names = _ids(root)
    driver = browser(1400, 900)
    try:
        driver.get(Path(page).resolve().as_uri())
        _wait_for_blocks(driver)
        _check_every_block(driver, root, names)
        layer = next(i for i, b in enumerate(lift(root).blocks) if b.kind == "matmul")
        click(driver, f"block{layer}")
        screenshot(driver, "explore-blocks-widget-marked.png")  # the layer's nodes, marked
        driver.execute_script("document.querySelector('.cr-blocks').scrollIntoView()")
        screenshot(driver, "explore-blocks-widget.png")
    finally:
        driver.quit()
