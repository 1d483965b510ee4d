"""HTML for notebooks: what a learner evaluates in a cell shows as a line, a table or a plot.

Every text put into a page (labels, rules, messages) goes through ``html.escape``;
numbers are written as the text views write them (``autograd.explain.text.num``).
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence

from autograd.explain.describe import substitute
from autograd.explain.text import grad_of, num
from autograd.graph import parents_of
from autograd.value import Value

__all__ = ["html_table", "line_chart", "pre", "value_html"]

_PAD = "padding:1px 8px"
_FAIL = f' style="{_PAD};color:#b00020;font-weight:bold"'
_NUMBER = f' style="{_PAD};text-align:right"'
_TEXT = f' style="{_PAD};text-align:left"'


def esc(text: object) -> str:
    """``text`` as HTML text: ``<``, ``>``, ``&`` and quotes escaped."""
    return html.escape(str(text))


def pre(text: str) -> str:
    """Monospaced lines, escaped: a step's arithmetic, a table's text."""
    return f'<pre style="margin:0.2em 0">{esc(text)}</pre>'


def html_table(
    title: str, headers: Sequence[str], rows: Iterable[Sequence[object]], findings: Iterable[str]
) -> str:
    """A titled table with a list of findings under it; numbers right-aligned, FAIL red."""
    head = "".join(f"<th{_TEXT}>{esc(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(_cell(c) for c in row) + "</tr>" for row in rows)
    notes = "".join(f"<li>{esc(line)}</li>" for line in findings)
    return f"<p><b>{esc(title)}</b></p><table><tr>{head}</tr>{body}</table>" + (
        f"<ul>{notes}</ul>" if notes else ""
    )


def _cell(c: object) -> str:
    if isinstance(c, int) and not isinstance(c, bool):
        return f"<td{_NUMBER}>{c}</td>"
    if c is None or isinstance(c, float):
        return f"<td{_NUMBER}>{esc(num(c))}</td>"
    return f"<td{_FAIL if c == 'FAIL' else _TEXT}>{esc(c)}</td>"


def value_html(v: Value) -> str:
    """One line: ``Value c = a * b   data -6.0   grad 0.0``, with the op's formula in names.

    An input without a label is written as its number, so no name is made up.
    """
    named = {p: p.label or num(p.data) for p in parents_of(v)}
    named[v] = v.label or "out"
    if v.is_leaf:
        what = f"Value {v.label} (leaf)" if v.label else "Value (leaf)"
    else:
        op = v.op_spec
        formula = substitute(op.formula, op, None, v, parents_of(v), named)
        what = f"Value {v.label} = {formula}" if v.label else f"Value = {formula}"
    return (
        f"<code>{esc(what)}</code> &nbsp; data <b>{esc(repr(v.data))}</b>"
        f" &nbsp; grad <b>{esc(repr(grad_of(v)))}</b>"
    )


# -- a line chart, drawn by hand so it needs no plotting library ------------------------

WIDTH, HEIGHT = 320, 190
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 26, 34


def chart_range(ys: Sequence[float], floor: float | None = None) -> tuple[float, float]:
    """The y range drawn: from ``floor`` (or the smallest y) up to the largest y."""
    low = min(ys) if floor is None else min(floor, *ys)
    high = max(ys)
    if high == low:
        pad = abs(high) * 0.1 or 1.0
        return low - pad, high + pad
    return low, high


def line_chart(
    title: str, ys: Sequence[float], *, low: float, high: float, xlabel: str = "epoch"
) -> str:
    """An SVG chart of ``ys`` against 1..n, the y axis from ``low`` (bottom) to ``high`` (top)."""
    n = len(ys)
    x0, x1, y0, y1 = LEFT, WIDTH - RIGHT, HEIGHT - BOTTOM, TOP

    def x(i: int) -> float:
        return (x0 + x1) / 2 if n == 1 else x0 + (x1 - x0) * i / (n - 1)

    def y(v: float) -> float:
        return y0 + (y1 - y0) * (v - low) / (high - low)

    points = " ".join(f"{x(i):.2f},{y(v):.2f}" for i, v in enumerate(ys))
    dots = (
        "".join(f'<circle cx="{x(i):.2f}" cy="{y(v):.2f}" r="2.5"/>' for i, v in enumerate(ys))
        if n <= 30
        else ""
    )
    text = 'font-family="Arial, sans-serif" font-size="11"'
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img"><title>{esc(title)}</title>'
        f'<text x="{x0}" y="16" {text} font-weight="bold">{esc(title)}</text>'
        f'<path d="M{x0},{y1} V{y0} H{x1}" fill="none" stroke="#888"/>'
        f'<text x="{x0 - 4}" y="{y1 + 4}" {text} text-anchor="end">{esc(num(high))}</text>'
        f'<text x="{x0 - 4}" y="{y0 + 4}" {text} text-anchor="end">{esc(num(low))}</text>'
        f'<text x="{x0}" y="{y0 + 15}" {text}>1</text>'
        f'<text x="{x1}" y="{y0 + 15}" {text} text-anchor="end">{n}</text>'
        f'<text x="{(x0 + x1) / 2}" y="{y0 + 28}" {text} text-anchor="middle">'
        f"{esc(xlabel)}</text>"
        f'<polyline points="{points}" fill="none" stroke="#1f5fbf" stroke-width="1.8"/>'
        f'<g fill="#1f5fbf">{dots}</g></svg>'
    )
