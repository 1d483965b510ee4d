"""A budget of executed lines: how a hang is stopped where no process can be killed.

In the browser (Pyodide) there are no processes, so ``check_engine`` and the lab bound
a learner's code by the lines it runs (``sys.settrace``) rather than by a clock: a hang
is named, and Python lives on. A call blocked inside C cannot be stopped this way (the
lab's page then terminates the Web Worker that runs Python).
"""

from __future__ import annotations

import dis
import sys
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["OutOfLines", "within_lines"]

T = TypeVar("T")


class OutOfLines(BaseException):
    """Raised past the budget (not an Exception: their ``except Exception`` lets it pass)."""


def _protected(code: Any) -> list[tuple[int, int]]:
    """The byte ranges of ``code`` that a ``try`` (or ``with``) guards: from Python 3.11's
    exception table, or before it from each SETUP_FINALLY/SETUP_WITH and its handler."""
    table = getattr(dis, "_parse_exception_table", None)
    if table is not None:
        return [(entry.start, entry.end) for entry in table(code)]
    setups = ("SETUP_FINALLY", "SETUP_WITH", "SETUP_ASYNC_WITH")
    return [(i.offset, i.argval) for i in dis.get_instructions(code) if i.opname in setups]


def _in_a_try(frame: Any, outer: Any, ranges: dict[Any, list[tuple[int, int]]]) -> bool:
    """Whether an exception raised in ``frame`` now would be caught before ``outer``: a
    caught OutOfLines would switch tracing off (CPython unsets a trace function that raises)."""
    while frame is not None and frame.f_code is not outer:
        code = frame.f_code
        if code not in ranges:
            ranges[code] = _protected(code)
        if any(start <= frame.f_lasti < end for start, end in ranges[code]):
            return True
        frame = frame.f_back
    return False


def within_lines(work: Callable[[], T], lines: int) -> T:
    """``work()`` with every executed line counted; OutOfLines once past ``lines``, raised
    where no ``try`` of theirs catches it (or, failing that, past twice ``lines``)."""
    count, outer = 0, sys._getframe().f_code
    ranges: dict[Any, list[tuple[int, int]]] = {}  # each code's guarded ranges, read once

    def tracer(frame: Any, event: str, arg: Any) -> Any:
        nonlocal count
        count += 1
        if count > lines and (count > 2 * lines or not _in_a_try(frame, outer, ranges)):
            raise OutOfLines
        return tracer

    before = sys.gettrace()
    sys.settrace(tracer)
    try:
        return work()
    finally:
        sys.settrace(before)
