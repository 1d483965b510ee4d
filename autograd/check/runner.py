"""The child process that runs a learner's engine: ``python -m autograd.check.runner``.

It reads one job (JSON) on stdin: where the class is (an importable module, or source
text to execute), which probes to run, and the memory limit. It limits its own
address space (POSIX), sends everything the learner's code prints to /dev/null, and
writes one JSON line per event on its original stdout: ``{"loaded": ...}`` once, then
one line per probe. The parent (``autograd.check.sandbox``) holds the clock and kills
this process when a probe runs out of time.
"""

from __future__ import annotations

import importlib
import json
import linecache
import os
import sys
import types
from typing import IO, Any

from autograd.check.probes import probes, run_probe

__all__ = ["FORBIDDEN", "load_class", "main", "outcome_of", "uses_forbidden"]

FORBIDDEN = ("autograd", "torch", "jax", "micrograd", "tinygrad")
"""Packages whose engines a learner may not use (import or subclass) in a submission."""


def _limit_memory(megabytes: int) -> None:
    try:
        import resource
    except ImportError:  # Windows: no address-space limit (see autograd.check.sandbox)
        return
    size = megabytes * 2**20
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        size = min(size, hard)
    try:
        resource.setrlimit(resource.RLIMIT_AS, (size, hard))
    except (ValueError, OSError):  # macOS refuses some address-space limits: the clock still holds
        pass


def _silence() -> IO[str]:
    """Point fds 1 and 2 at /dev/null (their prints cost nothing, block nothing) and
    return a stream on the original stdout for the results."""
    results = os.fdopen(os.dup(1), "w", encoding="utf-8")
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.dup2(null, 2)
    os.close(null)
    return results


def load_class(job: dict[str, Any]) -> type:
    """The learner's class: imported by module name, or executed from source text."""
    if job.get("module"):
        found: Any = importlib.import_module(job["module"])
    else:
        filename, source = job["filename"], job["source"]
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        found = types.ModuleType("__learner__")
        found.__file__ = filename
        sys.modules["__learner__"] = found
        exec(compile(source, filename, "exec"), found.__dict__)  # their code, in this child
    for part in job["qualname"].split("."):
        try:
            found = getattr(found, part)
        except AttributeError:
            raise LookupError(
                f"defines no class named {job['qualname']!r} (the grader's --class names another)"
            ) from None
    if not isinstance(found, type):
        raise LookupError(f"{job['qualname']!r} is a {type(found).__name__}, not a class")
    return found


def uses_forbidden(cls: type) -> str:
    """The forbidden library ``cls`` subclasses ("" if none, or if it is that library's)."""
    home = cls.__module__.split(".")[0]
    for base in cls.__mro__[1:]:
        root = base.__module__.split(".")[0]
        if root in FORBIDDEN and root != home:
            return f"{cls.__name__} subclasses {base.__module__}.{base.__qualname__}"
    return ""


def outcome_of(err: BaseException) -> dict[str, Any]:
    """What their code raised, as a result line."""
    return {
        "error": type(err).__name__,
        "message": str(err)[:300],
        "recursion": isinstance(err, RecursionError),
        "memory": isinstance(err, MemoryError),
    }


def _write(stream: IO[str], line: dict[str, Any]) -> None:
    stream.write(json.dumps(line) + "\n")
    stream.flush()


def main() -> None:
    job = json.loads(sys.stdin.read())
    sys.path[:0] = [p for p in job.get("path", []) if p not in sys.path]
    results = _silence()
    _limit_memory(job["memory_mb"])
    try:
        cls = load_class(job)
        bad = uses_forbidden(cls)
        _write(results, {"loaded": not bad, "forbidden": bad, "name": cls.__name__})
        if bad:
            return
    except SyntaxError as err:
        _write(results, {"loaded": False, "syntax": f"{err.msg} (line {err.lineno})"})
        return
    except BaseException as err:  # their module's top level: any failure is theirs
        _write(results, {"loaded": False, **outcome_of(err)})
        return
    every = probes()
    for index in job["probes"]:
        try:
            missing = [need for need in every[index].needs if not hasattr(cls, need)]
            if missing:
                line = {"index": index, "skipped": f"{cls.__name__} has no {missing[0]}"}
            else:
                line = {"index": index, **run_probe(cls, every[index])}
        except BaseException as err:  # their code, whatever it raised (SystemExit too)
            line = {"index": index, **outcome_of(err)}
        _write(results, line)


if __name__ == "__main__":
    main()
