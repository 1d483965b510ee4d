"""Drills on the learner's own graph: predict each backward step, then check it.

``steps.quiz()`` asks, step by step, for the local derivative and then for the
share the step adds (or, for a node used more than once, its gradient after the
step). An answer is a number or an expression in the graph's names
(``autograd.explain.expression``). A wrong answer is matched against the classic slips,
each the right computation fed one wrong thing, and the likeliest one is named.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from autograd.check.report import Report
from autograd.check.slips import SLIPS
from autograd.explain.describe import rule_in_names
from autograd.explain.diagnose import other_rules
from autograd.explain.expression import ExpressionError, evaluate
from autograd.explain.text import num
from autograd.explain.timeline import BackwardStep, Timeline
from autograd.value import Value, no_grad

if TYPE_CHECKING:
    from autograd.explain.stepper import Stepper

__all__ = [
    "MISTAKES",
    "Question",
    "QuizAnswer",
    "QuizReport",
    "Slip",
    "questions_of",
    "right_text",
    "run_quiz",
    "slips_of",
    "unmatched_text",
]

MISTAKES = {slip.quiz_name or slip.name: slip.you for slip in SLIPS.values() if slip.you}
"""Each slip a quiz can name, in plain words (from the one list, ``autograd.check.slips``)."""
_QUIZ_NAME = {slip.name: slip.quiz_name or slip.name for slip in SLIPS.values()}

_QUIT = ("", "q", "quit")


@dataclass(frozen=True)
class Question:
    """One question about ``step``: ``kind`` is "local", "share" or "grad"."""

    step: BackwardStep
    kind: str
    prompt: str
    answer: float


@dataclass(frozen=True)
class Slip:
    """A slip a wrong answer is matched against: the number it gives, and what the
    quiz then says after "not <the answer given>: "."""

    mistake: str
    value: float
    text: str


@dataclass(frozen=True)
class QuizAnswer:
    """What the learner gave, whether it was right, and the slip it matches."""

    question: Question
    given: str
    value: float
    correct: bool
    mistake: str | None
    feedback: str


class QuizReport(Report):
    """Every answer of one quiz; prints as a score and the slips seen; truthy if all right."""

    def __init__(self, answers: list[QuizAnswer]) -> None:
        self.answers = answers

    @property
    def failures(self) -> list[QuizAnswer]:
        return [a for a in self.answers if not a.correct]

    @property
    def right(self) -> int:
        return sum(a.correct for a in self.answers)

    @property
    def mistakes(self) -> list[str]:
        """The slip named for each wrong answer ("wrong" when none matched)."""
        return [a.mistake or "wrong" for a in self.answers if not a.correct]

    def title(self) -> str:
        head = f"{self.right} of {len(self.answers)} answers right"
        seen = sorted(set(self.mistakes))
        if not seen:
            return head
        counts = ", ".join(f"{MISTAKES.get(m, m)} ×{self.mistakes.count(m)}" for m in seen)
        return f"{head}; slips: {counts}"

    def __repr__(self) -> str:
        return f"<QuizReport: {self.right}/{len(self.answers)}>"


def run_quiz(
    stepper: Stepper,
    answers: Iterable[str | float] | None = None,
    *,
    ask: Callable[[str], str] | None = None,
    show: Callable[[str], None] = print,
) -> QuizReport:
    """Quiz the stepper's remaining steps, taking each step once it is asked about.

    Answers come from ``answers`` (an iterable, for scripts and tests) or from
    ``ask(prompt)`` (``input`` by default). An empty answer or ``q`` ends the quiz.
    """
    read = _reader(answers, ask, show)
    given: list[QuizAnswer] = []
    asked = questions_of(stepper.timeline)
    names = {name: node for node, name in stepper.names.items() if name.isidentifier()}
    while not stepper.done:
        for question in asked[len(stepper.taken)]:
            answer = _ask(question, read, names, show)
            if answer is None:
                return QuizReport(given)
            given.append(answer)
            show(answer.feedback)
        stepper.step()
    return QuizReport(given)


def questions_of(timeline: Timeline) -> list[list[Question]]:
    """The questions of each backward step (none where its rule is not needed)."""
    earlier = {node: 0 for node in timeline.description.order}
    asked = []
    for step in timeline.steps:
        formula = timeline.description.formula(step.node)
        asked.append(_questions(step, formula, earlier[step.parent]))
        earlier[step.parent] += 1
    return asked


def _reader(
    answers: Iterable[str | float] | None,
    ask: Callable[[str], str] | None,
    show: Callable[[str], None],
) -> Callable[[str], str | None]:
    if answers is not None:
        it: Iterator[str | float] = iter(answers)

        def scripted(prompt: str) -> str | None:
            answer = next(it, None)
            if answer is not None:
                show(f"{prompt}{answer}")  # the transcript reads as if typed
            return None if answer is None else str(answer)

        return scripted
    prompt_for = ask or input

    def read(prompt: str) -> str | None:
        try:
            return prompt_for(prompt)
        except EOFError:
            return None

    return read


def _questions(step: BackwardStep, formula: str, earlier_shares: int) -> list[Question]:
    if step.local is None:  # undefined here, and not needed: its upstream is 0
        return []
    n, p = step.node_name, step.parent_name
    local = Question(step, "local", f"{step.edge.partial} ?  ({formula})", step.local)
    if earlier_shares:
        prompt = f"{p}.grad after adding ∂{n}/∂{p} · {n}.grad (it holds {num(step.before)}) ?"
        return [local, Question(step, "grad", prompt, step.after)]
    prompt = f"the share ∂{n}/∂{p} · {n}.grad, with {n}.grad = {num(step.upstream)} ?"
    return [local, Question(step, "share", prompt, step.contribution)]


def _ask(
    question: Question,
    read: Callable[[str], str | None],
    names: dict[str, Value],
    show: Callable[[str], None],
) -> QuizAnswer | None:
    while True:
        text = read(question.prompt + " ")
        if text is None or text.strip().lower() in _QUIT:
            return None
        try:
            value = _value_of(text, names)
        except (ExpressionError, ArithmeticError, ValueError, TypeError) as err:
            show(f"could not read {text!r}: {err}")
            continue
        return _judge(question, text, value)


def _value_of(text: str, names: dict[str, Value]) -> float:
    with no_grad():
        bound = {name: Value(node.data) for name, node in names.items()}
        result = evaluate(text, bound, need_name=False)
    return result.data if isinstance(result, Value) else float(result)


def _same(given: float, want: float) -> bool:
    """Right to the 3 or 4 digits a learner types (num() shows 6)."""
    return math.isclose(given, want, rel_tol=2e-3, abs_tol=1e-6)


def _judge(question: Question, text: str, value: float) -> QuizAnswer:
    if _same(value, question.answer):
        return QuizAnswer(question, text, value, True, None, right_text(question))
    for slip in slips_of(question):
        if _same(value, slip.value):
            feedback = f"not {num(value)}: {slip.text}"
            return QuizAnswer(question, text, value, False, slip.mistake, feedback)
    feedback = f"not {num(value)}: {unmatched_text(question)}"
    return QuizAnswer(question, text, value, False, None, feedback)


def right_text(question: Question) -> str:
    """What the quiz says to a right answer."""
    return f"right: {num(question.answer)}"


def slips_of(question: Question) -> list[Slip]:
    """The slips a wrong answer is matched against, in order (the first match is named);
    a slip that would give the right answer, or no number here, is left out."""
    want = question.answer
    return [
        Slip(mistake, guess, f"you {MISTAKES[mistake]}? {why}; the answer is {num(want)}")
        for mistake, guess, why in _slips(question)
        if guess is not None and not _same(guess, want)
    ]


def unmatched_text(question: Question) -> str:
    """What the quiz says, after "not <answer>: ", to a wrong answer no slip explains."""
    rule = f"{question.step.rule} = {num(question.step.local)}"
    if question.kind == "local":
        return rule
    return f"{rule}, and the answer is {num(question.answer)}"


def _slips(question: Question) -> Iterator[tuple[str, float | None, str]]:
    """(slip, the number it gives, what the step really does), likeliest first."""
    step, kind = question.step, question.kind
    local, up, before = step.local, step.upstream, step.before
    n, p = step.node_name, step.parent_name

    def as_asked(wrong_local: float) -> float:
        """The number the question's answer gives with ``wrong_local`` in the rule."""
        if kind == "local":
            return wrong_local
        share = wrong_local * up
        return share if kind == "share" else before + share

    if kind == "grad":
        yield (
            "earlier_share",
            step.contribution,
            (
                f"{p} is used more than once: {p}.grad already held {num(before)}, and this "
                f"share adds to it: {num(before)} + ({num(step.contribution)})"
            ),
        )
    if kind != "local":
        yield (
            "upstream",
            local if kind == "share" else before + local,
            (f"the share is ∂{n}/∂{p} · {n}.grad = ({num(local)})({num(up)})"),
        )
    yield "sign", as_asked(-local), f"{step.rule} = {num(local)}"
    for slip, wrong_rule in _wrong_rules(step):
        yield slip, None if wrong_rule is None else as_asked(wrong_rule), _why(step, slip)


def _wrong_rules(step: BackwardStep) -> Iterator[tuple[str, float | None]]:
    """The op's own rule fed the wrong thing (``autograd.explain.diagnose`` guesses the same)."""
    for kind, rule in other_rules(step.node, step.slot):
        guess = rule(step.node)
        yield _QUIZ_NAME[kind], None if math.isnan(guess) else guess


def _why(step: BackwardStep, slip: str) -> str:
    node, slot = step.node, step.slot
    named = step.edge.names
    if slip == "other_input":
        other = rule_in_names(step.op, 1 - slot, node, node.parents, named)
        return f"{step.rule} (toward {named[node.parents[1 - slot]]} it would be {other})"
    where = "output" if slip == "uses_input" else "input"
    value = node.data if slip == "uses_input" else node.parents[0].data
    label = named[node] if slip == "uses_input" else named[node.parents[0]]
    return f"{step.op.name}'s rule reads its {where}: {step.rule}, with {label} = {num(value)}"
