"""The tensor formulas of ``lift``'s blocks: for each kind of block, its forward and its
vector-Jacobian products as text for people, as numpy and as PyTorch.

A template names the block's output ``{out}``, its operands ``{a}``, ``{b}`` (a matmul:
``{X}``, ``{W}``, ``{b}``) and the op's parameters (``{k}``, ``{slope}``). A backward
line ``(operand, text)`` adds a product into ``d<operand>``; the people's text writes
``dZ`` for the gradient of ``Z``, as a course does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from autograd.op import OPS

__all__ = ["FORMS", "MATMUL", "Form", "form_of", "table_text"]


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
    "tan": _unary(
        "tan({a})",
        "np.tan({a})",
        "torch.tan({a})",
        "d{out} ⊙ (1 + {out}²)",
        "d{out} * (1 + {out}**2)",
    ),
    "sinh": _unary(
        "sinh({a})",
        "np.sinh({a})",
        "torch.sinh({a})",
        "d{out} ⊙ cosh({a})",
        "d{out} * np.cosh({a})",
    ),
    "cosh": _unary(
        "cosh({a})",
        "np.cosh({a})",
        "torch.cosh({a})",
        "d{out} ⊙ sinh({a})",
        "d{out} * np.sinh({a})",
    ),
    "atan": _unary(
        "atan({a})",
        "np.arctan({a})",
        "torch.atan({a})",
        "d{out} / (1 + {a}²)",
        "d{out} / (1 + {a}**2)",
    ),
    "asin": _unary(
        "asin({a})",
        "np.arcsin({a})",
        "torch.asin({a})",
        "d{out} / √(1 - {a}²)",
        "d{out} / np.sqrt(1 - {a}**2)",
    ),
    "acos": _unary(
        "acos({a})",
        "np.arccos({a})",
        "torch.acos({a})",
        "-d{out} / √(1 - {a}²)",
        "-d{out} / np.sqrt(1 - {a}**2)",
    ),
    "log1p": _unary(
        "log(1 + {a})",
        "np.log1p({a})",
        "torch.log1p({a})",
        "d{out} / (1 + {a})",
        "d{out} / (1 + {a})",
    ),
    "expm1": _unary(
        "exp({a}) - 1",
        "np.expm1({a})",
        "torch.expm1({a})",
        "d{out} ⊙ exp({a})",
        "d{out} * np.exp({a})",
    ),
    "log2": _unary(
        "log2({a})",
        "np.log2({a})",
        "torch.log2({a})",
        "d{out} / ({a}·ln 2)",
        "d{out} / ({a} * np.log(2))",
    ),
    "log10": _unary(
        "log10({a})",
        "np.log10({a})",
        "torch.log10({a})",
        "d{out} / ({a}·ln 10)",
        "d{out} / ({a} * np.log(10))",
    ),
    "exp2": _unary(
        "2^{a}",
        "np.exp2({a})",
        "torch.exp2({a})",
        "d{out} ⊙ {out}·ln 2",
        "d{out} * {out} * np.log(2)",
    ),
    "softplus": _unary(
        "log(1 + exp({a}))",
        "np.logaddexp(0.0, {a})",
        "torch.logaddexp(torch.zeros_like({a}), {a})",
        "d{out} ⊙ σ({a})",
        "d{out} / (1 + np.exp(-{a}))",
    ),
    "silu": _unary(
        "{a} ⊙ σ({a})",
        "{a} / (1 + np.exp(-{a}))",
        "{a} * torch.sigmoid({a})",
        "d{out} ⊙ σ({a})·(1 + {a}·(1 - σ({a})))",
        "d{out} / (1 + np.exp(-{a})) * (1 + {a} * (1 - 1 / (1 + np.exp(-{a}))))",
    ),
    "sign": _unary("sign({a})", "np.sign({a})", "torch.sign({a})", "0", "0 * d{out}"),
    "vpow": Form(
        "{a}^{b}",
        "{a}**{b}",
        "{a}**{b}",
        ("d{out} ⊙ {b}·{a}^({b} - 1)", "d{out} ⊙ {out}·log({a})"),
        ("d{out} * {b} * {a}**({b} - 1)", "d{out} * {out} * np.log({a})"),
    ),
    "max": Form(
        "max({a}, {b})",
        "np.maximum({a}, {b})",
        "torch.maximum({a}, {b})",
        ("d{out} ⊙ ([{a} > {b}] + ½[{a} = {b}])", "d{out} ⊙ ([{b} > {a}] + ½[{a} = {b}])"),
        (
            "d{out} * (({a} > {b}) + 0.5 * ({a} == {b}))",
            "d{out} * (({b} > {a}) + 0.5 * ({a} == {b}))",
        ),
    ),
    "min": Form(
        "min({a}, {b})",
        "np.minimum({a}, {b})",
        "torch.minimum({a}, {b})",
        ("d{out} ⊙ ([{a} < {b}] + ½[{a} = {b}])", "d{out} ⊙ ([{b} < {a}] + ½[{a} = {b}])"),
        (
            "d{out} * (({a} < {b}) + 0.5 * ({a} == {b}))",
            "d{out} * (({b} < {a}) + 0.5 * ({a} == {b}))",
        ),
    ),
}


def table_text(op: str, params: tuple[str, ...] = ()) -> tuple[str, tuple[str, ...]]:
    """The op table's formula and rules as templates: its input names become the slots
    (``{a}``, ``{b}``), ``out`` and the params (``{lo}``) placeholders, each rule
    ``d{out} ⊙ (rule)``."""
    spec = OPS[op]
    names = {**dict(zip(spec.inputs, ("a", "b"), strict=False)), "out": "out"}
    names.update({p: p for p in params})
    word = re.compile(r"(?<![A-Za-z_])(" + "|".join(map(re.escape, names)) + r")(?![A-Za-z_])")

    def template(text: str) -> str:
        return word.sub(lambda m: "{" + names[m.group(1)] + "}", text)

    return template(spec.formula), tuple(f"d{{out}} ⊙ ({template(r)})" for r in spec.rules)


def _from_table(
    op: str, numpy: str, torch: str, *grads_numpy: str, params: tuple[str, ...] = ()
) -> Form:
    """A form whose people's text is the op table's (``table_text``); the code given."""
    text, grads_text = table_text(op, params)
    return Form(text, numpy, torch, grads_text, grads_numpy)


_ERF = "np.vectorize(math.erf, otypes=[float])"
_ERFC = "np.vectorize(math.erfc, otypes=[float])"
_PHI = f"0.5 * {_ERFC}(-{{a}} / np.sqrt(2))"  # Φ(a), as the op computes it
_BCE_LOG = "np.maximum(np.log({a}), -100.0)"  # log(p) floored at -100, as PyTorch's BCELoss
_BCE_LOG1P = "np.maximum(np.log1p(-{a}), -100.0)"

FORMS.update(
    erf=_from_table(
        "erf",
        f"{_ERF}({{a}})",
        "torch.special.erf({a})",
        "d{out} * 2 / np.sqrt(np.pi) * np.exp(-{a}**2)",
    ),
    erfc=_from_table(
        "erfc",
        f"{_ERFC}({{a}})",
        "torch.special.erfc({a})",
        "-d{out} * 2 / np.sqrt(np.pi) * np.exp(-{a}**2)",
    ),
    gelu=_from_table(
        "gelu",
        f"{{a}} * {_PHI}",
        "torch.nn.functional.gelu({a})",
        f"d{{out}} * ({_PHI} + {{a}} * np.exp(-{{a}}**2 / 2) / np.sqrt(2 * np.pi))",
    ),
    clamp=_from_table(
        "clamp",
        "np.minimum(np.maximum({a}, {lo}), {hi})",
        "torch.clamp({a}, {lo}, {hi})",
        "d{out} * (({lo} <= {a}) & ({a} <= {hi}))",
        params=("lo", "hi"),
    ),
    atan2=_from_table(
        "atan2",
        "np.arctan2({a}, {b})",
        "torch.atan2({a}, {b})",
        "d{out} * {b} / ({a}**2 + {b}**2)",
        "-d{out} * {a} / ({a}**2 + {b}**2)",
    ),
    hypot=_from_table(
        "hypot",
        "np.hypot({a}, {b})",
        "torch.hypot({a}, {b})",
        "d{out} * {a} / {out}",
        "d{out} * {b} / {out}",
    ),
    binary_cross_entropy=_from_table(
        "binary_cross_entropy",
        f"-({{b}} * {_BCE_LOG} + (1 - {{b}}) * {_BCE_LOG1P})",
        "torch.nn.functional.binary_cross_entropy({a}, {b}, reduction='none')",
        "d{out} * ({a} - {b}) / np.maximum({a} * (1 - {a}), 1e-12)",
        f"d{{out}} * ({_BCE_LOG1P} - {_BCE_LOG})",
    ),
)

MATMUL = {
    "text": "{X}·{W}ᵀ",
    "numpy": "{X} @ {W}.T",
    "grads_text": {"X": "d{out}·{W}", "W": "d{out}ᵀ·{X}", "b": "Σ_batch d{out}"},
    "grads_numpy": {"X": "d{out} @ {W}", "W": "d{out}.T @ {X}", "b": "d{out}.sum(axis=0)"},
}


def form_of(op: str) -> Form | None:
    """The tensor form of the op named ``op`` (None: no formula for it yet)."""
    return FORMS.get(op)
