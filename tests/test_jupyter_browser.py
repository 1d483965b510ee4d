"""The explorer widget in a real JupyterLab, driven by headless Chromium.

A notebook that builds a graph and displays ``explore(out)`` is run in a JupyterLab
server; the test clicks a leaf, edits its value in the panel, and checks that the
kernel recomputed forward and backward: the panel shows the new numbers and a cell
run afterwards prints them from the kernel's own Values.
"""

from __future__ import annotations

import json
import math
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.browser import browser, screenshot

ROOT = Path(__file__).resolve().parent.parent

CELLS = [
    "from autograd import Value\nfrom viz import explore",
    "a, b = Value(2.0, label='a'), Value(-3.0, label='b')\n"
    "out = a * b + a.tanh()\nout.label = 'out'\nview = explore(out)\nview",
    "print('kernel says', a.data, out.data, a.grad)",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


LAYOUT_CELLS = [
    "from autograd import Value\nfrom viz import explore",
    "x1, x2, w1, w2, b = (Value(v, label=n) for v, n in\n"
    "    ((2.0, 'x1'), (0.0, 'x2'), (-3.0, 'w1'), (1.0, 'w2'), (6.8813735870195432, 'b')))\n"
    "n = x1*w1 + x2*w2 + b\nn.label = 'n'\no = n.tanh()\no.label = 'o'\nexplore(o)",
]
"""The lecture's neuron: 8 values, which must open readable and whole."""


def _notebook(path: Path, sources: list[str] = CELLS) -> None:
    cells = [
        {"cell_type": "code", "metadata": {}, "source": src, "outputs": [], "execution_count": None}
        for src in sources
    ]
    kernel = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook = {
        "cells": cells,
        "metadata": {"kernelspec": kernel},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path.write_text(json.dumps(notebook))


def _wait(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.5)
    raise AssertionError(f"timed out after {seconds} s waiting for {what}")


def _up(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "api/status", timeout=2):
            return True
    except OSError:
        return False


@pytest.fixture
def jupyterlab(tmp_path):
    pytest.importorskip("jupyterlab", reason="jupyterlab is not installed (it comes with .[dev])")
    pytest.importorskip("anywidget", reason="anywidget is not installed (.[interactive])")
    port = _free_port()
    env = dict(
        os.environ,
        PYTHONPATH=str(ROOT),
        JUPYTER_CONFIG_DIR=str(tmp_path / "config"),
        JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
    )
    _notebook(tmp_path / "explore.ipynb")
    _notebook(tmp_path / "layout.ipynb", LAYOUT_CELLS)
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            f"--port={port}",
            "--ServerApp.ip=127.0.0.1",
            "--IdentityProvider.token=",
            "--ServerApp.password=",
            "--LabApp.expose_app_in_browser=True",
            "--allow-root",
            f"--ServerApp.root_dir={tmp_path}",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        _wait(lambda: _up(url), 60, "the JupyterLab server to start")
        yield url
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()


def _open_and_run(driver, url: str) -> None:
    """Open the notebook at ``url``, wait for its kernel, run every cell and wait for
    the explorer to draw."""
    driver.get(url)
    _wait(
        lambda: driver.execute_script(
            "return !!(window.jupyterapp && document.querySelector('.jp-Notebook'))"
        ),
        60,
        "JupyterLab to open the notebook",
    )
    _wait(
        lambda: driver.execute_script(
            "const w = window.jupyterapp.shell.currentWidget;"
            "const k = w && w.sessionContext && w.sessionContext.session"
            "  && w.sessionContext.session.kernel;"
            "return !!k && k.status === 'idle';"
        ),
        60,
        "the kernel to start",
    )
    driver.execute_script("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    _wait(
        lambda: driver.execute_script("return !!document.querySelector('.cr-explorer svg g#v0')"),
        60,
        "the explorer widget to render",
    )


_LAYOUT = """
const app = document.querySelector('.cr-explorer');
const view = app.querySelector('.cr-view').getBoundingClientRect();
const graph = app.querySelector('.cr-view svg').getBoundingClientRect();
const panel = app.querySelector('.cr-panel').getBoundingClientRect();
const edges = [...app.querySelectorAll('.cr-view svg g.edge text')];
const px = (t) => parseFloat(t.getAttribute('font-size')) * t.getScreenCTM().a;
return {view: [view.left, view.top, view.right, view.bottom],
        graph: [graph.left, graph.top, graph.right, graph.bottom],
        panel: [panel.left, panel.top, panel.width],
        smallest: Math.min(...edges.map(px))};
"""


def test_a_small_graph_opens_readable_and_whole_in_jupyterlab(jupyterlab):
    driver = browser(1400, 900)
    try:
        _open_and_run(driver, jupyterlab + "lab/tree/layout.ipynb")
        time.sleep(1)  # the widget settles
        for moment in ("opened", "fit"):
            if moment == "fit":
                driver.execute_script(
                    "document.querySelector('.cr-explorer button[title^=fit]').click()"
                )
            seen = driver.execute_script(_LAYOUT)
            screenshot(driver, f"jupyterlab-explorer-{moment}.png")
            view, graph = seen["view"], seen["graph"]
            assert view[0] <= graph[0] and graph[2] <= view[2], seen  # whole, left to right
            assert view[1] <= graph[1] and graph[3] <= view[3], seen  # and top to bottom
            assert seen["smallest"] >= 9, seen  # px: edge text stays readable
            # the graph has the output's whole width, the panel goes below it
            assert abs((view[2] - view[0]) - seen["panel"][2]) < 2 and view[2] - view[0] > 900
            assert seen["panel"][1] >= view[3] - 1, seen
    finally:
        driver.quit()


def test_explorer_widget_in_jupyterlab_recomputes_on_edit(jupyterlab):
    driver = browser(1500, 1000)
    panel = ".cr-explorer .cr-panel"

    try:
        _open_and_run(driver, jupyterlab + "lab/tree/explore.ipynb")

        # the widget may redraw while the kernel settles: act and read through JS, retrying
        def panel_after(action: str, wanted: str) -> str:
            text = driver.execute_script(
                f"{action}; return document.querySelector('{panel}').innerText;"
            )
            return text if wanted in text else ""

        click = (  # after backward (End): the panel shows a grad once it is computed
            "document.querySelector('.cr-explorer')"
            ".dispatchEvent(new KeyboardEvent('keydown', {key: 'End', bubbles: true}));"
            "document.querySelector('.cr-explorer svg g#v0')"
            ".dispatchEvent(new MouseEvent('click', {bubbles: true}))"
        )
        grad = 1 - math.tanh(2.0) ** 2 - 3.0
        before = _wait(lambda: panel_after(click, "a.grad ="), 30, "the panel of a")
        assert f"a.grad = (0.0706508) + (-3.0) = {grad:.6g}" in before, before

        edit = (
            "const box = document.querySelector('.cr-explorer .cr-edit');"
            "box.querySelector('input').value = '0.5'; box.querySelector('button').click()"
        )
        driver.execute_script(edit)
        local = 1 - math.tanh(0.5) ** 2
        grad = local - 3.0
        after = _wait(lambda: panel_after(click, "data 0.5"), 30, "the kernel's new state")
        assert f"a.grad = ({local:.6g}) + (-3.0) = {grad:.6g}" in after, after
        screenshot(driver, "jupyterlab-explorer-edited.png")

        # the kernel's own Values hold the edit; the widget wrote no .grad
        driver.execute_script(
            "const nb = window.jupyterapp.shell.currentWidget.content;"
            "nb.activeCellIndex = 2;"
            "window.jupyterapp.commands.execute('notebook:run-cell');"
        )
        expected = f"kernel says 0.5 {0.5 * -3.0 + math.tanh(0.5)} 0.0"
        printed = _wait(
            lambda: driver.execute_script(
                "return [...document.querySelectorAll('.jp-OutputArea-output')]"
                ".map(e => e.innerText.trim()).filter(t => t.startsWith('kernel says 0.5'));"
            ),
            30,
            "the print cell's output",
        )
        assert printed == [expected]
    finally:
        driver.quit()


_BLOCK_SHOWN = """
const app = document.querySelector('.cr-explorer');
const info = app.querySelector('.cr-blocks-info');
const marked = [...app.querySelectorAll('g.node.cr-covered')]
  .filter(g => !g.closest('.cr-blocks') && !g.id.endsWith('op'));
return {forward: info.querySelector('.cr-block-forward').textContent,
        backward: [...info.querySelectorAll('.cr-block-backward')].map(d => d.textContent),
        marked: marked.length};
"""


def test_the_blocks_view_answers_a_click_in_jupyterlab(jupyterlab):
    from autograd import Value, lift

    # the graph of LAYOUT_CELLS, built here: what the blocks view must show
    x1, x2, w1, w2, b = (Value(v) for v in (2.0, 0.0, -3.0, 1.0, 6.8813735870195432))
    for v, name in zip((x1, x2, w1, w2, b), ("x1", "x2", "w1", "w2", "b"), strict=True):
        v.label = name
    n = x1 * w1 + x2 * w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    blocks = lift(o).blocks
    driver = browser(1400, 900)
    try:
        _open_and_run(driver, jupyterlab + "lab/tree/layout.ipynb")
        _wait(
            lambda: driver.execute_script(
                "return !!document.querySelector('.cr-explorer .cr-blocks-svg svg g')"
            ),
            60,
            "the blocks view to render",
        )
        for i, block in enumerate(blocks):
            driver.execute_script(
                "document.querySelector(`.cr-explorer g#block${arguments[0]}`)"
                ".dispatchEvent(new MouseEvent('click', {bubbles: true}))",
                i,
            )
            shown = driver.execute_script(_BLOCK_SHOWN)
            assert shown["forward"] == block.forward, (i, shown)
            assert shown["backward"] == list(block.backward), (i, shown)
            assert shown["marked"] == len(block.covers), (i, shown)
        driver.execute_script("document.querySelector('.cr-explorer .cr-blocks').scrollIntoView()")
        screenshot(driver, "jupyterlab-explorer-blocks.png")
    finally:
        driver.quit()
