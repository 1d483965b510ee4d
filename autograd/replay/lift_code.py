"""``lift``'s program written out as a standalone script: numpy (forward and the blocks'
vector-Jacobian products) or PyTorch (forward; autograd does the backward). Each prints
one JSON line, ``{"loss": ..., "grads": [...]}``, the gradients in the leaves' order.
"""

from __future__ import annotations

from autograd.replay.lift_forms import MATMUL, form_of
from autograd.replay.lift_layout import Block, Operand, Program, number
from autograd.replay.lift_user import NoFormula, user_form, user_source

__all__ = ["NoFormula", "numpy_source", "torch_source"]

TAKE_NUMPY = '''
def take(arrays, index):
    """The numbers at ``index`` of the arrays laid end to end."""
    return np.concatenate([np.ravel(a) for a in arrays])[index]


def give(grads, index, d):
    """Adds ``d`` back where ``take`` read it: take's vector-Jacobian product."""
    flat = np.zeros(sum(g.size for g in grads))
    np.add.at(flat, index, np.ravel(d))
    start = 0
    for g in grads:
        g += flat[start:start + g.size].reshape(g.shape)
        start += g.size
'''

TAKE_TORCH = '''
def take(arrays, index):
    """The numbers at ``index`` of the tensors laid end to end."""
    return torch.cat([a.reshape(-1) for a in arrays])[torch.tensor(index)]
'''


def _shape(shape: tuple[int, ...]) -> str:
    return "()" if not shape else ", ".join(map(str, shape)) if len(shape) > 1 else f"{shape[0]},"


def _form(block: Block):
    form = form_of(block.op) or user_form(block.op, block.name, block.params)
    if form is None and block.kind not in ("matmul", "reduction"):
        raise NoFormula(
            f"lift: op {block.op!r} (block {block.name}) has no tensor formula for the emitted "
            "code yet; lift, str and the block list still show it"
        )
    return form


def _args(block: Block) -> dict[str, str]:
    names = {slot: o.name for slot, o in zip(block.slots, block.operands, strict=True)}
    return {**names, **{k: number(v) for k, v in block.params.items()}}


def _forward_expr(block: Block, torch: bool) -> str:
    args = _args(block)
    if block.kind == "matmul":
        expr = MATMUL["numpy"].format(**args)
        return expr + (f" + {args['b']}" if "b" in args else "")
    if block.op == "rowsum":
        return f"{block.operands[0].name}.sum({'dim' if torch else 'axis'}=1)"
    if block.kind == "reduction":
        return " + ".join(f"{o.name}.sum()" for o in block.operands)
    form = _form(block)
    return (form.torch if torch else form.numpy).format(out=block.name, **args)


def _prepare(o: Operand, torch: bool) -> str:
    """The line that makes a derived operand from its arrays."""
    shape = f".reshape({_shape(o.shape) if o.shape else '()'})"
    if o.reshaped:
        return f"{o.name} = {o.sources[0].name}{shape}"
    index = list(o.index)
    if len(o.sources) == 1 and not o.shape and len(index) == 1:
        return f"{o.name} = {o.sources[0].name}.reshape(-1)[{index[0]}]"
    if len(o.sources) == 1:
        pick = f"torch.tensor({index})" if torch else f"{index}"
        return f"{o.name} = {o.sources[0].name}.reshape(-1)[{pick}]{shape}"
    names = ", ".join(a.name for a in o.sources)
    return f"{o.name} = take(({names},), {index}){shape}"


def _give_back(o: Operand) -> str:
    """The line that adds a derived operand's gradient into its arrays' gradients."""
    if o.reshaped:
        return f"d{o.sources[0].name} += d{o.name}.reshape({o.sources[0].name}.shape)"
    if len(o.sources) == 1:
        return f"np.add.at(d{o.sources[0].name}.reshape(-1), {list(o.index)}, np.ravel(d{o.name}))"
    grads = ", ".join(f"d{a.name}" for a in o.sources)
    return f"give(({grads},), {list(o.index)}, d{o.name})"


def _vjp_lines(block: Block) -> list[str]:
    """``d<operand> += ...`` for each operand of ``block``."""
    out, args = block.name, _args(block)
    if block.kind == "matmul":
        return [
            f"d{args[s]} += " + MATMUL["grads_numpy"][s].format(out=out, **args)
            for s in block.slots
        ]
    if block.op == "rowsum":
        return [f"d{block.operands[0].name} += d{out}[:, None]"]
    if block.kind == "reduction":
        return [f"d{o.name} += d{out}" for o in block.operands]
    form = _form(block)
    lines = []
    for o, g in zip(block.operands, form.grads_numpy, strict=True):
        g = g.format(out=out, **args)
        lines.append(f"d{o.name} += " + (f"np.sum({g})" if o.shape != block.shape else g))
    return lines


def _comment(block: Block) -> str:
    shape = f", {'×'.join(map(str, block.shape))}" if block.shape else ""
    return f"  # {block.forward}   [{block.kind}{shape}]"


def _leaves(program: Program, torch: bool) -> list[str]:
    """One line per leaf array: its numbers (one repeated number as ``full``)."""
    lines = []
    for a in program.leaf_arrays:
        values = [float(n.data) for n in a.nodes]
        f64 = ", dtype=torch.float64" if torch else ""
        if not a.shape:
            make = f"torch.tensor({values[0]!r}{f64})" if torch else f"np.array({values[0]!r})"
        elif len(values) > 1 and len(set(values)) == 1:
            make = f"{'torch' if torch else 'np'}.full({a.shape}, {values[0]!r}{f64})"
        else:
            numbers = "[" + ", ".join(map(repr, values)) + "]"
            make = f"torch.tensor({numbers}{f64})" if torch else f"np.array({numbers})"
            make += f".reshape({_shape(a.shape)})"
        lines.append(f"{a.name} = {make}" + (".requires_grad_()" if torch else ""))
    return lines


def _derived(program: Program) -> bool:
    return any(len(o.sources) > 1 for b in program.blocks for o in b.operands if not o.whole)


def _forward(program: Program, torch: bool) -> list[str]:
    lines = []
    for block in program.blocks:
        seen = set()
        for o in block.operands:
            if not o.whole and o.name not in seen:
                seen.add(o.name)
                lines.append(_prepare(o, torch))
        lines.append(f"{block.name} = {_forward_expr(block, torch)}{_comment(block)}")
    return lines


def numpy_source(program: Program, *, report: bool = True) -> str:
    """A numpy script: the leaves, the forward, the backward as the blocks' formulas."""
    for block in program.blocks:
        _form(block)
    root = program.home[program.root][0].name
    arrays = [a.name for a in program.arrays]
    lines = [
        '"""The graph lifted by chainrule (autograd.lift) as numpy: forward, then backward',
        'by each block\'s vector-Jacobian product, last block first. The numbers are the',
        'graph\'s as it was recorded: a branch on the data was taken as it was then."""',
        "import json",
        "import math",
        "",
        "import numpy as np",
        "",
    ]
    lines += user_source([b.op for b in program.blocks], torch=False)
    if _derived(program):
        lines += TAKE_NUMPY.strip("\n").splitlines() + ["", ""]
    lines += ["# the leaves, with the graph's numbers", *_leaves(program, False), "", "# forward"]
    lines += _forward(program, False)
    lines += ["", "# backward: every gradient starts at zero; each block adds its products"]
    lines += [f"d{name} = np.zeros_like({name})" for name in arrays]
    lines.append(f"d{root} += 1.0  # d{root}/d{root}")
    for block in reversed(program.blocks):
        derived = list({o.name: o for o in block.operands if not o.whole}.values())
        lines.append(f"# {' ; '.join(block.backward)}")
        lines += [f"d{o.name} = np.zeros_like({o.name})" for o in derived]
        lines += _vjp_lines(block)
        lines += [_give_back(o) for o in derived]
    leaves = ", ".join(f"d{a.name}" for a in program.leaf_arrays)
    lines += ["", f"grads = np.concatenate([np.ravel(g) for g in ({leaves},)])"]
    if report:
        lines.append(f'print(json.dumps({{"loss": {root}.item(), "grads": grads.tolist()}}))')
    return "\n".join(lines) + "\n"


def torch_source(program: Program) -> str:
    """A PyTorch script: the leaves as tensors, the forward, backward by autograd."""
    for block in program.blocks:
        _form(block)
    root = program.home[program.root][0].name
    lines = [
        '"""The graph lifted by chainrule (autograd.lift) as PyTorch: the forward written',
        'out, the backward by torch.autograd. The numbers are the graph\'s as it was',
        'recorded: a branch on the data was taken as it was then."""',
        "import json",
        "",
        "import torch",
        "",
    ]
    user = user_source([b.op for b in program.blocks], torch=True)
    if user:
        lines[-1:-1] = ["import numpy as np"]
        lines += user
    if _derived(program):
        lines += TAKE_TORCH.strip("\n").splitlines() + ["", ""]
    lines += ["# the leaves, with the graph's numbers", *_leaves(program, True), "", "# forward"]
    lines += _forward(program, True)
    leaves = ", ".join(a.name for a in program.leaf_arrays)
    lines += [
        "",
        f"{root}.backward(torch.ones_like({root}))",
        f"grads = torch.cat([t.grad.reshape(-1) for t in ({leaves},)])",
        f'print(json.dumps({{"loss": {root}.item(), "grads": grads.tolist()}}))',
    ]
    return "\n".join(lines) + "\n"
