"""The lab's Python side, run in Pyodide by the page's Web Worker: a cell's namespace,
the grader and the explorer, each answering in JSON text for the page's script.

Everything here is also plain CPython; tests/test_lab.py runs it both ways.
"""

from __future__ import annotations

import ast
import io
import json
import linecache
import sys
import traceback
import types
from contextlib import redirect_stderr, redirect_stdout
from typing import Any

from autograd import Value, check_engine
from autograd.check.lines import OutOfLines, within_lines
from viz.explore import Exploration, explore

__all__ = ["CHECK_TIMEOUT", "ENGINE_MODULE", "LOAD_LINES", "Session"]

CHECK_TIMEOUT = 1.0  # check_engine's per-probe budget: 2,000,000 lines where no process
ENGINE_MODULE = "my_engine"  # the editor's engine, importable from the cell once checked
LOAD_LINES = 2_000_000  # lines the engine's module may run at its top level: a loop there
# is named "hang" and the session lives on (the page's time limit would restart Python)


class Session:
    """One learner's lab: the cell's variables, their engine, the graph explored."""

    def __init__(self) -> None:
        self.namespace: dict[str, Any] = {"__name__": "__lab__", "input": _no_input}
        self.exploration: Exploration | None = None
        self.cells = 0

    def run(self, code: str) -> str:
        """Run ``code`` in the cell's namespace: what it printed, then the value of a
        last bare expression (as a console shows it) or the traceback of its error."""
        out = io.StringIO()
        with redirect_stdout(out), redirect_stderr(out):
            self._execute(code)
        return out.getvalue()

    def _execute(self, code: str) -> None:
        self.cells += 1
        name = f"<cell {self.cells}>"
        linecache.cache[name] = (len(code), None, code.splitlines(True), name)
        try:
            tree = ast.parse(code, name)
            last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
            exec(compile(tree, name, "exec"), self.namespace)
            if last is not None:
                shown = eval(compile(ast.Expression(last.value), name, "eval"), self.namespace)
                if shown is not None:
                    print(repr(shown))
        except BaseException as err:  # the learner's code: report whatever it raised
            frames = traceback.extract_tb(err.__traceback__)
            theirs = [f for f in frames if f.filename.startswith("<")]
            print("Traceback (most recent call last):", file=sys.stderr)
            print("".join(traceback.format_list(theirs)), end="", file=sys.stderr)
            print("".join(traceback.format_exception_only(err)), end="", file=sys.stderr)

    def check(self, code: str, class_name: str = "Value") -> str:
        """``check_engine`` on the class ``class_name`` that ``code`` defines, as JSON:
        ``{ok, bug_classes, text, probes: [{expression, verdict, kind, hint, numbers}]}``."""
        module = types.ModuleType(ENGINE_MODULE)
        module.__file__ = f"<{ENGINE_MODULE}>"
        linecache.cache[module.__file__] = (len(code), None, code.splitlines(True), module.__file__)
        printed = io.StringIO()
        try:
            with redirect_stdout(printed), redirect_stderr(printed):
                within_lines(
                    lambda: exec(compile(code, module.__file__, "exec"), module.__dict__),
                    LOAD_LINES,
                )
        except SyntaxError as err:
            return _refusal("syntax", f"your engine does not parse: {err.msg} (line {err.lineno})")
        except OutOfLines:
            return _refusal(
                "hang",
                f"running your engine's module did not finish within {LOAD_LINES:,} lines: "
                "a loop at its top level that never ends?",
            )
        except BaseException as err:  # their module's top level
            return _refusal("exception", f"running your engine raised {err!r}")
        found = getattr(module, class_name, None)
        if not isinstance(found, type):
            return _refusal("exception", f"your code defines no class named {class_name}")
        sys.modules[ENGINE_MODULE] = module
        with redirect_stdout(printed), redirect_stderr(printed):
            report = check_engine(found, timeout=CHECK_TIMEOUT)
        probes = [
            {
                "expression": r.expression,
                "verdict": r.verdict,
                "kind": r.diagnosis.kind if r.diagnosis is not None else "",
                "hint": r.hint("nudge") or r.note,
                "numbers": r.hint("numbers"),
            }
            for r in report.results
        ]
        return json.dumps(
            {
                "ok": report.passed,
                "bug_classes": sorted(report.bug_classes()),
                "text": str(report),
                "probes": probes,
            }
        )

    def explore(self, code: str, name: str) -> str:
        """Run ``code``, then the explorer's state for the Value called ``name``, as JSON
        ``{output, state}`` or ``{output, error}``."""
        output = self.run(code) if code.strip() else ""
        found = self.namespace.get(name)
        if not isinstance(found, Value):
            what = "is not defined" if found is None else f"is a {type(found).__name__}"
            error = f"{name} {what}: explore draws a chainrule Value (from autograd import Value)"
            return json.dumps({"output": output, "error": error})
        try:
            self.exploration = explore(found)
        except ValueError as err:  # too large, with what to draw instead
            return json.dumps({"output": output, "error": str(err)})
        return json.dumps({"output": output, "state": self.exploration.state})

    def edit(self, node: str, value: float) -> str:
        """Set a leaf of the explored graph (the panel's edit): the new state, or the error."""
        if self.exploration is None:
            return json.dumps({"error": "nothing is explored yet"})
        try:
            self.exploration.set_value(node, value)
        except ValueError as err:
            return json.dumps({"error": str(err)})
        return json.dumps({"state": self.exploration.state})


def _no_input(prompt: object = "") -> str:
    """The cell's ``input``: the page has no console to type into."""
    raise EOFError(
        f"input({prompt!r}): a cell cannot ask for typed input in the lab; "
        "assign the value in the cell instead"
    )


def _refusal(kind: str, text: str) -> str:
    probe = {"expression": "loading the engine", "verdict": "error", "kind": kind}
    return json.dumps(
        {
            "ok": False,
            "bug_classes": [kind],
            "text": text,
            "probes": [dict(probe, hint=text, numbers=text)],
        }
    )
