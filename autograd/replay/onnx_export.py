"""``Tape.to_onnx``: a traced graph as an ONNX model, forward and, if asked, backward.

The model takes one DOUBLE input per argument of the trace, shaped as
``Tape.forward`` takes it ((rows,) or (rows, width)), and gives ``output`` shaped as
``Tape.forward`` gives it. Parameters and constants are initializers holding their
values at export. ``backward=True`` adds the gradients ``Tape.backward()`` computes
(of the sum of every output over the rows): ``grad_<argument>`` for each argument,
shaped as it, and ``grad_<leaf>`` for each parameter or constant, summed over the
rows. Each node's local derivatives are the op table's rules, evaluated on symbolic
tensors that write ONNX operators (``autograd.replay.onnx_ops``).
"""

from __future__ import annotations

import inspect
import os
from typing import TYPE_CHECKING, Any

from autograd.graph import parents_of

if TYPE_CHECKING:
    from autograd.replay.tape import Tape

__all__ = ["export", "local_rules"]


def _onnx() -> Any:
    try:
        import onnx
    except ImportError:
        raise ImportError(
            "Tape.to_onnx needs the onnx package, which is not installed: "
            "pip install 'chainrule[onnx]'"
        ) from None
    return onnx


def local_rules(op: Any, out: Any, inputs: list[Any]) -> list[Any]:
    """The op table's local derivatives of ``op`` as ONNX (Syms), or numbers where constant."""
    try:
        return list(op.grads(out, *inputs))
    except TypeError as err:
        if op.name != "vpow":
            raise ValueError(
                f"Tape.to_onnx: the op table's rule for {op.name!r} cannot be written as ONNX "
                f"({err}); export without backward=True"
            ) from None
    # vpow's rule branches on the base's sign in Python; the same rule as a selection:
    # b·a^(b-1), and out·log(a) for a > 0, 0 for a = 0, NaN (the engine raises) for a < 0
    from autograd.replay.onnx_ops import where_

    a, b = inputs
    toward_b = where_(
        a > 0.0, out * where_(a > 0.0, a, 1.0)._op("Log"), where_(a == 0.0, 0.0, float("nan"))
    )
    return [b * a ** (b - 1.0), toward_b]


def export(tape: Tape, path: str | os.PathLike, backward: bool = False) -> str:
    """Write ``tape`` to ``path`` as ONNX; see the module's docstring. Returns the path."""
    onnx = _onnx()
    from onnx import TensorProto, helper

    from autograd.replay.onnx_ops import DOMAIN, OPSET, Graph, Sym

    for i, node in enumerate(tape.nodes):
        op = node.op_spec
        if op is not None and op.array is None:
            raise ValueError(
                f"Tape.to_onnx: op {op.name!r} (node {i}) has no ONNX form: the export writes "
                f"each op's array form as ONNX, and {op.name!r} has none; give it one with "
                f"define_op({op.name!r}, ..., array=fn), fn written with numpy's functions"
            )
    if not tape.widths:
        raise ValueError("Tape.to_onnx: the traced function takes no inputs, so it has no rows")
    args = _argument_names(tape)
    index = {node: i for i, node in enumerate(tape.nodes)}
    leaves = _leaf_names(tape, index, set(args) | {"output"})
    g = Graph({}, set(args) | set(leaves.values()) | {"output"} | _grad_names(args, leaves))
    inputs = [
        helper.make_tensor_value_info(n, TensorProto.DOUBLE, ["rows"] if w is None else ["rows", w])
        for n, w in zip(args, tape.widths, strict=True)
    ]
    initializers = [
        helper.make_tensor(leaves[i], TensorProto.DOUBLE, [], [tape.nodes[i].data]) for i in leaves
    ]
    rows = g.emit("Shape", Sym(g, args[0]), end=1)
    columns = _columns(g, tape, args)
    values: list[Sym] = []
    for i, node in enumerate(tape.nodes):
        if i in leaves:
            values.append(Sym(g, leaves[i]))
        elif node.is_leaf:
            values.append(columns[i])
        else:
            parents = [values[index[p]] for p in parents_of(node)]
            values.append(_forward(node.op_spec, parents))
    outs = [g.emit("Expand", values[index[o]], rows) for o in tape.outputs]
    outputs = [(_stack(g, outs, "output", tape.single, len(tape.outputs)), _shape(tape))]
    if backward:
        seed = g.emit("Expand", 1.0, rows)  # Tape.backward()'s seed: ones
        grads = _backward(tape, values, seed, index)
        outputs += _gradient_outputs(g, tape, args, leaves, grads, rows)
    graph = helper.make_graph(
        g.nodes,
        "chainrule_tape",
        inputs,
        [helper.make_tensor_value_info(o.name, TensorProto.DOUBLE, shape) for o, shape in outputs],
        initializers,
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET), helper.make_opsetid(DOMAIN, 1)],
        functions=list(g.functions.values()),
        ir_version=8,
        producer_name="chainrule",
    )
    onnx.checker.check_model(model)
    onnx.save(model, os.fspath(path))
    return os.fspath(path)


def _forward(op: Any, inputs: list[Any]) -> Any:
    """The op table's array form of ``op`` on Syms: the forward as ONNX."""
    try:
        out = op.on_arrays(*inputs)
    except TypeError as err:
        raise ValueError(
            f"Tape.to_onnx: the array form of {op.name!r} cannot be written as ONNX ({err}); "
            "write it with arithmetic and numpy's functions (np.exp, np.where ...)"
        ) from None
    from autograd.replay.onnx_ops import Sym

    if not isinstance(out, Sym):
        raise ValueError(
            f"Tape.to_onnx: the array form of {op.name!r} gave {type(out).__name__} "
            f"{out!r:.60}, not a tensor: write it with arithmetic and numpy's functions"
        )
    return out


def _shape(tape: Tape) -> list[Any]:
    return ["rows"] if tape.single else ["rows", len(tape.outputs)]


def _argument_names(tape: Tape) -> list[str]:
    """The traced function's parameter names where it has one per argument, else input0 ..."""
    try:
        params = list(inspect.signature(tape.fn).parameters.values())
    except (TypeError, ValueError):
        params = []
    names = [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if len(names) != len(tape.widths) or len(params) != len(names):
        names = [f"input{i}" for i in range(len(tape.widths))]
    return names


def _leaf_names(tape: Tape, index: dict[Any, int], taken: set[str]) -> dict[int, str]:
    """Node position -> a unique name for each parameter or constant (its label if it has
    one), in the order of ``tape.shared``."""
    names: dict[int, str] = {}
    for node in tape.shared:
        i = index[node]
        name = node.label or f"leaf{i}"
        if name in taken:
            name = f"{name}#{i}"
        taken.add(name)
        names[i] = name
    return names


def _grad_names(args: list[str], leaves: dict[int, str]) -> set[str]:
    return {f"grad_{n}" for n in [*args, *leaves.values()]}


def _columns(g: Any, tape: Tape, args: list[str]) -> dict[int, Any]:
    """Node position -> its column of the inputs, for the nodes that are inputs."""
    from autograd.replay.onnx_ops import Sym
    from autograd.replay.tape_layout import Input

    where = [
        (a, None if w is None else k)
        for a, w in enumerate(tape.widths)
        for k in range(1 if w is None else w)
    ]
    columns = {}
    for i, entry in enumerate(tape.program):
        if isinstance(entry, Input):
            a, k = where[entry.position]
            x = Sym(g, args[a])
            columns[i] = x if k is None else g.emit("Gather", x, g.const(k, 7), axis=1)
    return columns


def _int_tensor(values: list[int]) -> Any:
    from onnx import TensorProto, helper

    return helper.make_tensor("n", TensorProto.INT64, [len(values)], values)


def _stack(g: Any, columns: list[Any], name: str, single: bool, count: int) -> Any:
    """The columns as one (rows,) or (rows, count) tensor named ``name``."""
    from autograd.replay.onnx_ops import Sym

    if single and count == 1:
        g.nodes.append(_identity(columns[0].name, name))
    else:
        axis = g.emit("Constant", value=_int_tensor([1]))
        parts = [g.emit("Unsqueeze", c, axis) for c in columns]
        g.nodes.append(_node("Concat", [p.name for p in parts], name, axis=1))
    return Sym(g, name)


def _identity(source: str, name: str) -> Any:
    return _node("Identity", [source], name)


def _node(op_type: str, inputs: list[str], output: str, **attrs: Any) -> Any:
    from onnx import helper

    return helper.make_node(op_type, inputs, [output], **attrs)


def _backward(tape: Tape, values: list[Any], seed: Any, index: dict) -> dict[int, Any]:
    """Each node's gradient, row by row: the seed pushed back through the op table's rules."""
    grads: dict[int, Any] = {}

    def add(i: int, contribution: Any) -> None:
        grads[i] = contribution if i not in grads else grads[i] + contribution

    for o in tape.outputs:
        add(index[o], seed)
    for i in reversed(range(len(tape.nodes))):
        node = tape.nodes[i]
        if node.is_leaf or i not in grads:
            continue
        parents = [index[p] for p in parents_of(node)]
        rules = local_rules(node.op_spec, values[i], [values[p] for p in parents])
        upstream = grads[i]
        for p, local in zip(parents, rules, strict=True):
            if isinstance(local, (int, float)):
                if local == 0.0:
                    continue
                add(
                    p,
                    upstream if local == 1.0 else -upstream if local == -1.0 else upstream * local,
                )
            else:
                add(p, local * upstream)
    return grads


def _gradient_outputs(
    g: Any, tape: Tape, args: list[str], leaves: dict[int, str], grads: dict[int, Any], rows: Any
) -> list[Any]:
    from autograd.replay.onnx_ops import Sym
    from autograd.replay.tape_layout import Input

    zero = g.emit("Expand", 0.0, rows)
    by_input = {e.position: i for i, e in enumerate(tape.program) if isinstance(e, Input)}
    outputs, start = [], 0
    for name, width in zip(args, tape.widths, strict=True):
        count = 1 if width is None else width
        columns = [
            g.emit("Expand", grads[by_input[k]], rows)
            if k in by_input and by_input[k] in grads
            else zero
            for k in range(start, start + count)
        ]
        shape = ["rows"] if width is None else ["rows", width]
        outputs.append((_stack(g, columns, f"grad_{name}", width is None, count), shape))
        start += count
    for i, name in leaves.items():
        total = g.emit("ReduceSum", grads[i], keepdims=0) if i in grads else g.const(0.0)
        g.nodes.append(_identity(total.name, f"grad_{name}"))
        outputs.append((Sym(g, f"grad_{name}"), []))
    return outputs
