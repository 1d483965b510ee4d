"""check_engine and compare on learners' engines, each with one classic bug, and a correct one."""

import time

import pytest

from autograd import BUG_CLASSES, Value, check_engine, compare
from tests.learner_engines import engine
from tests.processes import children

BUGS = [
    ({"assign": True}, "assign", "gradient assigned with `=` instead of accumulated with `+=`"),
    ({"sub_sign": True}, "sign", "sub's derivative toward its second input has the wrong sign"),
    ({"mul_no_upstream": True}, "upstream", "backward is missing the upstream factor out.grad"),
    ({"tanh_of_input": True}, "uses_input", "tanh's derivative uses the input instead of"),
    ({"recursive": True}, "recursion", "backward recurses: fails at depth 1000"),
    ({"keeps_inner_grads": True}, "double_backward", "a second backward doubles the grads"),
]


def test_a_correct_engine_passes_every_probe_it_can_run():
    report = check_engine(engine())
    assert report.passed and not report.failures and report.bug_classes() == set()
    verdicts = {r.expression: r.verdict for r in report.results}
    assert verdicts["a.log()"] == verdicts["a.sigmoid()"] == "skipped"  # the class has neither
    assert sum(v == "ok" for v in verdicts.values()) == len(verdicts) - 4


def test_chainrule_passes_its_own_probes():
    report = check_engine(Value)
    assert report.passed and all(r.verdict == "ok" for r in report.results)


@pytest.mark.parametrize(("bug", "kind", "words"), BUGS, ids=[k for _, k, _ in BUGS])
def test_each_classic_bug_is_named(bug, kind, words):
    report = check_engine(engine(**bug))
    assert not report.passed
    assert report.bug_classes() == {kind}
    assert all(words in str(r.diagnosis) for r in report.failures)
    assert words in str(report)


def test_a_bug_in_mul_is_named_at_mul():
    report = check_engine(engine(mul_no_upstream=True))
    (found,) = [r for r in report.failures if r.expression == "(a * b) * c"]
    assert str(found.diagnosis).startswith("mul's backward is missing the upstream factor")
    assert found.their_grads["a"] == -1.3 and found.our_grads["a"] == -1.3 * 2.5


def test_the_diagnosis_gives_the_numbers():
    report = check_engine(engine(assign=True))
    (a_plus_a,) = [r for r in report.failures if r.expression == "a + a"]
    assert str(a_plus_a.diagnosis).endswith("`a + a` gives a.grad 1, expected 2")
    assert (a_plus_a.their_grads, a_plus_a.our_grads) == ({"a": 1.0}, {"a": 2.0})
    report = check_engine(engine(tanh_of_input=True))
    (tanh,) = [r for r in report.failures if r.expression == "a.tanh()"]
    assert tanh.their_grads["a"] == 1 - 0.7**2  # what the bug computes, by hand


def test_micrograd_010_keeps_inner_grads_and_recurses():
    engine_module = pytest.importorskip("micrograd.engine", reason="in the dev extra")
    report = check_engine(engine_module.Value)
    assert report.bug_classes() == {"double_backward", "recursion"}


BROKEN_MUL = """
def _mul(self, other):
    raise ZeroDivisionError("learner's mistake")
Value.__mul__ = _mul
"""

NO_GRAD = """
_init = Value.__init__
def _no_grad(self, *args, **kwargs):
    _init(self, *args, **kwargs)
    self.grad = None
Value.__init__ = _no_grad
"""


def test_their_exceptions_are_reported_never_raised():
    report = check_engine(engine(BROKEN_MUL))
    errors = [r for r in report.results if r.verdict == "error"]
    assert errors and all(r.diagnosis.kind == "exception" for r in errors)
    assert "ZeroDivisionError: learner's mistake" in str(errors[0].diagnosis)
    report = check_engine(engine(NO_GRAD))
    assert report.bug_classes() == {"exception"} and len(report.failures) > 30
    assert "raised TypeError: unsupported operand" in str(report.failures[0].diagnosis)


def test_report_prints_a_table_and_shows_as_html():
    report = check_engine(engine(sub_sign=True))
    text = str(report)
    assert text.splitlines()[0].startswith("check_engine(Value): 42 probes: ")
    assert "probe" in text.splitlines()[1] and "verdict" in text.splitlines()[1]
    page = report._repr_html_()
    assert page.count("<tr>") == len(report.results) + 1 and "`a - b` gives b.grad 1" in page
    assert set(BUG_CLASSES) >= report.bug_classes()


def lecture_graph(V):
    x1, x2, w1, w2 = V(2.0), V(0.0), V(-3.0), V(1.0)
    b = V(6.8813735870195432)
    o = (x1 * w1 + x2 * w2 + b).tanh()
    return (x1, x2, w1, w2, b), o


def test_compare_agrees_with_a_correct_engine_and_changes_nothing():
    leaves, o = lecture_graph(engine())
    o.backward()
    before = [(v.data, v.grad) for v in leaves]
    report = compare(o)
    assert report.ok and "all 10 nodes agree" in str(report)
    assert [(v.data, v.grad) for v in leaves] == before
    assert "<table>" in report._repr_html_()


def test_compare_names_the_first_wrong_node_and_the_bug():
    V = engine(assign=True)
    a = V(3.0)
    a.label = "a"
    c = a * a + a
    c.backward()
    report = compare(c)
    assert report.first.kind == "assign"
    assert "gives a.grad 3, expected 7" in str(report)  # ∂(a² + a)/∂a = 2a + 1
    leaves, o = lecture_graph(engine(tanh_of_input=True))
    o.backward()
    assert compare(o).first.kind == "uses_input"


def test_compare_reads_chainrule_and_micrograd_graphs():
    _, o = lecture_graph(Value)
    o.backward()
    assert compare(o).ok
    engine_module = pytest.importorskip("micrograd.engine", reason="in the dev extra")
    a = engine_module.Value(3.0)
    d = (a * a + a) ** 2 - a / 2  # '**-1', a set of one parent for a*a, a*-1 for neg
    d.backward()
    assert compare(d).ok


def test_compare_says_what_it_cannot_read():
    leaves, o = lecture_graph(engine())
    assert "call backward() on it first" in str(compare(o))
    V = engine()
    a = V(2.0)
    odd = a * 3
    odd._op, odd.data = "?", 7.0
    odd.backward()
    assert "cannot rebuild node #2 (op '?', 2 parents, data 7)" in str(compare(odd))


# -- an engine whose backward never ends is stopped and reported --------------------------

BUSY = """
def _backward(self):  # peeks at the stack instead of popping it: never empties
    stack = [self]
    while stack:
        try:
            node = stack[-1]
            node.grad = 1.0
        except:  # a learner's catch-all must not keep it alive
            pass
Value.backward = _backward
"""

SLOW_POW = """
def _pow(self, k):  # k·a^(k-1) by repeated multiplication: k - 1 never reaches 0 from -2 or -0.5
    out = Value(self.data**k, (self,), f"**{k}")

    def _backward():
        power, n = 1.0, k - 1
        while n != 0:
            power, n = power * self.data, n - 1
        self.grad += k * power * out.grad

    out._backward = _backward
    return out
Value.__pow__ = _pow
"""


def test_a_backward_that_never_ends_is_reported_as_hanging_and_stopped():
    started = time.monotonic()
    report = check_engine(engine(BUSY), timeout=0.3)
    took = time.monotonic() - started
    assert report.bug_classes() == {"hang"} and not report.passed
    hung = [r for r in report.results if r.verdict == "error"]
    assert len(hung) == len(report.results) == 42
    assert "`a + b` did not finish within 0.3 s (and was stopped)" in str(hung[0].diagnosis)
    assert "within 0.03 s" in str(hung[1].diagnosis)  # a tenth after one hung
    assert BUG_CLASSES["hang"].startswith("backward does not finish")
    assert took < 3 * 0.3 + 12 * 2.0  # the documented bound: 3 timeouts, 12 child starts
    assert children() == []  # every child was killed


def test_only_the_probes_that_hang_are_reported_so():
    report = check_engine(engine(SLOW_POW), timeout=2.0)
    hung = {r.expression for r in report.results if r.diagnosis and r.diagnosis.kind == "hang"}
    powers = {"a ** -1", "a ** 0.5", "a / b", "2 / a"}  # division is the engine's other**-1
    assert hung == powers | {f"({p}) * c" for p in powers}
    verdicts = {r.expression: r.verdict for r in report.results}
    assert verdicts["a ** 3"] == verdicts["(a ** 3) * c"] == "ok"  # 3·a² by hand: a·a, right
    assert verdicts["a.exp()"] == verdicts["relu below 0"] == "ok"  # run in a fresh child
    assert report.bug_classes() == {"hang"}
    assert children() == []


def test_the_timeout_must_be_positive():
    with pytest.raises(ValueError, match="timeout must be > 0 seconds, got 0"):
        check_engine(engine(), timeout=0)
