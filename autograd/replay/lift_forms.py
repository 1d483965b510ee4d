"""The tensor formulas of ``lift``'s blocks: for each kind of block, its forward and its
vector-Jacobian products as text for people, as numpy and as PyTorch.

A template names the block's output ``{out}``, its operands ``{a}``, ``{b}`` (a matmul:
``{X}``, ``{W}``, ``{b}``) and the op's parameters (``{k}``, ``{slope}``). A backward
line ``(operand, text)`` adds a product into ``d<operand>``; the people's text writes
``dZ`` for the gradient of ``Z``, as a course does.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["FORMS", "MATMUL", "Form", "form_of"]


@dataclass(frozen=True)
class Form:
    """One op as tensors: forward and backward, for people, numpy and torch."""

    text: str
    numpy: str
    torch: str
    grads_text: tuple[str, ...]  # ∂ for each operand slot, times d{out}
    grads_numpy: tuple[str, ...]


def _unary(text: str, numpy: str, torch: str, grad_text: str, grad_numpy: str) -> Form:
    return Form(text, numpy, torch, (grad_text,), (grad_numpy,))


FORMS: dict[str, Form] = {
    "add": Form("{a} + {b}", "{a} + {b}", "{a} + {b}", ("d{out}", "d{out}"), ("d{out}", "d{out}")),
    "sub": Form(
        "{a} - {b}", "{a} - {b}", "{a} - {b}", ("d{out}", "-d{out}"), ("d{out}", "-d{out}")
    ),
    "mul": Form(
        "{a} ⊙ {b}",
        "{a} * {b}",
        "{a} * {b}",
        ("d{out} ⊙ {b}", "d{out} ⊙ {a}"),
        ("d{out} * {b}", "d{out} * {a}"),
    ),
    "div": Form(
        "{a} / {b}",
        "{a} / {b}",
        "{a} / {b}",
        ("d{out} / {b}", "-d{out} ⊙ {a} / {b}²"),
        ("d{out} / {b}", "-d{out} * {a} / {b}**2"),
    ),
    "neg": _unary("-{a}", "-{a}", "-{a}", "-d{out}", "-d{out}"),
    "pow": _unary(
        "{a}^{k}",
        "{a}**{k}",
        "{a}**{k}",
        "d{out} ⊙ {k}·{a}^({k} - 1)",
        "d{out} * {k} * {a}**({k} - 1)",
    ),
    "exp": _unary("exp({a})", "np.exp({a})", "torch.exp({a})", "d{out} ⊙ {out}", "d{out} * {out}"),
    "log": _unary("log({a})", "np.log({a})", "torch.log({a})", "d{out} / {a}", "d{out} / {a}"),
    "sqrt": _unary(
        "√{a}", "np.sqrt({a})", "torch.sqrt({a})", "d{out} / (2·{out})", "d{out} / (2 * {out})"
    ),
    "tanh": _unary(
        "tanh({a})",
        "np.tanh({a})",
        "torch.tanh({a})",
        "d{out} ⊙ (1 - {out}²)",
        "d{out} * (1 - {out}**2)",
    ),
    "sigmoid": _unary(
        "σ({a})",
        "1 / (1 + np.exp(-{a}))",
        "torch.sigmoid({a})",
        "d{out} ⊙ {out} ⊙ (1 - {out})",
        "d{out} * {out} * (1 - {out})",
    ),
    "relu": _unary(
        "relu({a})",
        "np.maximum({a}, 0.0)",
        "torch.relu({a})",
        "d{out} ⊙ [{a} > 0]",
        "d{out} * ({a} > 0)",
    ),
    "leaky_relu": _unary(
        "leaky_relu({a}, {slope})",
        "np.where({a} > 0, {a}, {slope} * {a})",
        "torch.where({a} > 0, {a}, {slope} * {a})",
        "d{out} ⊙ (1 if {a} > 0 else {slope})",
        "d{out} * np.where({a} > 0, 1.0, {slope})",
    ),
    "abs": _unary(
        "|{a}|", "np.abs({a})", "torch.abs({a})", "d{out} ⊙ sign({a})", "d{out} * np.sign({a})"
    ),
    "sin": _unary(
        "sin({a})", "np.sin({a})", "torch.sin({a})", "d{out} ⊙ cos({a})", "d{out} * np.cos({a})"
    ),
    "cos": _unary(
        "cos({a})", "np.cos({a})", "torch.cos({a})", "-d{out} ⊙ sin({a})", "-d{out} * np.sin({a})"
    ),
}

MATMUL = {
    "text": "{X}·{W}ᵀ",
    "numpy": "{X} @ {W}.T",
    "grads_text": {"X": "d{out}·{W}", "W": "d{out}ᵀ·{X}", "b": "Σ_batch d{out}"},
    "grads_numpy": {"X": "d{out} @ {W}", "W": "d{out}.T @ {X}", "b": "d{out}.sum(axis=0)"},
}


def form_of(op: str) -> Form | None:
    """The tensor form of the op named ``op`` (None: no formula for it yet)."""
    return FORMS.get(op)
