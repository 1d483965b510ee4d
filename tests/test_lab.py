"""The chainrule Lab: its Python side (viz/lab/session.py) here, then the whole site in
headless Chromium with Pyodide's core from npm, served from 127.0.0.1 with every other
host unreachable."""

from __future__ import annotations

import json
import math
import os
import re
import socket
import subprocess
import sys
import time
import zipfile

import pytest

from tests.browser import CHROMIUM, DRIVER, browser, screenshot
from tests.fetch_pyodide import VERSION, pyodide_core
from tests.learner_engines import engine_source
from viz.lab import PYODIDE_CDN, build_lab
from viz.lab.build import LIMITS, main
from viz.lab.exercises import EXERCISES, STARTER
from viz.lab.session import Session

TEST_LIMITS = {"cell_limit": 5, "check_limit": 10}

TRAINING = """import random
import nn
random.seed(0)
model = nn.MLP(2, [4, 1])
sgd = nn.SGD(model.parameters(), lr=0.05)
xs, ys = [[1.0, 2.0], [-1.0, 0.5], [0.3, -0.7]], [1.0, -1.0, 1.0]
losses = []
for _ in range(50):
    loss = nn.mse([model(x) for x in xs], ys)
    sgd.zero_grad()
    loss.backward()
    sgd.step()
    losses.append(loss.data)
print(losses[0], losses[-1])
"""
HANGING = engine_source().replace(
    "    def backward(self):\n", "    def backward(self):\n        while True:\n            pass\n"
)


def test_a_cell_prints_and_shows_its_last_expression():
    session = Session()
    assert session.run("x = 6\nprint('x is', x)\nx * 7") == "x is 6\n42\n"
    assert session.run("x + 1") == "7\n"  # the namespace persists between cells


def test_a_cells_error_is_its_own_traceback_only():
    said = Session().run("def f(v):\n    return 1 / v\n\nf(0)")
    assert said.startswith("Traceback (most recent call last):")
    assert 'File "<cell 1>", line 4' in said and 'File "<cell 1>", line 2, in f' in said
    assert said.rstrip().endswith("ZeroDivisionError: division by zero")
    assert "session.py" not in said


def test_input_in_a_cell_says_there_is_nothing_to_type_into():
    said = Session().run("name = input('your name? ')")
    assert "EOFError: input('your name? '): a cell cannot ask for typed input" in said


def test_check_names_a_bug_by_its_class_and_passes_a_correct_engine():
    session = Session()
    right = json.loads(session.check(engine_source()))
    assert right["ok"] and right["bug_classes"] == [] and right["probes"]
    assert all(p["verdict"] in ("ok", "skipped") for p in right["probes"])
    wrong = json.loads(session.check(engine_source(assign=True)))
    assert not wrong["ok"] and "assign" in wrong["bug_classes"]
    failing = [p for p in wrong["probes"] if p["verdict"] == "FAIL"]
    assert failing and all(p["hint"] and p["numbers"] for p in failing)
    assert "check_engine(Value)" in wrong["text"]


def test_check_refuses_what_is_no_engine():
    session = Session()
    syntax = json.loads(session.check("class Value(:\n"))
    assert syntax["bug_classes"] == ["syntax"] and "line 1" in syntax["text"]
    missing = json.loads(session.check("x = 1\n"))
    assert missing["bug_classes"] == ["exception"] and "no class named Value" in missing["text"]


def test_an_engine_module_that_never_finishes_loading_is_named_hang():
    started, tracing = time.perf_counter(), sys.gettrace()
    stuck = json.loads(Session().check(engine_source() + "\nwhile True:\n    pass\n"))
    assert stuck["bug_classes"] == ["hang"] and "top level" in stuck["text"]
    assert time.perf_counter() - started < 30
    assert sys.gettrace() is tracing  # the counter is gone


def test_a_checked_engine_is_importable_from_the_cell():
    session = Session()
    json.loads(session.check(engine_source()))
    said = session.run(EXERCISES[-1]["code"])
    shown, a_grad, b_grad = said.rsplit(maxsplit=2)
    assert shown.startswith("<my_engine.Value object")  # the learner's class, not chainrule's
    # a*b + tanh(a) at a=2, b=-3: ∂/∂a = b + 1 - tanh²(2), ∂/∂b = a
    assert float(a_grad) == pytest.approx(-3 + 1 - math.tanh(2) ** 2, rel=1e-12)
    assert float(b_grad) == 2.0


def test_explore_returns_the_state_and_edits_it():
    session = Session()
    answer = json.loads(session.explore(EXERCISES[3]["code"], "L"))
    assert answer["output"].startswith("dL/da = 6.0") and answer["state"]["dot"]
    names = answer["state"]["names"]
    leaf = next(k for k, n in names.items() if n == "a")
    edited = json.loads(session.edit(leaf, 3.0))
    assert edited["state"]["data"][leaf] == "3.0"
    assert "is not defined" in json.loads(session.explore("", "nothing"))["error"]
    assert "is a int" in json.loads(session.explore("k = 3", "k"))["error"]


def test_the_site_holds_chainrule_its_dependencies_and_the_page(tmp_path):
    index = build_lab(tmp_path / "site")
    site = index.parent
    assert json.loads((site / "lab.json").read_text())["pyodide"] == PYODIDE_CDN
    assert json.loads((site / "lab.json").read_text())["starter"] == STARTER
    names = set(zipfile.ZipFile(site / "python.zip").namelist())
    assert {"autograd/value.py", "nn/layers.py", "viz/lab/session.py"} <= names
    assert {"graphviz/__init__.py", "tqdm/__init__.py"} <= names
    assert any(n.startswith("licenses/graphviz-") for n in names)
    assert not [n for n in names if n.endswith((".so", ".c", ".pyc"))]
    assert "Viz.instance" in (site / "explorer.mjs").read_text()
    assert not (site / "pyodide").exists()  # the CDN: nothing copied


def test_a_teacher_sets_the_limits_and_a_bad_one_is_refused(tmp_path, capsys):
    assert json.loads((build_lab(tmp_path / "a").parent / "lab.json").read_text())["limits"] == {
        "cell": LIMITS["cell"],
        "check": LIMITS["check"],
    }
    main([str(tmp_path / "b"), "--cell-limit", "3", "--check-limit", "60"])
    assert json.loads((tmp_path / "b" / "lab.json").read_text())["limits"] == {
        "cell": 3,
        "check": 60,
    }
    with pytest.raises(ValueError, match="check_limit must be a number of seconds from 1"):
        build_lab(tmp_path / "c", check_limit=0)
    with pytest.raises(SystemExit) as stopped:
        main([str(tmp_path / "d"), "--cell-limit", "0.5"])
    assert stopped.value.code == 2
    assert "cell_limit must be a number of seconds" in capsys.readouterr().err


def test_a_folder_that_is_not_pyodide_is_refused_by_name(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="lacks pyodide.mjs, pyodide.asm.mjs"):
        build_lab(tmp_path / "site", tmp_path / "empty")
    done = subprocess.run(
        [sys.executable, "-m", "viz", "lab", str(tmp_path / "site"), "--pyodide", "nowhere"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2 and "--pyodide nowhere: give a URL" in done.stderr


# -- the site in a browser -------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _offline_browser():
    """Headless Chromium that reaches no host but 127.0.0.1, logging every request."""
    driver = browser(
        1400,
        1000,
        '--host-resolver-rules="MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"',
        log_requests=True,
    )
    driver.set_script_timeout(120)
    return driver


def _settle(driver, expression: str) -> tuple[float, dict]:
    """Await a promise in the page: (seconds taken, ``{"v": value}`` or ``{"e": message}``)."""
    started = time.perf_counter()
    answer = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        f"Promise.resolve({expression}).then((v) => done({{v}}), (e) => done({{e: e.message}}));"
    )
    return time.perf_counter() - started, answer


def _call(driver, expression: str):
    """Await a chainruleLab promise in the page: (seconds taken, its value)."""
    took, answer = _settle(driver, expression)
    assert "e" not in answer, answer["e"]
    return took, answer["v"]


def _run(driver, code: str):
    return _call(driver, f"chainruleLab.run({json.dumps(code)})")[1]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The site built with Pyodide's core from npm, served from 127.0.0.1: its URL and
    the server's log of the requests it answered."""
    if not (CHROMIUM and DRIVER):
        pytest.skip("headless Chromium and chromedriver are not installed")
    pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
    core, why = pyodide_core()
    if core is None:
        if os.environ.get("CHAINRULE_REQUIRE_PYODIDE"):
            pytest.fail(f"CHAINRULE_REQUIRE_PYODIDE is set but {why}")
        pytest.skip(f"Pyodide {VERSION}'s core is not available: {why} (tests/fetch_pyodide.py)")
    # a teacher's limits, shorter than the defaults so the tests that wait them out are quick
    site = build_lab(tmp_path_factory.mktemp("lab") / "site", core, **TEST_LIMITS).parent
    port = _free_port()
    log = site.parent / "served.log"
    command = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"]
    with log.open("w") as written:  # the child keeps its own copy
        server = subprocess.Popen(
            [*command, "-d", str(site)],
            stdout=subprocess.DEVNULL,
            stderr=written,
        )
    try:
        for _ in range(50):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/", log
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture(scope="module")
def lab(served):
    return served[0]


def test_the_lab_runs_grades_and_explores_offline(lab, served):
    driver = _offline_browser()
    try:
        started = time.perf_counter()
        driver.get(lab)
        _call(driver, "window.chainruleLab.ready")
        ready = time.perf_counter() - started
        assert ready < 30, f"ready after {ready:.1f} s"

        _, printed = _call(driver, "chainruleLab.run('import autograd\\nprint(6 * 7)\\n2 ** 10')")
        assert printed == "42\n1024\n"
        _, printed = _call(driver, "chainruleLab.run('import numpy')")
        assert "ModuleNotFoundError" in printed  # Pyodide's core alone: no numpy
        _, printed = _call(driver, f"chainruleLab.run({json.dumps(TRAINING)})")
        first, last = map(float, printed.split())
        assert last < first / 2, printed  # nn's MLP learns with SGD, on floats

        source = json.dumps(engine_source())
        took, right = _call(driver, f"chainruleLab.check({source})")
        assert right["ok"] and right["bug_classes"] == [], right["text"]
        assert took < 10, f"checking a correct engine took {took:.1f} s"
        check_time = took

        _, wrong = _call(driver, f"chainruleLab.check({json.dumps(engine_source(sub_sign=True))})")
        assert not wrong["ok"] and "sign" in wrong["bug_classes"], wrong["text"]
        rows = driver.execute_script(
            "return [...document.querySelectorAll('#verdict tr.cr-lab-bad')].map(r => r.innerText)"
        )
        assert rows and any("a - b" in row and "sign" in row for row in rows), rows

        took, hanging = _call(driver, f"chainruleLab.check({json.dumps(HANGING)})")
        assert hanging["bug_classes"] == ["hang"], hanging["text"]
        hang_time = took
        stuck = json.dumps(engine_source() + "\nwhile True:\n    pass\n")
        _, loading = _call(driver, f"chainruleLab.check({stuck})")
        assert loading["bug_classes"] == ["hang"] and "top level" in loading["text"]

        code = json.dumps(EXERCISES[3]["code"])
        _, output = _call(driver, f"chainruleLab.explore({code}, 'L')")
        assert output.startswith("dL/da = 6.0")
        nodes = driver.execute_script(
            "return [...document.querySelectorAll('#explorer .cr-view svg g.node')].length"
        )
        assert nodes == 10  # 7 values and 3 ops, laid out in the page
        driver.execute_script(  # click the leaf a, then set it to 3 (Python edits its graph)
            "[...document.querySelectorAll('#explorer g.node')].find((g) =>"
            " g.textContent.includes('data 2.0')).dispatchEvent(new MouseEvent('click',"
            " {bubbles: true}))"
        )
        panel = "#explorer .cr-panel"
        # read through the page, not an element handle: the explorer redraws its panel
        # when the worker answers, and a handle taken before then goes stale
        read_panel = "const p = document.querySelector(arguments[0]); return p ? p.innerText : ''"
        assert "data 2.0" in driver.execute_script(read_panel, panel)
        box = driver.find_element("css selector", "#explorer .cr-edit input")
        box.clear()
        box.send_keys("3\n")
        from selenium.webdriver.support.wait import WebDriverWait

        WebDriverWait(driver, 10).until(lambda d: "data 3.0" in d.execute_script(read_panel, panel))
        screenshot(driver, "lab.png")
        driver.execute_script("document.getElementById('explorer').scrollIntoView()")
        screenshot(driver, "lab-explorer.png")
        requests = [
            json.loads(entry["message"])["message"]["params"]["request"]["url"]
            for entry in driver.get_log("performance")
            if '"Network.requestWillBeSent"' in entry["message"]
        ]
        assert requests and all(url.startswith((lab, "data:", "blob:")) for url in requests), [
            u for u in requests if not u.startswith(lab)
        ]
        # the worker's requests are not in the page's log: the server saw them come
        answered = served[1].read_text()
        for name in ("worker.mjs", "pyodide/pyodide.asm.wasm", "python.zip"):
            assert f'"GET /{name} HTTP/1.1" 200' in answered, name
    finally:
        driver.quit()
    print(
        f"\nready {ready:.1f} s, correct engine checked in {check_time:.1f} s, "
        f"hanging one in {hang_time:.1f} s"
    )


@pytest.fixture
def page(lab):
    """The lab in a fresh offline browser, its Python ready."""
    driver = _offline_browser()
    try:
        driver.get(lab)
        _call(driver, "window.chainruleLab.ready")
        yield driver
    finally:
        driver.quit()


def _text(driver, element_id: str) -> str:
    return driver.execute_script(f"return document.getElementById('{element_id}').textContent")


def _wait_for(driver, element_id: str, words: str, seconds: float) -> float:
    """Seconds until the element's text holds ``words``; fails after ``seconds``."""
    started = time.perf_counter()
    while words not in _text(driver, element_id):
        assert time.perf_counter() - started < seconds, _text(driver, element_id)
        time.sleep(0.05)
    return time.perf_counter() - started


def test_an_endless_cell_is_stopped_at_its_limit_and_python_starts_again(page):
    limit = page.execute_script("return chainruleLab.limits.cell")
    assert limit == TEST_LIMITS["cell_limit"]
    _run(page, "x = 5")
    took, answer = _settle(page, "chainruleLab.run('while True:\\n    pass')")
    said = answer["e"]
    assert f"ran longer than its {limit} s limit" in said and "variables" in said, said
    assert limit <= took < limit + 5, f"stopped after {took:.1f} s"
    assert _text(page, "output") == said  # the learner sees it where output goes
    screenshot(page, "lab-timed-out.png")
    restart, printed = _call(page, "chainruleLab.run('print(1 + 1)')")
    assert printed == "2\n"  # a fresh Python...
    assert "NameError: name 'x' is not defined" in _run(page, "x")  # ...without x
    print(f"\nan endless cell stopped after {took:.1f} s, Python again {restart:.1f} s later")


def test_recursion_and_memory_errors_leave_the_session_usable(page):
    _run(page, "y = 7")
    assert "RecursionError" in _run(page, "def f():\n    return f()\n\nf()")
    assert "MemoryError" in _run(page, "bytearray(2 ** 31 - 1)")
    assert "cannot ask for typed input" in _run(page, "input('n? ')")  # no prompt() here
    assert _run(page, "y") == "7\n"  # the same session: its variables kept
    nested = "a = []\nfor _ in range(10 ** 6):\n    a = [a]\nrepr(a)"
    _, answer = _settle(page, f"chainruleLab.run({json.dumps(nested)})")
    assert "deeper than the browser's stack allows" in answer["e"], answer  # Pyodide died
    assert _run(page, "print(y if 'y' in dir() else 'fresh')") == "fresh\n"


def test_stop_ends_a_running_cell_while_the_page_keeps_answering(page):
    page.execute_script("document.getElementById('cell').value = 'while True:\\n    pass'")
    page.find_element("id", "run").click()
    time.sleep(1.5)
    took, answer = _settle(page, "new Promise((done) => setTimeout(() => done(1), 20))")
    assert answer == {"v": 1} and took < 1, f"the page answered after {took:.1f} s"
    menu = page.find_element("id", "exercise")
    menu.find_elements("tag name", "option")[3].click()  # handled meanwhile
    assert page.find_element("id", "cell").get_property("value") == EXERCISES[3]["code"]
    ticking = re.fullmatch(r"the cell: (\d+) s of at most (\d+) s", _text(page, "status"))
    assert ticking and int(ticking[1]) >= 1, _text(page, "status")  # its clock ticks
    screenshot(page, "lab-running.png")
    page.find_element("id", "stop").click()
    stopped = _wait_for(page, "output", "You stopped the cell", 2)
    assert "variables" in _text(page, "output")
    assert page.find_element("id", "stop").get_property("disabled")
    screenshot(page, "lab-stopped.png")
    assert _run(page, "print(1 + 1)") == "2\n"
    screenshot(page, "lab-after-stop.png")
    print(f"\nstop answered {stopped:.2f} s after the click")


def test_a_check_whose_engine_never_loads_is_stopped_at_its_limit(page):
    limit = page.execute_script("return chainruleLab.limits.check")
    assert limit == TEST_LIMITS["check_limit"]
    # a loop in C: no line runs, so only the page's clock can end it
    stuck = json.dumps(engine_source() + "\nany(iter(int, 1))\n")
    page.execute_script(f"document.getElementById('engine').value = {stuck}")
    clicked = time.perf_counter()
    page.find_element("id", "check").click()
    time.sleep(1)
    assert f"the whole check at most {limit} s" in _text(page, "verdict")
    screenshot(page, "lab-checking.png")
    _wait_for(page, "verdict", "ran longer", limit + 5)
    took = time.perf_counter() - clicked
    assert f"The check ran longer than its {limit} s limit" in _text(page, "verdict")
    assert took >= limit, f"stopped after {took:.1f} s"
    screenshot(page, "lab-check-stopped.png")
    _, right = _call(page, f"chainruleLab.check({json.dumps(engine_source())})")
    assert right["ok"], right["text"]
