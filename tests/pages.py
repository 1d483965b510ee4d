"""Helpers for the pages the viz package writes."""

from __future__ import annotations

from importlib import resources

from viz.animate import GRAPHVIZ


def without_graphviz(page: str) -> str:
    """The page less the vendored Graphviz (its WebAssembly holds strings such as
    ``url(``), so a test can check that chainrule's own markup loads nothing."""
    vendored = (resources.files("viz") / "static" / GRAPHVIZ).read_text(encoding="utf-8")
    assert page.count(vendored) == 1, "the page should inline Graphviz exactly once"
    return page.replace(vendored, "")


def open_page(driver, url: str, timeout: float = 20) -> None:
    """Open an animation or explorer page and wait until its graph is drawn: the page
    lays it out after loading (Graphviz's WebAssembly compiles asynchronously)."""
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(url)
    WebDriverWait(driver, timeout).until(
        lambda d: d.execute_script("return !!document.querySelector('.cr-app .cr-view svg g')")
    )
