"""The backprop animation: a self-contained page, stepped through in headless Chromium."""

import os
import re
import shutil
from pathlib import Path

import pytest

from tests.helpers import small_graph
from viz import animate

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
ARTIFACTS = Path(os.environ.get("CHAINRULE_ARTIFACTS", "test-artifacts"))


def test_page_has_a_frame_per_step_and_loads_nothing(tmp_path):
    a, b, d = small_graph()
    page = Path(animate(d, tmp_path / "backprop.html")).read_text()
    assert page.count('class="frame"') == 1 + 5  # the start, then one per edge
    assert not re.search(r"<script[^>]+src|<link|<img|@import|url\(", page)
    assert "c.grad += ∂v3/∂c · v3.grad" in page
    # stepping all the way left the same gradients as backward
    a2, b2, d2 = small_graph()
    d2.backward()
    assert (a.grad, b.grad) == (a2.grad, b2.grad)


def _browser():
    if not (CHROMIUM and DRIVER) and os.environ.get("CHAINRULE_REQUIRE_BROWSER"):
        pytest.fail("CHAINRULE_REQUIRE_BROWSER is set but chromium/chromedriver are missing")
    if not (CHROMIUM and DRIVER):
        pytest.skip(
            "headless Chromium and chromedriver are not installed "
            "(Debian: apt install chromium chromium-driver); .ci/run installs them"
        )
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1400,700",
    ):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(DRIVER), options=options)


def test_stepping_through_the_animation_in_chromium(tmp_path):
    _, _, d = small_graph()
    path = Path(animate(d, tmp_path / "backprop.html")).resolve()
    browser = _browser()
    from selenium.webdriver.common.by import By

    def state():
        frame = browser.find_element(By.CSS_SELECTOR, ".frame:not([hidden])")
        current = [
            e.get_attribute("id") for e in frame.find_elements(By.CSS_SELECTOR, "g.node.current")
        ]
        updated = [
            e.get_attribute("id") for e in frame.find_elements(By.CSS_SELECTOR, "g.node.updated")
        ]
        return current, updated, browser.find_element(By.ID, "line").text

    try:
        browser.get(path.as_uri())
        assert state() == ([], [], "start: d.grad = 1")
        browser.find_element(By.ID, "next").click()
        current, updated, line = state()
        assert current == ["v4op", "v4"] or sorted(current) == ["v4", "v4op"]
        assert updated == ["v3"]
        assert line.startswith("v3.grad += ∂d/∂v3 · d.grad")
        browser.find_element(By.ID, "next").click()
        current2, updated2, line2 = state()
        assert sorted(current2) == ["v3", "v3op"] and updated2 == ["v2"]
        assert line2.startswith("c.grad += ∂v3/∂c") and line2 != line
        assert browser.find_element(By.ID, "counter").text == "step 2 of 5"
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        browser.save_screenshot(str(ARTIFACTS / "animation-step-2.png"))
        browser.find_element(By.ID, "prev").click()
        assert state()[2] == line
    finally:
        browser.quit()
