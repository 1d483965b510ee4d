"""``lift``'s code for a learner's own op (``define_op``): their forward on arrays (``array=``)
and their ``local_grads``, copied into the script by ``inspect.getsource``. numpy calls
them; PyTorch runs them inside a ``torch.autograd.Function``, so its backward is the
learner's rule, not torch's own. An op without an array form is named, with what to add.
"""

from __future__ import annotations

import inspect
import textwrap
from collections.abc import Callable
from typing import Any

from autograd.op import OPS
from autograd.replay.lift_forms import Form, table_text

__all__ = ["NoFormula", "user_form", "user_source"]

TORCH_FUNCTION = '''
class {cls}(torch.autograd.Function):
    """{name}: your forward and local_grads (define_op), on numpy arrays, in torch's autograd."""

    @staticmethod
    def forward(ctx, *xs):
        ctx.save_for_backward(*xs)
        return torch.from_numpy(np.asarray({forward}(*[x.detach().numpy() for x in xs]), float))

    @staticmethod
    def backward(ctx, d):
        xs = [x.detach().numpy() for x in ctx.saved_tensors]
        out = np.asarray({forward}(*xs), float)
        grads = {grads}(out, *xs)
        return tuple(
            (d * torch.from_numpy(np.asarray(g, float) * np.ones_like(out))).sum_to_size(x.shape)
            for g, x in zip(grads, ctx.saved_tensors)
        )
'''


class NoFormula(NotImplementedError):
    """An op of the graph that has no tensor formula for the code yet."""


def _user_op(name: str) -> Any:
    op = OPS.get(name)
    return None if op is None or op.builtin else op


def _source(name: str, what: str, fn: Callable[..., Any]) -> str:
    """``fn``'s own source, dedented: a ``def`` whose file Python can read."""
    fix = (
        f"define op {name!r}'s {what} as a def in a .py file (or a notebook cell) so that "
        "its source can be copied into the script"
    )
    if getattr(fn, "__name__", "<lambda>") == "<lambda>":
        raise NoFormula(f"lift: your op {name!r}: its {what} is a lambda; {fix}")
    try:
        return textwrap.dedent(inspect.getsource(fn))
    except (OSError, TypeError):
        raise NoFormula(
            f"lift: your op {name!r}: the source of its {what} is not available; {fix}"
        ) from None


def user_form(name: str, block: str, params: dict[str, Any]) -> Form | None:
    """The form of the learner's op ``name`` (None: not one of theirs), calling their functions."""
    op = _user_op(name)
    if op is None:
        return None
    if op.array is None or isinstance(op.array, str):
        raise NoFormula(
            f"lift: your op {name!r} (block {block}) has no array form for the emitted code: "
            f"define_op({name!r}, ..., array=f), with f its forward on numpy arrays and a "
            "local_grads that takes arrays too; lift, str and the block list still show it"
        )
    if op.arity not in (1, 2):
        raise NoFormula(f"lift: your op {name!r} takes {op.arity} inputs; the code covers 1 or 2")
    slots = "{a}" if op.arity == 1 else "{a}, {b}"
    kwargs = "".join(f", {k}={{{k}}}" for k in params)
    text, grads_text = table_text(name, tuple(params))
    fwd, grads = op.array.__name__, op.local_grads.__name__
    return Form(
        text,
        f"{fwd}({slots}{kwargs})",
        f"{_class(name)}.apply({slots})",
        grads_text,
        tuple(f"d{{out}} * {grads}({{out}}, {slots}{kwargs})[{j}]" for j in range(op.arity)),
    )


def _class(name: str) -> str:
    return "Op_" + "".join(c if c.isalnum() else "_" for c in name)


def user_source(ops: list[str], torch: bool) -> list[str]:
    """The learner's functions for ``ops`` (and, for torch, an autograd Function each)."""
    lines: list[str] = []
    for name in dict.fromkeys(n for n in ops if _user_op(n) is not None):
        op = OPS[name]
        lines += ["# your op " + repr(name) + ", as you defined it (define_op)"]
        lines += _source(name, "array form", op.array).strip("\n").splitlines() + ["", ""]
        lines += _source(name, "local_grads", op.local_grads).strip("\n").splitlines() + ["", ""]
        if torch:
            cls = TORCH_FUNCTION.format(
                cls=_class(name),
                name=name,
                forward=op.array.__name__,
                grads=op.local_grads.__name__,
            )
            lines += cls.strip("\n").splitlines() + ["", ""]
    return lines
