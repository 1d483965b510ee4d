"""Which processes are alive: a test's own children, or those carrying an environment tag.
psutil where it is installed, else Linux's /proc."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

try:
    import psutil
except ImportError:
    psutil = None


def _proc() -> Path:
    proc = Path("/proc")
    if not (proc / "self" / "stat").exists():
        pytest.skip("neither psutil nor /proc: no way to list processes here")
    return proc


def _stat(pid: str) -> tuple[int, str]:
    """(parent pid, state) from /proc/<pid>/stat."""
    text = (Path("/proc") / pid / "stat").read_text()
    state, parent = text.rsplit(")", 1)[1].split()[:2]
    return int(parent), state


def children() -> list[int]:
    """Pids of this process's living descendants (zombies count as gone)."""
    if psutil is not None:
        found = psutil.Process().children(recursive=True)
        return [p.pid for p in found if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    parents: dict[int, tuple[int, str]] = {}
    for entry in _proc().iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = _stat(entry.name)
            except (OSError, ValueError):
                continue
    mine, grew = {os.getpid()}, True
    while grew:
        more = {pid for pid, (ppid, _) in parents.items() if ppid in mine} - mine
        mine |= more
        grew = bool(more)
    return sorted(pid for pid in mine - {os.getpid()} if parents[pid][1] != "Z")


def tagged(name: str, value: str) -> list[int]:
    """Pids of living processes whose environment holds ``name=value``."""
    needle = f"{name}={value}".encode()
    found = []
    for entry in _proc().iterdir() if psutil is None else ():
        try:
            if entry.name.isdigit() and needle in (entry / "environ").read_bytes().split(b"\0"):
                found.append(int(entry.name))
        except OSError:
            continue
    if psutil is not None:
        for process in psutil.process_iter():
            try:
                if process.environ().get(name) == value:
                    found.append(process.pid)
            except (psutil.AccessDenied, psutil.NoSuchProcess, psutil.ZombieProcess):
                continue
    return found
