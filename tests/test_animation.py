"""The backprop animation: one diagram and the backward timeline, in its own state,
stepped by keyboard in headless Chromium."""

import json
import re
from pathlib import Path

from autograd import Value
from tests.browser import browser, screenshot
from tests.helpers import lecture_graph, small_graph
from tests.pages import open_page, without_graphviz
from tests.picture import chain_rule_problems
from viz import animate
from viz.render import render


def _state(page: str) -> dict:
    found = re.search(r'<script type="application/json" id="state">(.*?)</script>', page, re.S)
    return json.loads(found.group(1))


def _grads_after(state: dict, k: int) -> dict[str, float]:
    grads = {key: float(g) for key, g in state["start"].items()}
    for step in state["steps"][:k]:
        grads[step["parent"]] = float(step["grad"])
    return grads


def test_page_is_one_diagram_and_the_timeline_and_loads_nothing(tmp_path):
    a, b, d = small_graph()
    page = Path(animate(d, tmp_path / "backprop.html")).read_text()
    state = _state(page)
    assert state["dot"].startswith("digraph") and "svg" not in state  # laid out in the page
    assert not re.search(r"<script[^>]+src|<link|<img|@import|url\(", without_graphviz(page))
    assert len(state["steps"]) == 5  # one per edge
    assert state["steps"][1]["line"].startswith("c.grad += ∂v3/∂c · v3.grad")
    assert (a.grad, b.grad) == (0.0, 0.0)  # the page's own state: the graph is untouched


def test_a_graph_that_had_backward_is_animated_from_zero_and_left_as_it_was(tmp_path):
    (a, b, c, f), L = lecture_graph()
    L.backward()
    held = (a.grad, b.grad, c.grad, f.grad)
    assert held == (6.0, -4.0, -2.0, 4.0)
    state = _state(animate(L, tmp_path / "lecture.html").page)
    assert (a.grad, b.grad, c.grad, f.grad) == held
    start = state["start"]
    assert sorted(start.values()) == ["0.0"] * 6 + ["1.0"]
    assert start[state["root"]] == "1.0"
    last = state["steps"][-1]
    assert last["line"] == (
        "b.grad += ∂e/∂b · e.grad = (2.0)(-2.0) = -4.0  →  b.grad = -4.0    [mul: ∂e/∂b = a]"
    )
    final = _grads_after(state, len(state["steps"]))
    by_name = {state["names"][k]: g for k, g in final.items()}
    assert [by_name[n] for n in "abcf"] == [6.0, -4.0, -2.0, 4.0]


def test_every_frame_is_its_steps_arithmetic_and_the_last_obeys_the_chain_rule(tmp_path):
    (a, b, c, f), L = lecture_graph()
    state = _state(animate(L, tmp_path / "lecture.html").page)
    for k, step in enumerate(state["steps"]):
        before = _grads_after(state, k)
        m = re.search(r"= \((\S+)\)\((\S+)\) = (\S+)  →  \S+ = (\S+)", step["line"])
        local, upstream, contribution, after = map(float, m.groups())
        assert upstream == before[step["node"]]
        assert contribution == local * upstream
        assert after == before[step["parent"]] + contribution == float(step["grad"])
    final = _grads_after(state, len(state["steps"]))
    assert chain_rule_problems(render(state["dot"], "svg").decode(), final) == []


def _seed001_graph():
    """Seed 001's network on one sample: ŷ = w5·(w1·x1 + w3·x2) + w6·(w2·x1 + w4·x2)."""
    w = [Value(v, label=f"w{i + 1}") for i, v in enumerate((0.37, 0.95, 0.73, 0.6, 0.16, 0.16))]
    x1, x2 = -0.47, 0.54
    h1, h2 = w[0] * x1 + w[2] * x2, w[1] * x1 + w[3] * x2
    h1.label, h2.label = "H1", "H2"
    out = w[4] * h1 + w[5] * h2
    out.label = "ŷ"
    first = (out - 12.5) ** 2
    first.label = "L₀"
    return first


def test_seed001_animation_is_small(tmp_path):
    page = animate(_seed001_graph(), tmp_path / "seed001.html").page
    # its own part stays small at any step count; Graphviz (WebAssembly) adds a fixed 1.3 MB
    assert len(without_graphviz(page).encode()) < 150_000


def test_stepping_by_keyboard_in_chromium(tmp_path):
    path = Path(animate(_seed001_graph(), tmp_path / "backprop.html")).resolve()
    state = _state(path.read_text())
    driver = browser(1400, 900)
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    def shown():
        return driver.execute_script(
            """
            const app = document.getElementById('app');
            const view = app.querySelector('.cr-view').getBoundingClientRect();
            const cur = [...app.querySelectorAll('g.node.cr-current')].map(g => g.id);
            const upd = [...app.querySelectorAll('g.node.cr-updated')].map(g => g.id);
            const inView = [...app.querySelectorAll('g.node.cr-current, g.node.cr-updated')]
              .every(g => { const b = g.getBoundingClientRect();
                return b.left >= view.left && b.right <= view.right &&
                       b.top >= view.top && b.bottom <= view.bottom; });
            const sizes = [...app.querySelectorAll('svg text')]
              .map(t => parseFloat(t.getAttribute('font-size')) * t.getScreenCTM().a);
            return {step: +app.dataset.step, current: cur.sort(), updated: upd, inView,
                    line: app.querySelector('.cr-line').textContent,
                    smallest: Math.min(...sizes)};
            """
        )

    try:
        open_page(driver, path.as_uri())
        body = driver.find_element(By.TAG_NAME, "body")
        first = shown()
        assert first["step"] == 0 and first["line"].startswith("start: L₀.grad = 1")
        assert first["smallest"] >= 9  # the smallest text (edge labels), in px at 1400 px
        for k in range(1, 5):
            body.send_keys(Keys.ARROW_RIGHT)
            now = shown()
            step = state["steps"][k - 1]
            assert now["step"] == k and now["line"] == step["line"]
            assert now["current"] == sorted([step["node"], step["node"] + "op"])
            assert now["updated"] == [step["parent"]]
            assert now["inView"], f"step {k}: the highlighted nodes are outside the view"
            screenshot(driver, f"animation-step-{k}.png")
        body.send_keys(Keys.ARROW_LEFT)
        assert shown()["step"] == 3
        body.send_keys(Keys.END)
        assert shown()["step"] == len(state["steps"])
        body.send_keys(Keys.HOME)
        body.send_keys(Keys.SPACE)  # play
        WebDriverWait(driver, 10).until(lambda _: shown()["step"] >= 2)
        body.send_keys(Keys.SPACE)  # pause
        paused = shown()["step"]
        assert paused >= 2 and shown()["line"] == state["steps"][paused - 1]["line"]
        assert shown()["inView"]
        screenshot(driver, "animation-played.png")
    finally:
        driver.quit()


def test_a_label_that_opens_a_comment_or_script_does_not_blank_the_pages(tmp_path):
    from viz import explore

    hostile = ["<!--<script>", "</script><b>&amp;", "a>b&c"]
    leaves = [Value(float(k) + 1, label=text) for k, text in enumerate(hostile)]
    out = leaves[0] * leaves[1] + leaves[2]
    out.label = "out"
    pages = [
        Path(animate(out, tmp_path / "backprop.html")),
        explore(out).save(tmp_path / "explore.html"),
    ]
    for page in pages:
        inline = re.search(r'id="state">(.*?)</script>', page.read_text(), re.S).group(1)
        assert not set("<>&") & set(inline)  # every one written as \u003c, \u003e, \u0026
        assert set(_state(page.read_text())["names"].values()) >= set(hostile)
    driver = browser(1200, 800)
    try:
        for page in pages:
            open_page(driver, page.resolve().as_uri())
            names = driver.execute_script(
                "return [...document.querySelectorAll('#app svg g.node text')]"
                ".map(t => t.textContent);"
            )
            assert set(hostile) <= set(names), names
            bars = driver.execute_script("return document.querySelectorAll('#app .cr-bar').length")
            assert bars == 1
    finally:
        driver.quit()
