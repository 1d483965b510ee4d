"""check_engine's child process and step budget: the new bug classes, hints, what cannot be
shipped, and engines that hang, die or exhaust memory."""

import linecache
import os
import sys
import threading
import time
import types
from pathlib import Path

import pytest

from autograd import BUG_CLASSES, check_engine, compare
from autograd.check.slips import SLIPS
from tests.learner_engines import engine, engine_source, from_source
from tests.processes import children

NEW = [
    ("power", "power", "the power rule applied with the wrong exponent"),
    ("relu_output", "relu_output", "relu's slope taken from its output value"),
    ("exp_as_one", "forgets_chain", "exp's derivative: a derivative written as 1"),
    ("no_visited", "revisits", "one node's backward ran 3 times in one backward()"),
    ("endless_recursion", "infinite_recursion", "a graph only a few nodes deep"),
]


@pytest.mark.parametrize(("bug", "kind", "words"), NEW, ids=[k for _, k, _ in NEW])
def test_each_new_bug_class_is_named(bug, kind, words):
    report = check_engine(engine(**{bug: True}))
    assert report.bug_classes() == {kind}
    assert all(words in str(r.diagnosis) for r in report.failures)
    assert BUG_CLASSES[kind] == SLIPS[kind].words


def test_a_power_bug_is_named_on_the_power_probes_first_and_division_follows():
    report = check_engine(engine(power=True))
    failed = [r.expression for r in report.failures]
    assert failed[:3] == ["a ** 3", "a ** -1", "a ** 0.5"]
    assert {"a / b", "2 / a"} <= set(failed)  # the learner's / is * x**-1
    (three,) = [r for r in report.failures if r.expression == "a ** 3"]
    assert three.their_grads["a"] == pytest.approx(3 * 0.7**3)  # k·x^k, by hand
    assert three.our_grads["a"] == pytest.approx(3 * 0.7**2)


def test_compare_names_the_power_bug_with_the_same_words():
    V = engine(power=True)
    a = V(3.0)
    b = a**2  # for k = 2, k·x^k is also the rule fed its output: the power rule comes first
    b.backward()
    found = compare(b).first
    assert found.kind == "power" and BUG_CLASSES["power"] in str(found)
    assert "gives #0.grad 18, expected 6" in str(found)  # 2·3² against 2·3


def test_endless_recursion_is_told_apart_from_a_depth_limit():
    endless = check_engine(engine(endless_recursion=True))
    (chain,) = [r for r in endless.results if r.expression.startswith("chain of")]
    assert chain.diagnosis.kind == "infinite_recursion"
    assert "explicit stack" not in str(endless)  # that advice would turn it into a hang
    deep = check_engine(engine(recursive=True))
    assert deep.bug_classes() == {"recursion"} and len(deep.failures) == 1


def test_hints_at_three_levels_and_the_nudge_never_gives_the_rule():
    report = check_engine(engine(tanh_of_input=True))
    probe = report.failures[0]
    assert probe.hint("none") == ""
    assert probe.hint() == "look at what tanh's derivative reads"
    assert "expected" in probe.hint("numbers") and "0.51" in probe.hint("numbers")
    power = check_engine(engine(power=True)).failures[0]
    assert "ⁿ" not in power.hint() and "x**" not in power.hint()
    with pytest.raises(ValueError, match="hint level must be one of"):
        probe.hint("answer")


def test_the_quiz_and_check_engine_use_the_same_words():
    from autograd.explain.quiz import MISTAKES

    assert MISTAKES["earlier_share"] == SLIPS["assign"].you
    assert MISTAKES["other_input"] == SLIPS["swapped"].you
    assert set(BUG_CLASSES) == set(SLIPS)


# -- what the child survives ---------------------------------------------------------

BLOCKED = """
import threading
Value.backward = lambda self: threading.Event().wait()
"""
BOMB = """
def _bomb(self):
    hoard = [bytearray(2**30) for _ in range(64)]
Value.backward = _bomb
"""
EXIT = """
import os
Value.backward = lambda self: os._exit(3)
"""
LOUD = """
_backward = Value.backward
def _loud(self):
    print("x" * 3_000_000)
    _backward(self)
Value.backward = _loud
"""


@pytest.mark.parametrize(
    ("extra", "kind", "words"),
    [
        (BLOCKED, "hang", "did not finish within 0.5 s"),
        (BOMB, "memory", "the engine ran out of memory in `a + b` (MemoryError"),
        (EXIT, "crash", "the engine's process died in `a + b` (exit code 3)"),
    ],
    ids=["blocked in C", "memory", "os._exit"],
)
def test_an_engine_that_blocks_exhausts_memory_or_exits_is_named_and_cleaned_up(extra, kind, words):
    threads = threading.active_count()
    started = time.monotonic()
    report = check_engine(engine(extra), timeout=0.5)
    assert report.bug_classes() == {kind} and words in str(report.failures[0].diagnosis)
    assert time.monotonic() - started < 3 * 0.5 + 12 * 2.0
    assert children() == [] and threading.active_count() == threads


def test_an_engine_printing_megabytes_passes_quickly():
    started = time.monotonic()
    report = check_engine(engine(LOUD))
    assert report.passed and time.monotonic() - started < 10


def test_one_correct_engine_is_checked_in_under_two_seconds():
    started = time.monotonic()
    assert check_engine(engine()).passed
    assert time.monotonic() - started < 2.0


def test_a_library_engine_in_disguise_is_forbidden():
    Disguised = from_source("import autograd\n\nclass Value(autograd.Value):\n    pass\n")
    report = check_engine(Disguised)
    assert report.bug_classes() == {"forbidden"}
    assert "Value subclasses autograd.value.Value" in str(report)


# -- shipping the class ----------------------------------------------------------------


def test_a_class_from_a_notebook_cell_is_shipped_with_what_it_uses():
    cell = engine_source().replace("import math\n", "")  # math comes from an earlier cell
    filename = "<ipython-input-7-chainrule>"
    linecache.cache[filename] = (len(cell), None, cell.splitlines(True), filename)
    main = types.ModuleType("notebook_main")  # a kernel's __main__: no __file__
    sys.modules[main.__name__] = main
    exec("import math", main.__dict__)
    exec(compile(cell, filename, "exec"), main.__dict__)
    assert check_engine(main.Value).passed


def test_a_class_defined_in_a_function_cannot_be_shipped_and_says_so():
    def make():
        class Value:
            pass

        return Value

    with pytest.raises(ValueError, match="defined inside a function .*top level of a module"):
        check_engine(make())


def test_a_class_without_source_says_what_to_do():
    main = types.ModuleType("no_source_main")
    sys.modules[main.__name__] = main
    exec("class Value:\n    pass\n", main.__dict__)  # "<string>": no text to find
    with pytest.raises(ValueError, match="cannot find the source of Value .*python -m autograd"):
        check_engine(main.Value)


# -- no processes (the browser): a step budget -------------------------------------------

BUSY = """
def _spin(self):
    while True:
        try:
            self.grad = 1.0
        except:
            pass
Value.backward = _spin
"""


def test_the_step_budget_names_a_hang_without_a_process():
    threads = threading.active_count()
    report = check_engine(engine(BUSY), timeout=0.05, isolation="steps")
    assert report.bug_classes() == {"hang"}
    assert "did not finish within 100000 steps" in str(report.failures[0].diagnosis)
    assert "within 10000 steps" in str(report.failures[1].diagnosis)
    assert children() == [] and threading.active_count() == threads
    assert sys.gettrace() is None


def test_the_step_budget_passes_a_correct_engine_and_names_a_bug():
    assert check_engine(engine(), isolation="steps").passed
    assert check_engine(engine(power=True), isolation="steps").bug_classes() == {"power"}


def test_processes_are_not_tried_in_the_browser(monkeypatch):
    monkeypatch.setattr(sys, "platform", "emscripten")
    from autograd.check.sandbox import processes_available

    assert not processes_available()
    report = check_engine(engine(BUSY), timeout=0.05)
    assert report.bug_classes() == {"hang"} and "steps" in str(report.failures[0].diagnosis)


def test_a_class_defined_in_a_real_notebook_kernel_is_graded(tmp_path):
    nbformat = pytest.importorskip("nbformat", reason="in the dev extra (jupyterlab)")
    nbclient = pytest.importorskip("nbclient", reason="in the dev extra (jupyterlab)")
    head, rest = engine_source(power=True).split("class Value:", 1)
    check = "from autograd import check_engine\nprint(sorted(check_engine(Value).bug_classes()))"
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(c) for c in (head, "class Value:" + rest, check)]
    root = str(Path(__file__).resolve().parents[1])
    env_path = os.pathsep.join([root, os.environ.get("PYTHONPATH", "")])
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PYTHONPATH", env_path)
        nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3").execute()
    (output,) = notebook.cells[2].outputs
    assert output["text"] == "['power']\n"


def test_one_line_budget_for_the_grader_and_the_lab():
    from autograd.check import lines, sandbox
    from viz.lab import session

    assert session.within_lines is sandbox.within_lines is lines.within_lines

    def stubborn():
        while True:
            try:
                x = 1.0  # noqa: F841
            except:  # noqa: E722  (catching OutOfLines here would switch tracing off)
                pass

    for budget in range(1000, 1012):  # wherever in the loop the budget runs out
        with pytest.raises(lines.OutOfLines):
            lines.within_lines(stubborn, budget)
    assert lines.within_lines(lambda: 6 * 7, 1000) == 42
    assert sys.gettrace() is None
