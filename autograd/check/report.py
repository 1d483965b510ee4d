"""The base every check's report shares: truthy when nothing failed, printed as a title, a
table and notes, shown in a notebook as the same in HTML.

A report gives ``failures``, ``title()``, ``headers``, ``table()`` and ``notes()``;
``table_first`` prints the table above the title (gradcheck's layout). The ``html_*``
hooks default to the text's parts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from autograd.explain.display import html_table, pre
from autograd.explain.text import format_table

__all__ = ["Report"]


class Report:
    """A check's result: ``bool(report)`` is True when ``failures`` is empty."""

    headers: tuple[str, ...] = ()
    table_first = False

    @property
    def failures(self) -> list[Any]:
        """The rows that did not pass (a report whose rows carry ``ok``)."""
        return [row for row in self.rows if not row.ok]

    def __bool__(self) -> bool:
        return not self.failures

    def title(self) -> str:
        """One line: what was checked and the verdict."""
        raise NotImplementedError

    def table(self) -> Sequence[Sequence[object]]:
        """The rows under ``headers`` (none: the report is its title and notes)."""
        return []

    def notes(self) -> list[str]:
        """Lines under the table: findings, diagnoses."""
        return []

    def __str__(self) -> str:
        rows = self.table()
        parts = [format_table(self.headers, rows)] if self.headers and rows else []
        title = [self.title()]
        parts = [*parts, *title] if self.table_first else [*title, *parts]
        return "\n".join([*parts, *self.notes()])

    def html_title(self) -> str:
        return self.title()

    def html_rows(self) -> Sequence[Sequence[object]]:
        return self.table()

    def html_notes(self) -> list[str]:
        return self.notes()

    def _repr_html_(self) -> str:
        if not self.headers:
            return pre(str(self))
        return html_table(self.html_title(), self.headers, self.html_rows(), self.html_notes())
