"""The explorer's front end in headless Chromium: the saved page, and the anywidget module
hosted by a small stand-in for anywidget's model (no Jupyter server)."""

from pathlib import Path

import pytest

from autograd import Value
from tests.browser import browser, screenshot
from tests.helpers import product_plus_tanh
from tests.pages import click, open_page, widget_page
from viz import explore

_READ = """
const app = document.querySelector('.cr-explorer');
const view = app.querySelector('.cr-view').getBoundingClientRect();
const ids = (cls) => [...app.querySelectorAll(`g.node.${cls}`)].map(g => g.id).sort();
const inView = [...app.querySelectorAll('g.node.cr-current')].every(g => {
  const b = g.getBoundingClientRect();
  return b.left >= view.left && b.right <= view.right &&
         b.top >= view.top && b.bottom <= view.bottom; });
return {step: +app.dataset.step, phase: app.dataset.phase, current: ids('cr-current'),
        line: app.querySelector('.cr-line').textContent, inView,
        panel: app.querySelector('.cr-panel').innerText};
"""


def test_saved_page_panel_keys_space_and_view(tmp_path):
    *_, out = product_plus_tanh()
    exploration = explore(out)
    state = exploration.state
    path = exploration.save(tmp_path / "explore.html").resolve()
    driver = browser(1400, 900)
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    def shown():
        return driver.execute_script(_READ)

    try:
        open_page(driver, path.as_uri())
        body = driver.find_element(By.TAG_NAME, "body")
        first = shown()
        assert (first["step"], first["phase"]) == (0, "forward")
        assert first["line"].startswith("forward: the leaves hold their values (a = 2.0, b = -3.0")
        forward = state["forward"]
        for step in forward:
            body.send_keys(Keys.ARROW_RIGHT)
            now = shown()
            assert now["line"] == step["line"] and now["current"] == sorted(
                [step["node"], step["node"] + "op"]
            )
            assert now["inView"]
        screenshot(driver, "explore-forward.png")
        body.send_keys(Keys.ARROW_RIGHT)  # the backward start
        assert shown()["line"] == "start: out.grad = 1, every other grad 0"
        for step in state["steps"][:3]:
            body.send_keys(Keys.ARROW_RIGHT)
            now = shown()
            assert now["phase"] == "backward" and now["line"] == step["line"] and now["inView"]
            assert step["node"] in now["current"]
        body.send_keys(Keys.ARROW_LEFT)
        assert shown()["line"] == state["steps"][1]["line"]
        # click the value highlighted now, and read its panel
        current = state["steps"][1]["node"]
        driver.find_element(By.CSS_SELECTOR, f"g#{current} text").click()
        panel = state["nodes"][current]
        text = shown()["panel"]
        assert panel["formula"] in text and all(
            line in text for line in panel["inputs"] + panel["built"]
        )
        screenshot(driver, "explore-panel.png")
        # space plays; the step advances on its own and the current node stays in view
        before = shown()["step"]
        body.send_keys(Keys.SPACE)
        WebDriverWait(driver, 10).until(lambda _: shown()["step"] >= before + 2)
        body.send_keys(Keys.SPACE)
        now = shown()
        assert (
            now["inView"] and now["line"] == state["steps"][now["step"] - len(forward) - 2]["line"]
        )
        # a leaf's paths: their lines and the sum equal to its grad
        body.send_keys(Keys.END)
        leaf = next(i for i, n in state["names"].items() if n == "a")
        click(driver, leaf)
        text = shown()["panel"]
        paths = state["paths"][leaf]
        assert paths["summary"] in text and all(p["line"] in text for p in paths["paths"])
        assert f"grad {state['nodes'][leaf]['grad']}" in text
        screenshot(driver, "explore-paths.png")
    finally:
        driver.quit()


def test_the_widget_module_with_a_stand_in_model(tmp_path):
    a, _, out = product_plus_tanh()
    exploration = explore(out)
    page = widget_page(tmp_path, exploration.state)
    driver = browser(1400, 900)
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        driver.get(Path(page).resolve().as_uri())
        WebDriverWait(driver, 20).until(  # the widget lays its graph out after render()
            lambda d: d.execute_script(
                "return window.ready === true && !!document.querySelector('.cr-view svg g')"
            )
        )
        view = driver.find_element(By.CSS_SELECTOR, ".cr-view")
        view.click()  # keys go to the widget only when it has the focus
        for _ in range(3):
            view.send_keys(Keys.ARROW_RIGHT)
        assert driver.execute_script("return window.model.get('position')") == 3
        assert driver.execute_script("return window.model.saved") >= 3
        line = driver.find_element(By.CSS_SELECTOR, ".cr-line").text
        assert line == exploration.state["forward"][2]["line"]
        leaf = next(i for i, n in exploration.state["names"].items() if n == "a")
        from selenium.webdriver.common.action_chains import ActionChains

        ActionChains(driver).move_to_element(
            driver.find_element(By.CSS_SELECTOR, ".cr-line")
        ).perform()
        click(driver, leaf)  # it may lie outside the view: a click event, as a tap gives
        box = driver.find_element(By.CSS_SELECTOR, ".cr-edit input")
        box.clear()
        box.send_keys("0.5", Keys.ENTER)
        sent = driver.execute_script("return window.model.sent")
        assert sent == [{"type": "edit", "node": leaf, "value": 0.5}]
        # the kernel's side: recompute, then send the new state back as a trait change
        exploration.set_value(sent[0]["node"], sent[0]["value"])
        driver.execute_script("window.model.set('state', arguments[0])", exploration.state)
        panel = driver.find_element(By.CSS_SELECTOR, ".cr-panel").text
        assert "data 0.5" in panel and "grad ? (backward has not started)" in panel
        view = driver.find_element(By.CSS_SELECTOR, ".cr-view")  # the widget redrew
        view.send_keys(Keys.END)  # the grads exist once backward has run
        panel = driver.find_element(By.CSS_SELECTOR, ".cr-panel").text
        assert f"grad {exploration.state['nodes'][leaf]['grad']}" in panel
        view.send_keys(Keys.HOME, Keys.ARROW_RIGHT, Keys.ARROW_RIGHT, Keys.ARROW_RIGHT)
        assert a.data == 0.5 and a.grad == 0.0
        assert driver.execute_script("return window.model.get('position')") == 3  # kept
        driver.execute_script("window.model.set('error', 'x = -1.0: log fails')")
        assert "log fails" in driver.find_element(By.CSS_SELECTOR, ".cr-error").text
        screenshot(driver, "explore-widget.png")
        driver.execute_script("window.cleanup()")
    finally:
        driver.quit()


def test_saved_page_quiz_judges_typed_numbers_with_pythons_words(tmp_path):
    a, b, k = Value(2.0, label="a"), Value(-3.0, label="b"), Value(0.5, label="k")
    c = a * b
    c.label = "c"
    L = c * k
    L.label = "L"
    exploration = explore(L)
    state = exploration.state
    quiz = state["quiz"]
    # by hand, backward: L→c (∂L/∂c = k = 0.5), L→k (c = -6), c→a (b = -3, c.grad = 0.5)
    assert [q["answer"] for q in quiz[2]] == [-3.0, -1.5]
    forgot = next(s for s in quiz[2][1]["slips"] if s["mistake"] == "upstream")
    assert forgot["value"] == -3.0  # b alone, without c.grad = 0.5
    path = exploration.save(tmp_path / "quiz.html").resolve()
    driver = browser(1400, 900)
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    def panel():
        return driver.find_element(By.CSS_SELECTOR, ".cr-panel").text

    def answer(text):
        box = driver.find_element(By.CSS_SELECTOR, ".cr-quiz input")
        box.send_keys(text, Keys.ENTER)

    try:
        open_page(driver, path.as_uri())
        driver.find_element(By.CSS_SELECTOR, ".cr-quiz-toggle").click()
        app = driver.find_element(By.CSS_SELECTOR, ".cr-explorer")
        assert app.get_attribute("data-phase") == "backward"  # the quiz starts backward
        shown = (
            "return [...document.querySelectorAll('g.edge text')].filter(t => "
            "getComputedStyle(t).visibility !== 'hidden').length"
        )
        assert driver.execute_script(shown) == 0  # the edges' rules would give the answers
        assert int(app.get_attribute("data-step")) == len(state["forward"]) + 1
        assert f"step 1: {quiz[0][0]['prompt']}" in panel()
        answer("b")  # not a number: said, not counted
        assert 'could not read "b": type a number here' in panel()
        for typed in ("0.5", "0.5", "-6", "6", "-3"):
            answer(typed)
        answer("-3")  # the share without the upstream factor
        text = panel()
        assert "right: -3.0" in text
        assert f"not -3.0: {forgot['text']}" in text
        assert "you forgot the upstream factor?" in text
        assert "quiz: 4 of 6 answers right" in text
        # each step was taken once answered, as steps.quiz does
        assert int(app.get_attribute("data-step")) == len(state["forward"]) + 1 + 3
        assert f"step 4: {quiz[3][0]['prompt']}" in text
        assert "Numbers only here" in text
        shot = screenshot(driver, "explore-quiz.png")
        assert shot.stat().st_size > 0
    finally:
        driver.quit()


def test_a_large_graph_opens_on_the_first_steps_inputs(tmp_path):
    """A graph larger than the view opens where the forward pass starts, not on blank space."""
    from tests.helpers import lecture_demo_loss

    model, loss = lecture_demo_loss(100)
    exploration = explore(loss, collapse=model, sample=3)
    first = exploration.state["forward"][0]["inputs"]
    path = exploration.save(tmp_path / "large.html").resolve()
    driver = browser(1400, 900)
    try:
        open_page(driver, path.as_uri())
        shown = driver.execute_script(
            "const view = document.querySelector('.cr-view').getBoundingClientRect();"
            "return arguments[0].map(id => { const b = document.getElementById(id)"
            ".getBoundingClientRect(); return b.left >= view.left && b.right <= view.right"
            " && b.top >= view.top && b.bottom <= view.bottom; });",
            first,
        )
        screenshot(driver, "explore-large-opening.png")
        assert shown == [True] * len(first)
    finally:
        driver.quit()


def test_each_position_shows_only_what_the_timeline_has_computed(tmp_path):
    *_, out = product_plus_tanh()
    exploration = explore(out)
    state = exploration.state
    path = exploration.save(tmp_path / "explore.html").resolve()
    driver = browser(1400, 900)
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    def edges():
        return driver.execute_script(
            "return Object.fromEntries([...document.querySelectorAll('g.edge')]"
            ".filter(g => g.querySelector('text'))"
            ".map(g => [g.id, g.querySelector('text').textContent]));"
        )

    def panel_of(node_id):
        click(driver, node_id)
        return driver.find_element(By.CSS_SELECTOR, ".cr-panel").text

    root, leaf = state["root"], next(i for i, n in state["names"].items() if n == "a")
    try:
        open_page(driver, path.as_uri())
        body = driver.find_element(By.TAG_NAME, "body")
        assert edges() == state["rules"]  # no op has run: every rule, no number
        text = panel_of(root)
        assert "data ? (not computed yet)" in text and "grad ? (backward has not started)" in text
        assert all(
            f"{r} = ? (forward has not run this op)" in text for r in state["nodes"][root]["rules"]
        )
        assert not any(line in text for line in state["nodes"][root]["inputs"])
        assert state["nodes"][root]["pending"][0] in text and "1.0" not in text
        text = panel_of(leaf)
        assert not any(line in text for line in state["nodes"][leaf]["built"])
        assert all(line in text for line in state["nodes"][leaf]["pending"])
        assert state["paths"][leaf]["summary"] not in text
        first = state["forward"][0]
        body.send_keys(Keys.ARROW_RIGHT)  # the first op runs: its edges get their numbers
        shown = edges()
        for edge_id, rule in state["rules"].items():
            ran = edge_id.startswith(first["node"] + "op_")
            assert (shown[edge_id] != rule) == ran and shown[edge_id].startswith(rule)
        body.send_keys(Keys.END)
        text = panel_of(leaf)
        assert all(line in text for line in state["nodes"][leaf]["built"])
        assert state["paths"][leaf]["summary"] in text
        assert all(" = " in t and t != state["rules"][i] for i, t in edges().items())
    finally:
        driver.quit()


_LAYOUT = """
const app = document.querySelector('.cr-explorer');
const view = app.querySelector('.cr-view').getBoundingClientRect();
const graph = app.querySelector('.cr-view svg').getBoundingClientRect();
const px = (t) => parseFloat(t.getAttribute('font-size')) * t.getScreenCTM().a;
const texts = [...app.querySelectorAll('.cr-view svg text')];
return {whole: view.left <= graph.left && graph.right <= view.right &&
               view.top <= graph.top && graph.bottom <= view.bottom,
        smallest: Math.min(...texts.map(px))};
"""


def _neuron():
    x1, x2, w1, w2, b = (
        Value(v, label=n)
        for v, n in ((2.0, "x1"), (0.0, "x2"), (-3.0, "w1"), (1.0, "w2"), (6.8813735870195432, "b"))
    )
    n = x1 * w1 + x2 * w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return o


@pytest.mark.parametrize("width", [1000, 1400, 1800])
def test_a_small_graph_opens_readable_and_whole_and_fit_keeps_it_so(tmp_path, width):
    path = explore(_neuron()).save(tmp_path / "neuron.html").resolve()
    driver = browser(width, 900)
    try:
        open_page(driver, path.as_uri())
        opened = driver.execute_script(_LAYOUT)
        screenshot(driver, f"explore-layout-{width}.png")
        driver.execute_script("document.querySelector('button[title^=fit]').click()")
        fitted = driver.execute_script(_LAYOUT)
        assert opened["whole"] and fitted["whole"], (opened, fitted)
        assert min(opened["smallest"], fitted["smallest"]) >= 9  # px
    finally:
        driver.quit()


def test_fit_never_shrinks_a_large_graph_below_readable_text(tmp_path):
    y = Value(0.5, label="x")
    for _ in range(40):
        y = (y * 1.01).tanh()
    path = explore(y).save(tmp_path / "chain.html").resolve()
    driver = browser(1000, 800)
    try:
        open_page(driver, path.as_uri())
        driver.execute_script("document.querySelector('button[title^=fit]').click()")
        fitted = driver.execute_script(_LAYOUT)
        screenshot(driver, "explore-layout-large-fit.png")
        assert not fitted["whole"] and fitted["smallest"] >= 9  # panned, not shrunk
    finally:
        driver.quit()
