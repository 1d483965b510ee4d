"""Headless Chromium for the front-end tests (Debian's chromium and chromium-driver)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
ARTIFACTS = Path(os.environ.get("CHAINRULE_ARTIFACTS", "test-artifacts"))


def browser(width: int = 1400, height: int = 900, *flags: str, log_requests: bool = False):
    """A headless Chromium of that window size, with any further ``flags``; skips (or fails
    on CI) when missing. ``log_requests``: the performance log keeps every request."""
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
        f"--window-size={width},{height}",
        *flags,
    ):
        options.add_argument(flag)
    if log_requests:
        options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    return webdriver.Chrome(service=Service(DRIVER), options=options)


def screenshot(driver, name: str) -> Path:
    """Save a screenshot under test-artifacts/ and return its path."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    driver.save_screenshot(str(path))
    return path
