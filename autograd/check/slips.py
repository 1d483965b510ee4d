"""The one list of learner slips: every bug class the checks can name, in plain words.

``check_engine``, ``compare``, the quiz and the grader all name a slip from here, so
one bug gets one name and one sentence everywhere. Each slip also carries a nudge (a
hint that points at the place without giving the rule, ``{op}`` filled in) and a
re-teach note for a teacher's class view. ``words`` never state a rule either: they
name a submission's class in what a learner sees (Gradescope's test names).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SLIPS", "Slip", "nudge_for"]


@dataclass(frozen=True)
class Slip:
    """One bug class: its ``name``, its ``words`` (a noun phrase), what the quiz says to a
    learner who made it (``you``, empty if the quiz never asks), a ``nudge`` and a
    ``reteach`` note. ``quiz_name`` is the quiz's own key for it, where that differs."""

    name: str
    words: str
    nudge: str
    reteach: str
    you: str = ""
    quiz_name: str = ""
    gradable: bool = True  # False: the submission could not be graded at all


_LIST = [
    Slip(
        "assign",
        "gradient assigned with `=` instead of accumulated with `+=`",
        "a node used twice gets two shares: look at how {op}'s backward stores them",
        "A node read by two ops gets a share from each: gradients add up (+=), never overwrite.",
        you="forgot to add the earlier share of a node used twice",
        quiz_name="earlier_share",
    ),
    Slip(
        "sign",
        "a derivative with the wrong sign",
        "check the sign of {op}'s derivative",
        "Derive each local derivative on paper, signs included; check it with a finite difference.",
        you="got the sign wrong",
    ),
    Slip(
        "upstream",
        "a backward missing the upstream factor out.grad",
        "what does {op}'s backward multiply its local derivative by?",
        "The chain rule: each share is the local derivative times the output's gradient.",
        you="forgot the upstream factor",
    ),
    Slip(
        "uses_input",
        "a derivative that uses the input instead of the output",
        "look at what {op}'s derivative reads",
        "Some rules read the op's output (tanh, exp, sigmoid): keep track of which value is which.",
        you="used the input where the rule uses the output",
    ),
    Slip(
        "uses_output",
        "a derivative that uses the output instead of the input",
        "look at what {op}'s derivative reads",
        "Most rules read the op's input: write down which value each rule needs.",
        you="used the output where the rule uses the input",
    ),
    Slip(
        "swapped",
        "a derivative that uses the wrong operand",
        "look at which operand {op}'s derivative reads toward each input",
        "For a two-input op, the derivative toward one input usually reads the other one.",
        you="used the other input's rule",
        quiz_name="other_input",
    ),
    Slip(
        "power",
        "the power rule applied with the wrong exponent",
        "compare {op}'s derivative with the power rule at x = 2",
        "Revisit the power rule; test it at a point where xⁿ and xⁿ⁻¹ differ (x = 2, n = 3).",
    ),
    Slip(
        "relu_output",
        "relu's slope taken from its output value",
        "what is relu's slope for a positive input?",
        "relu's slope is a step: 1 where the input is positive, else 0, whatever the output.",
    ),
    Slip(
        "forgets_chain",
        "a derivative written as 1: the op's own local derivative is left out of the chain",
        "what is {op}'s local derivative, and does its backward use it?",
        "Each op multiplies out.grad by its own local derivative; only + passes it through as is.",
    ),
    Slip(
        "revisits",
        "a node's backward runs more than once (a topological sort without a visited set)",
        "count how often each node appears in the order backward walks",
        "The topological sort must visit each node once: keep a visited set.",
    ),
    Slip(
        "root",
        "backward does not start the root's grad at 1",
        "what is the root's gradient with respect to itself?",
        "backward starts with d(root)/d(root) = 1.",
    ),
    Slip(
        "forward",
        "a forward value that is wrong",
        "compute {op}'s result by hand and compare",
        "Check each op's forward value before its backward.",
    ),
    Slip(
        "recursion",
        "backward recurses, so deep graphs fail",
        "how deep can your topological sort go?",
        "A recursive graph walk stops at Python's recursion limit: walk with an explicit stack.",
    ),
    Slip(
        "infinite_recursion",
        "backward recurses for ever, even on a small graph",
        "which call in your graph walk never reaches a node without parents?",
        "A recursive walk needs a base case: a leaf (or a visited node) must stop it.",
    ),
    Slip(
        "double_backward",
        "a second backward doubles the grads of inner nodes",
        "what do the inner nodes hold when backward starts a second time?",
        "Before backward, inner gradients must start from 0 (or call zero_grad()).",
    ),
    Slip(
        "exception",
        "the engine raised an error",
        "run the probe's expression yourself and read the traceback",
        "Read the traceback from the bottom: the last line names the error.",
    ),
    Slip(
        "hang",
        "backward does not finish (stopped after the probe's timeout)",
        "which loop in your backward can run for ever?",
        "Every loop needs a condition that changes: a stack that is popped, a visited set.",
    ),
    Slip(
        "wrong",
        "a gradient that no single classic bug explains",
        "compare your gradients with a finite difference, node by node",
        "Check each op on its own with gradcheck, then the graph walk.",
    ),
    Slip(
        "syntax",
        "the submission does not load (a syntax error)",
        "run the file with python before handing it in",
        "Run the file once before submitting; the error names the line.",
        gradable=False,
    ),
    Slip(
        "forbidden",
        "the submission uses a library's autodiff engine instead of its own",
        "write your own Value: no autograd, torch, jax or micrograd inside",
        "The exercise is to write the engine: importing one hides the lesson.",
        gradable=False,
    ),
    Slip(
        "memory",
        "the engine ran out of memory",
        "look for a list or a graph that grows without bound",
        "Look for data structures that grow in a loop that never ends.",
    ),
    Slip(
        "crash",
        "the engine's process died",
        "does your code call os._exit, sys.exit or crash the interpreter?",
        "Never exit the process from library code; raise an error instead.",
    ),
]

SLIPS: dict[str, Slip] = {slip.name: slip for slip in _LIST}
"""Every bug class by name, most common first."""


def nudge_for(name: str, op: str = "") -> str:
    """The nudge for bug class ``name``, pointing at ``op`` if given."""
    return SLIPS[name].nudge.format(op=op or "the op")
