"""Helpers for the pages the viz package writes."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from viz.animate import GRAPHVIZ, front_end


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


def click(driver, node_id: str) -> None:
    """A click event on the diagram's node ``node_id`` (as a tap gives: it may lie outside
    the view)."""
    driver.execute_script(
        "arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true}))",
        driver.find_element("css selector", f"g#{node_id}"),
    )


WIDGET_HOST = """<!DOCTYPE html><html><head><meta charset="utf-8"><style>%s</style></head><body>
<div id="host"></div>
<script type="application/json" id="module">%s</script>
<script type="application/json" id="state">%s</script>
<script type="module">
// a stand-in for anywidget's model: get/set/on/off/save_changes/send
class Model {
  constructor(values) { this.values = values; this.handlers = {}; this.sent = []; this.saved = 0; }
  get(key) { return this.values[key]; }
  set(key, value) {
    this.values[key] = value;
    (this.handlers["change:" + key] || []).forEach(f => f());
  }
  on(name, f) { (this.handlers[name] = this.handlers[name] || []).push(f); }
  off(name, f) { this.handlers[name] = (this.handlers[name] || []).filter(g => g !== f); }
  save_changes() { this.saved += 1; }
  send(message) { this.sent.push(message); }
}
const source = JSON.parse(document.getElementById("module").textContent);
const url = URL.createObjectURL(new Blob([source], {type: "text/javascript"}));
const widget = (await import(url)).default;
window.model = new Model({state: JSON.parse(document.getElementById("state").textContent),
                          position: 0, error: "", sample: 0});
window.cleanup = widget.render({model: window.model, el: document.getElementById("host")});
window.ready = true;
</script></body></html>
"""


def widget_page(folder: Path, state: dict) -> Path:
    """A page hosting the explorer's anywidget module on ``state``, with a stand-in model
    (``window.model``: its sent messages and saves), no Jupyter server."""

    def as_json(value: object) -> str:
        return json.dumps(value, ensure_ascii=False).replace("</", "<\\/")

    script, style = front_end()
    page = folder / "widget.html"
    page.write_text(WIDGET_HOST % (style, as_json(script), as_json(state)), encoding="utf-8")
    return page
