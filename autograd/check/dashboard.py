"""A class view of graded engines: one self-contained HTML page, and the same table as CSV.

The page has a bar chart of the bug classes (how many submissions show each), the
submissions with their scores and classes, and a re-teach note per class found, all
from the grader's JSON (``autograd.check.grade``). No script, no file beside it.
"""

from __future__ import annotations

import csv
import html
from pathlib import Path
from typing import Any

from autograd.check.slips import SLIPS

__all__ = ["class_counts", "dashboard_html", "table_rows", "write_csv", "write_dashboard"]

_HEADERS = ("submission", "score", "max_score", "bug_classes", "error")
_STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1000px}
h1{font-size:20px;margin:0 0 4px} h2{font-size:16px;margin:24px 0 8px}
table{border-collapse:collapse}
td,th{padding:3px 10px;border-bottom:1px solid #ddd;text-align:left}
td.n{text-align:right;white-space:nowrap}
.tag{display:inline-block;background:#eef;border-radius:3px;padding:0 5px;margin:1px}
.bad{background:#fdd} .full{color:#070} dt{font-weight:bold;margin-top:6px} dd{margin:0 0 0 16px}
svg text{font:12px system-ui,sans-serif}
"""


def class_counts(results: dict[str, Any]) -> dict[str, int]:
    """How many submissions show each bug class, most common first."""
    counts: dict[str, int] = {}
    for entry in results["submissions"]:
        for name in entry["bug_classes"]:
            counts[name] = counts.get(name, 0) + 1
    order = list(SLIPS)
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], order.index(kv[0]))))


def table_rows(results: dict[str, Any]) -> list[tuple[str, float, float, str, str]]:
    """One row per submission, by score then name."""
    entries = sorted(results["submissions"], key=lambda e: (e["score"], e["submission"]))
    return [
        (e["submission"], e["score"], e["max_score"], " ".join(e["bug_classes"]), e["error"] or "")
        for e in entries
    ]


def write_csv(results: dict[str, Any], path: str | Path) -> None:
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(_HEADERS)
        writer.writerows(table_rows(results))


def _chart(counts: dict[str, int], total: int) -> str:
    """Horizontal bars: one per bug class, the commonest the longest."""
    if not counts:
        return "<p>No bug class found: every engine passed.</p>"
    label_w, bar_w, row_h = 150, 420, 26
    height = row_h * len(counts) + 10
    bars = []
    for i, (name, n) in enumerate(counts.items()):
        y = 5 + i * row_h
        width = max(2, bar_w * n / max(counts.values()))
        bars.append(
            f'<text x="{label_w - 8}" y="{y + 16}" text-anchor="end">{html.escape(name)}</text>'
            f'<rect x="{label_w}" y="{y + 3}" width="{width:.1f}" height="{row_h - 8}" '
            'fill="#4a6fd1">'
            f"<title>{html.escape(SLIPS[name].words)}</title></rect>"
            f'<text x="{label_w + width + 6:.1f}" y="{y + 16}">{n} of {total}</text>'
        )
    return (
        f'<svg width="{label_w + bar_w + 80}" height="{height}" role="img" '
        f'aria-label="submissions per bug class">{"".join(bars)}</svg>'
    )


def dashboard_html(results: dict[str, Any]) -> str:
    """The whole page."""
    total = len(results["submissions"])
    counts = class_counts(results)
    full = sum(e["score"] == e["max_score"] for e in results["submissions"])
    rows = []
    for name, got, out_of, classes, error in table_rows(results):
        tags = "".join(f'<span class="tag">{html.escape(c)}</span>' for c in classes.split())
        mark = "full" if got == out_of else "bad" if got == 0 else ""
        rows.append(
            f'<tr><td>{html.escape(name)}</td><td class="n {mark}">{got:g} / {out_of:g}</td>'
            f"<td>{tags or '—'}</td><td>{html.escape(error)}</td></tr>"
        )
    notes = "".join(
        f"<dt>{html.escape(name)} ({n})</dt><dd>{html.escape(SLIPS[name].words)}. "
        f"<i>Re-teach:</i> {html.escape(SLIPS[name].reteach)}</dd>"
        for name, n in counts.items()
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>chainrule grades: {total} submissions</title><style>{_STYLE}</style></head><body>"
        f"<h1>{total} submissions graded</h1>"
        f"<p>{full} with full marks; timeout {results['timeout']:g} s per probe; "
        f"hints: {html.escape(results['hints'])}.</p>"
        f"<h2>Bug classes across the class</h2>{_chart(counts, total)}"
        "<h2>Submissions</h2><table><tr><th>submission</th><th>score</th>"
        f"<th>bug classes</th><th>error</th></tr>{''.join(rows)}</table>"
        f"<h2>What to re-teach</h2><dl>{notes or '<p>Nothing: no bug class found.</p>'}</dl>"
        "</body></html>"
    )


def write_dashboard(results: dict[str, Any], path: str | Path) -> None:
    Path(path).write_text(dashboard_html(results), encoding="utf-8")
