"""Run a learner's engine where it cannot hurt the caller: in a child process of its own.

``ship(cls)`` says how the child finds the class: by importing its module, or by
executing its source (a class from a notebook cell or a REPL cannot be imported by
name, so its source and the names it uses are sent). ``run_isolated`` starts
``python -m autograd.check.runner``, gives each probe ``timeout`` seconds of wall
clock and kills the child's whole process group when one runs over, or when the
child dies; the remaining probes then run in a fresh child.

Limits: POSIX gets a wall clock per probe and an address-space limit
(``RLIMIT_AS``); Windows gets the wall clock only (the child is killed; no memory
limit). Where there are no processes (Pyodide, ``sys.platform == "emscripten"``),
``run_in_process`` bounds each probe by a budget of executed lines (``sys.settrace``):
a hang is still named, but a call blocked inside C cannot be stopped there.
"""

from __future__ import annotations

import ast
import importlib.util
import inspect
import json
import linecache
import os
import queue
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autograd.check.lines import OutOfLines, within_lines
from autograd.check.probes import probes, run_probe
from autograd.check.runner import outcome_of, uses_forbidden

__all__ = ["CHILD_ENV", "Outcome", "processes_available", "run_in_process", "run_isolated", "ship"]

CHILD_ENV = "CHAINRULE_GRADER_CHILD"  # set in the child: check_engine refuses to nest there
HANG_BUDGET = 3  # an engine's hanging probes cost at most this many timeouts in all
START_GRACE = 15.0  # seconds for a child to start Python and import chainrule (loaded machines)
MAX_STARTS = 12  # children started for one engine, at most (each crash costs one)
STEPS_PER_SECOND = 2_000_000  # lines a probe may run per second of timeout, without processes


def processes_available() -> bool:
    """False in the browser (Pyodide), where no child process can be started."""
    return sys.platform not in ("emscripten", "wasi")


@dataclass
class Outcome:
    """What the child said: the load line, then one line per probe index."""

    load: dict[str, Any] = field(default_factory=dict)
    lines: dict[int, dict[str, Any]] = field(default_factory=dict)


# -- shipping the class --------------------------------------------------------------


def ship(cls: type) -> dict[str, Any]:
    """How the child finds ``cls``: ``{"module", "qualname"}`` or ``{"source", "filename",
    "qualname"}``; a ValueError says why when neither is possible."""
    where = f"check_engine: cannot send {cls.__name__} to the grading process"
    if "<locals>" in cls.__qualname__:
        raise ValueError(
            f"{where}: it is defined inside a function ({cls.__qualname__}). Define it at "
            "the top level of a module or a notebook cell"
        )
    module = sys.modules.get(cls.__module__)
    if module is None:
        raise ValueError(f"{where}: its module {cls.__module__!r} is not loaded")
    if _importable(module):
        return {"module": module.__name__, "qualname": cls.__qualname__}
    file = getattr(module, "__file__", None)
    text = "".join(linecache.getlines(file)) if file else ""
    if text and cls.__module__ != "__main__":
        return {"source": text, "filename": file, "qualname": cls.__qualname__}
    source = _class_source(cls, module)
    return {
        "source": source,
        "filename": f"<{cls.__name__} from {cls.__module__}>",
        "qualname": cls.__qualname__,
    }


def _importable(module: types.ModuleType) -> bool:
    """Whether a fresh process importing ``module``'s name gets the same file."""
    if module.__name__ == "__main__" or not getattr(module, "__file__", None):
        return False
    try:
        spec = importlib.util.find_spec(module.__name__)
    except (ImportError, ValueError):
        return False
    return spec is not None and spec.origin == module.__file__


def _class_source(cls: type, module: types.ModuleType) -> str:
    """The class's own source with what it needs from its module: imports, the
    functions and classes it names (their source), plain constants."""
    body = _source_of(cls)
    if body is None:
        raise ValueError(
            f"check_engine: cannot find the source of {cls.__name__} (defined in "
            f"{cls.__module__}). Save it in a .py file and pass that class, or grade the "
            "file with python -m autograd.grade FILE.py"
        )
    return "\n".join([*_needs(body, module, {cls.__name__}, 3), body])


def _source_of(obj: Any) -> str | None:
    try:
        return inspect.getsource(obj)
    except (OSError, TypeError):
        pass
    if not isinstance(obj, type):
        return None
    codes = [f.__code__ for f in vars(obj).values() if hasattr(f, "__code__")]
    for code in codes:  # a notebook cell: the cell's text is in linecache under its name
        lines = linecache.getlines(code.co_filename)
        if lines:
            return _def_in("".join(lines), obj.__name__)
    return None


def _def_in(text: str, name: str) -> str | None:
    """The top-level ``class name`` (or ``def name``) block in ``text``."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return None
    lines = text.splitlines()
    for node in tree.body:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef)) and node.name == name:
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            return "\n".join(lines[first - 1 : node.end_lineno])
    return None


def _needs(body: str, module: types.ModuleType, done: set[str], depth: int) -> list[str]:
    """Lines defining the module-level names ``body`` uses."""
    try:
        names = {n.id for n in ast.walk(ast.parse(body)) if isinstance(n, ast.Name)}
    except SyntaxError:
        return []
    found: list[str] = []
    for name in sorted(names - done):
        done.add(name)
        if name not in module.__dict__:  # a local, a builtin, or a name that fails in theirs too
            continue
        value = module.__dict__[name]
        if isinstance(value, types.ModuleType):
            found.append(f"import {value.__name__} as {name}")
        elif _literal(value):
            found.append(f"{name} = {value!r}")
        elif callable(value) and getattr(value, "__module__", None) not in (None, module.__name__):
            found.append(f"from {value.__module__} import {value.__qualname__} as {name}")
        elif callable(value) and depth > 0:
            text = _source_of(value)
            if text is not None:
                found += [*_needs(text, module, done, depth - 1), text]
    return found


def _literal(value: Any) -> bool:
    """Whether ``repr(value)`` reads back as the same value (numbers, strings, their
    lists and dicts)."""
    try:
        return ast.literal_eval(repr(value)) == value
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return False


# -- running in a child process ------------------------------------------------------


class _Child:
    """One runner process: send the job, read its lines against a clock, kill it. Only
    lines that start with the job's random token count: anything else on the stream was
    written by the learner's code, and is skipped."""

    def __init__(self, job: dict[str, Any]) -> None:
        self.token = secrets.token_hex(16).encode()
        home = str(Path(__file__).resolve().parents[2])
        env = {**os.environ, CHILD_ENV: "1", "PYTHONPATH": os.pathsep.join([home, *sys.path])}
        self.errors = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "autograd.check.runner"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.errors,
            env=env,
            start_new_session=os.name == "posix",
        )
        self.buffer = b""
        self.queue: queue.Queue[bytes] = queue.Queue()
        self.reader = None
        if os.name != "posix":  # no select() on Windows pipes: a reader thread, joined in close()
            self.reader = threading.Thread(target=self._pump, name="check_engine reader")
            self.reader.start()
        try:
            self.process.stdin.write(json.dumps({**job, "token": self.token.decode()}).encode())
            self.process.stdin.close()
        except OSError:  # it died before reading: read() will see the end
            pass

    def read(self, seconds: float) -> dict[str, Any] | str:
        """The next line as a dict, "timeout" after ``seconds``, or "ended"."""
        deadline = time.monotonic() + seconds
        out = self.process.stdout
        while True:
            while b"\n" not in self.buffer:
                left = deadline - time.monotonic()
                if left <= 0:
                    return "timeout"
                chunk = self._read_some(out, left)
                if chunk is None:
                    continue
                if not chunk:
                    return "ended"
                self.buffer += chunk
            line, self.buffer = self.buffer.split(b"\n", 1)
            if line.startswith(self.token):
                return json.loads(line[len(self.token) :])

    def died(self) -> dict[str, Any]:
        """How the child ended, after its output did: exit code and its last words."""
        code = self.process.wait()
        self.errors.seek(0, os.SEEK_END)
        self.errors.seek(max(0, self.errors.tell() - 2000))
        tail = self.errors.read().decode(errors="replace").strip().splitlines()[-1:]
        return {"crash": code, "stderr": tail[0] if tail else ""}

    def close(self) -> None:
        if self.process.poll() is None:
            try:
                if os.name == "posix":
                    os.killpg(self.process.pid, signal.SIGKILL)
                else:
                    self.process.kill()
            except (ProcessLookupError, PermissionError):
                pass
        self.process.wait()
        if self.reader is not None:
            self.reader.join()
        self.process.stdout.close()
        self.errors.close()

    def _pump(self) -> None:
        for chunk in iter(lambda: self.process.stdout.read1(65536), b""):
            self.queue.put(chunk)
        self.queue.put(b"")

    def _read_some(self, stream: Any, seconds: float) -> bytes | None:
        """Up to 64 KiB from ``stream`` within ``seconds`` (None: nothing yet)."""
        wait = min(seconds, 0.5)
        if self.reader is not None:
            try:
                return self.queue.get(timeout=wait)
            except queue.Empty:
                return None
        import select  # here, not at the top: browsers (Pyodide) run no child to select on

        ready, _, _ = select.select([stream], [], [], wait)
        return os.read(stream.fileno(), 65536) if ready else None


def run_isolated(
    job: dict[str, Any], indices: list[int], timeout: float, memory_mb: int
) -> Outcome:
    """Every probe in ``indices`` on the shipped class, each within ``timeout`` seconds."""
    outcome, pending = Outcome(), list(indices)
    wait, spent, starts, last = timeout, 0.0, 0, "crash"
    while pending:
        if spent >= HANG_BUDGET * timeout or starts >= MAX_STARTS:
            outcome.lines.update({i: {last: 0.0, "not_run": True} for i in pending})
            break
        starts += 1
        child = _Child({**job, "probes": pending, "memory_mb": memory_mb})
        try:
            load = child.read(timeout + START_GRACE)
            if load == "timeout":
                outcome.load = {"loaded": False, "hang": timeout + START_GRACE}
            elif load == "ended":
                outcome.load = {"loaded": False, **child.died()}
            else:
                outcome.load = load
            if not outcome.load.get("loaded"):
                return outcome
            while pending:
                line = child.read(wait)
                index = pending.pop(0)
                if isinstance(line, dict):
                    outcome.lines[index] = line
                    continue
                if line == "timeout":
                    outcome.lines[index] = {"hang": wait}
                    spent, wait, last = spent + wait, timeout / 10, "hang"
                else:
                    outcome.lines[index], last = child.died(), "crash"
                break
        finally:
            child.close()
    return outcome


# -- running in this process, bounded by steps ---------------------------------------


def run_in_process(cls: type, indices: list[int], timeout: float) -> Outcome:
    """The probes in this process, each bounded by ``timeout``·STEPS_PER_SECOND lines."""
    bad = uses_forbidden(cls)
    outcome = Outcome(load={"loaded": not bad, "forbidden": bad, "name": cls.__name__})
    every, steps, spent = probes(), int(timeout * STEPS_PER_SECOND), 0
    for index in indices if not bad else []:
        probe = every[index]
        if spent >= HANG_BUDGET * timeout * STEPS_PER_SECOND:
            outcome.lines[index] = {"hang": 0.0, "not_run": True}
            continue
        try:
            missing = [need for need in probe.needs if not hasattr(cls, need)]
            if missing:
                outcome.lines[index] = {"skipped": f"{cls.__name__} has no {missing[0]}"}
                continue
            outcome.lines[index] = within_lines(lambda p=probe: run_probe(cls, p), steps)
        except KeyboardInterrupt:
            raise
        except OutOfLines:
            outcome.lines[index] = {"hang": steps / STEPS_PER_SECOND, "steps": steps}
            spent, steps = spent + steps, max(1, steps // 10)
        except BaseException as err:  # their code, whatever it raised
            outcome.lines[index] = outcome_of(err)
    return outcome
