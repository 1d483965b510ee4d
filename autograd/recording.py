"""Whether ops record their parents: ``no_grad`` and ``is_recording``, as PyTorch's grad_mode.

Recording is per thread and per asyncio task: a ContextVar holds the ``no_grad`` block in
force here (None: none). Reading it costs every node a call, so the hot path first reads
``paused``, the number of blocks open anywhere: while it is 0, which is nearly always,
every context records and nothing else is read. ``autograd.value`` reads it as a global
of its own, ``_paused`` (the cheapest read), which ``share_paused`` keeps equal to ours:
``if not _paused or records_here()``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

__all__ = [
    "forced_recording",
    "is_recording",
    "no_grad",
    "records_here",
    "share_paused",
]


class _Pause:
    """One ``no_grad`` block; ``open`` until it ends (a task started inside it
    holds it too, and records again once the block ends)."""

    __slots__ = ("open",)

    def __init__(self) -> None:
        self.open = True


_PAUSE: ContextVar[_Pause | None] = ContextVar("chainrule_no_grad", default=None)
paused = 0  # no_grad blocks open in all threads and tasks (read-only outside this module)
_paused_lock = threading.Lock()
_shared: list[dict[str, Any]] = []  # namespaces whose _paused is kept equal to paused


def share_paused(namespace: dict[str, Any]) -> Callable[[], None]:
    """Keep ``namespace["_paused"]`` equal to ``paused`` from now on (a module's globals),
    until the function returned is called."""
    with _paused_lock:
        namespace["_paused"] = paused
        _shared.append(namespace)

    def stop() -> None:
        with _paused_lock:
            _shared[:] = [shared for shared in _shared if shared is not namespace]

    return stop


def _count_pause(step: int) -> None:
    global paused
    with _paused_lock:
        paused += step
        for namespace in _shared:
            namespace["_paused"] = paused


def records_here() -> bool:
    """True unless a ``no_grad`` block is open in this thread or task (ignores ``paused``)."""
    pause = _PAUSE.get()
    return pause is None or not pause.open


def is_recording() -> bool:
    """False inside a ``no_grad()`` block of this thread or task."""
    return not paused or records_here()


@contextmanager
def no_grad() -> Iterator[None]:
    """Within this block, ops record no parents: results are new leaves.

    It holds in this thread or asyncio task only (and in tasks started inside it,
    while it lasts); other threads keep recording.
    """
    pause = _Pause()
    _count_pause(1)
    token = _PAUSE.set(pause)
    try:
        yield
    finally:
        _PAUSE.reset(token)
        pause.open = False
        _count_pause(-1)


@contextmanager
def forced_recording(on: bool = True) -> Iterator[None]:
    """Record within this block in this context, inside ``no_grad`` too, if ``on``
    (create_graph's chain rule, and checks that rebuild a node's rule on Values)."""
    if not on:
        yield
        return
    token = _PAUSE.set(None)
    try:
        yield
    finally:
        _PAUSE.reset(token)
