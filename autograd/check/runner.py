"""The child process that runs a learner's engine: ``python -m autograd.check.runner``.

It reads one job (JSON) on stdin: where the class is (an importable module, or source
text to execute), which probes to run, the memory limit and a random token. It limits
its own address space (POSIX), sends everything the learner's code prints to /dev/null,
and writes one JSON line per event, after the token, on its original stdout:
``{"loaded": ...}`` once, then one line per probe. The parent
(``autograd.check.sandbox``) holds the clock, kills this process when a probe runs out
of time, and reads only the lines that carry the token.

What runs the probes and writes the results is taken before the learner's module
loads, from a private copy of ``autograd.check.probes``: their code rebinding a module's
names, or writing to the results stream, changes no grade. This stops mistakes and
runaway code, not a learner who sets out to attack the grader: a process can read its
own memory.
"""

from __future__ import annotations

import builtins
import importlib
import importlib.util
import json
import linecache
import os
import sys
import types
from collections.abc import Callable
from typing import Any

import autograd.check.probes as shared_probes
from autograd.check.probes import FORBIDDEN

__all__ = ["FORBIDDEN", "load_class", "main", "outcome_of", "uses_forbidden"]


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


def _silence() -> int:
    """Point fds 1 and 2 at /dev/null (their prints cost nothing, block nothing) and
    return a private fd on the original stdout for the results."""
    results = os.dup(1)
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.dup2(null, 2)
    os.close(null)
    return results


def _writer(fd: int, token: str) -> Callable[[dict[str, Any]], None]:
    """A function writing one result line (the token, then JSON) to ``fd``; it holds its
    own references, so rebinding ``os.write`` or ``json.dumps`` later changes nothing."""
    write, encode = os.write, json.JSONEncoder().encode

    def send(line: dict[str, Any]) -> None:
        data = (token + encode(line) + "\n").encode()
        while data:
            data = data[write(fd, data) :]

    return send


def _private_probes() -> types.ModuleType:
    """A copy of ``autograd.check.probes`` that no module name reaches, with builtins of
    its own: what the learner's code rebinds does not change how a probe runs."""
    spec = importlib.util.spec_from_file_location("_grading_probes", shared_probes.__file__)
    module = importlib.util.module_from_spec(spec)
    module.__dict__["__builtins__"] = dict(vars(builtins))
    sys.modules[spec.name] = module  # while it runs: dataclasses look their module up
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    return module


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


def _server(send: Callable[[dict[str, Any]], None], indices: list[int]) -> Callable[[type], None]:
    """The probe loop, with every name it uses bound now, before their module loads."""
    private = _private_probes()
    run, every, outcome = private.run_probe, private.probes(), outcome_of
    has, problem = hasattr, BaseException

    def serve(cls: type) -> None:
        for index in indices:
            try:
                missing = [need for need in every[index].needs if not has(cls, need)]
                if missing:
                    line = {"index": index, "skipped": f"{cls.__name__} has no {missing[0]}"}
                else:
                    line = {"index": index, **run(cls, every[index])}
            except problem as err:  # their code, whatever it raised (SystemExit too)
                line = {"index": index, **outcome(err)}
            send(line)

    return serve


def main() -> None:
    job = json.loads(sys.stdin.read())
    sys.path[:0] = [p for p in job.get("path", []) if p not in sys.path]
    send = _writer(_silence(), job.pop("token", ""))
    serve = _server(send, list(job["probes"]))
    forbidden, outcome = uses_forbidden, outcome_of
    _limit_memory(job["memory_mb"])
    try:
        cls = load_class(job)
        bad = forbidden(cls)
        send({"loaded": not bad, "forbidden": bad, "name": cls.__name__})
        if bad:
            return
    except SyntaxError as err:
        send({"loaded": False, "syntax": f"{err.msg} (line {err.lineno})"})
        return
    except BaseException as err:  # their module's top level: any failure is theirs
        send({"loaded": False, **outcome(err)})
        return
    serve(cls)


if __name__ == "__main__":
    main()
