"""steps.quiz(): scripted answers, each classic slip named, the stepper advanced and
no .grad touched."""

import math

import pytest

from autograd import Value


def _graph():
    """L = tanh(a·b + a): a is read twice; tanh's rule reads its output."""
    a, b = Value(1.5, label="a"), Value(-2.0, label="b")
    c = a * b
    c.label = "c"
    d = c + a
    d.label = "d"
    loss = d.tanh()
    loss.label = "L"
    return a, b, loss


G = 1 - math.tanh(-1.5) ** 2  # dL/dd, by hand
# backward's steps: L→d, d→c, d→a, c→a (a's second share), c→b; two questions each


def _quiz(answers):
    a, b, loss = _graph()
    steps = loss.backward_steps()
    shown = []
    report = steps.quiz(answers, show=shown.append)
    return report, shown, steps, (a, b, loss)


def test_right_answers_as_numbers_and_expressions():
    answers = ["1 - L**2", G, "1", G, 1, G, "b", f"{G} + b*{G}", "a", 1.5 * G]
    report, shown, steps, (a, b, loss) = _quiz(answers)
    assert [x.correct for x in report.answers] == [True] * 10, shown
    assert str(report) == "10 of 10 answers right"
    assert steps.done and steps.grad(a) == pytest.approx(G - 2 * G)
    assert a.grad == b.grad == loss.grad == 0.0  # the quiz reads the timeline only


@pytest.mark.parametrize(
    ("answers", "mistake", "words"),
    [
        (["1 - d**2"], "uses_input", "tanh's rule reads its output: ∂L/∂d = 1 - L²"),
        (["L**2 - 1"], "sign", "got the sign wrong"),
        (["1 - L**2", G, "1", "1"], "upstream", "the share is ∂d/∂c · d.grad"),
        (["1 - L**2", G, 1, G, 1, G, "a"], "other_input", "toward b it would be a"),
        (["1 - L**2", G, 1, G, 1, G, "b", -2 * G], "earlier_share", "a.grad already held"),
        (["1 - L**2", G, 1, G, 1, G, "b", G + 2 * G], "sign", "got the sign wrong"),
        (["1 - L**2", G, 1, G, 1, G, "b", G - 2], "upstream", "forgot the upstream factor"),
    ],
)
def test_each_slip_is_named(answers, mistake, words):
    report, shown, _, _ = _quiz(answers)
    last = report.answers[-1]
    assert not last.correct and last.mistake == mistake
    assert words in last.feedback and words in shown[-1]
    assert shown[-2].endswith(f" {answers[-1]}")  # the transcript shows each answer
    assert all(x.correct for x in report.answers[:-1])


def test_using_the_output_where_the_rule_uses_the_input():
    x = Value(0.7, label="x")
    y = x.sin()
    y.label = "y"
    report = y.backward_steps().quiz(["cos(y)"], show=lambda _: None)
    assert report.answers[0].mistake == "uses_output"
    assert "sin's rule reads its input: ∂y/∂x = cos(x), with x = 0.7" in report.answers[0].feedback


def test_an_answer_no_slip_explains_is_told_the_rule():
    report, shown, _, _ = _quiz(["7"])
    assert report.answers[0].mistake is None and report.mistakes == ["wrong"]
    assert shown[-1] == f"not 7.0: ∂L/∂d = 1 - L² = {G:.6g}"


def test_unreadable_answers_are_asked_again_and_q_stops():
    prompts = []
    replies = iter(["__import__('os')", "zz", "q"])

    def ask(prompt):
        prompts.append(prompt)
        return next(replies)

    shown = []
    a, b, loss = _graph()
    steps = loss.backward_steps()
    report = steps.quiz(ask=ask, show=shown.append)
    assert len(prompts) == 3 and prompts[0].startswith("∂L/∂d ?  (L = tanh(d))")
    assert "unsupported function '__import__'" in shown[0] and "unknown name 'zz'" in shown[1]
    assert report.answers == [] and len(steps.taken) == 0


def test_a_quiz_starts_where_the_stepper_stands():
    a, b, loss = _graph()
    steps = loss.backward_steps()
    steps.step(), steps.step(), steps.step()
    report = steps.quiz(["b", "-2 * 0.1807"], show=lambda _: None)
    # a already has d's share, so the second question is a's grad after c's share
    assert report.answers[1].question.kind == "grad"
    assert report.answers[1].mistake == "earlier_share"


def test_input_eof_ends_the_quiz(monkeypatch):
    def closed(prompt):
        raise EOFError

    _, _, loss = _graph()
    assert loss.backward_steps().quiz(ask=closed, show=lambda _: None).answers == []


@pytest.mark.parametrize(
    ("build", "wrong", "rule"),
    [
        (lambda x: x.exp(), "x", "exp's rule reads its output: ∂y/∂x = y"),
        (lambda x: x.sigmoid(), "x * (1 - x)", "sigmoid's rule reads its output"),
        (lambda x: x.tanh(), "1 - x**2", "tanh's rule reads its output: ∂y/∂x = 1 - y²"),
    ],
)
def test_the_input_for_the_output_in_each_op_whose_rule_reads_its_output(build, wrong, rule):
    x = Value(0.8, label="x")
    y = build(x)
    y.label = "y"
    (answer,) = y.backward_steps().quiz([wrong], show=lambda _: None).answers
    assert answer.mistake == "uses_input" and rule in answer.feedback


def test_every_check_report_shares_one_base_and_the_quiz_is_truthy_only_when_all_right():
    from autograd import CompareReport, EngineReport, GradcheckReport, NodeCheckReport
    from autograd.check.report import Report
    from autograd.check.second_order import SecondOrderReport
    from autograd.explain.quiz import QuizReport

    reports = (CompareReport, EngineReport, GradcheckReport, NodeCheckReport, SecondOrderReport)
    assert all(issubclass(cls, Report) for cls in (*reports, QuizReport))
    right, _, _, _ = _quiz(["1 - L**2", G])
    wrong, _, _, _ = _quiz(["1 - d**2"])
    assert right and not wrong and wrong.failures == wrong.answers
    assert wrong._repr_html_().startswith("<pre") and "0 of 1 answers right" in str(wrong)
