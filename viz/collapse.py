"""``collapse=model``: one box per layer, a row per neuron over the whole batch,
whatever code built it.

A neuron is found in the graph from its parameters: the products and sums that
read its weights and bias (a fused ``dot`` or micrograd's ``w*x`` chain), and the
activation applied once every parameter is in. Each row stands for that neuron in
every sample: its value (one sample's, or the mean over several) and its grad summed
over the samples; the inputs are one box with a row per position, in order. A
layer's grad is the sum of its rows'. One edge joins two boxes and carries the share
of the gradient passed back along every connection between them, summed over the
samples, so each box's grad is the sum of its outgoing edges.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from autograd import Value
from autograd.explain.describe import Description
from autograd.explain.text import num
from viz.dot import FONT, NO_GRADS, GraphView, escape

__all__ = ["Box", "boxes_dot", "find_units"]


@dataclass
class Box:
    """A neuron, an input position, or the rest of the graph: a row of its group's box
    (a layer, the inputs) or, for the rest, a box of its own."""

    key: str
    title: str
    kind: str  # "unit", "input" or "rest"
    group: str
    row: str
    place: int = 0  # the neuron's index in its layer, the input's position
    detail: str = ""
    outputs: list[Value] = field(default_factory=list)


@dataclass(eq=False)
class _Unit:
    name: str
    activation: str
    params: dict[Value, int]
    size: int
    bias: Value | None


def _units(model: Any) -> Iterator[_Unit]:
    """Every neuron of ``model`` (anything with weights ``w`` and bias ``b``), named."""
    if not (hasattr(model, "layers") or hasattr(model, "neurons") or hasattr(model, "w")):
        raise TypeError(f"collapse= takes an nn model, got {type(model).__name__}")
    for name, unit in _walk(model, ""):
        bias = getattr(unit, "b", None)
        params = list(unit.w) + ([bias] if bias is not None else [])
        activation = getattr(unit, "activation", None)
        if activation is None:  # micrograd's Neuron says nonlin=True for ReLU
            activation = "ReLU" if getattr(unit, "nonlin", False) else "linear"
        index = {p: i for i, p in enumerate(params)}
        yield _Unit(name or "neuron", activation, index, len(params), bias)


def _walk(module: Any, prefix: str) -> Iterator[tuple[str, Any]]:
    """Each neuron inside ``module`` with its dotted name (``layers.0.neurons.3``)."""
    if hasattr(module, "w"):
        yield prefix.rstrip("."), module
        return
    for attr in ("layers", "neurons"):
        for i, child in enumerate(getattr(module, attr, [])):
            yield from _walk(child, f"{prefix}{attr}.{i}.")


def find_units(order: list[Value], model: Any) -> dict[Value, tuple[_Unit, bool]]:
    """Each node inside a neuron: (the neuron, whether it is that neuron's output).

    A node joins a neuron when it is a product of one of its weights and an input,
    a ``dot`` of its weights, a sum of its partial sums, its bias or a zero (how
    ``sum()`` starts), or the activation of its complete sum.
    """
    owner: dict[Value, _Unit] = {}
    for unit in _units(model):
        for p in unit.params:
            owner[p] = unit
    found: dict[Value, tuple[_Unit, bool]] = {}
    covered: dict[Value, int] = {}

    def open_member(p: Value) -> _Unit | None:
        entry = found.get(p)
        return entry[0] if entry is not None and not entry[1] else None

    for node in order:
        parents, op = node.parents, node.op
        unit, count = None, 0
        if op == "dot" and len({owner.get(w) for w in parents[::2]}) == 1:
            unit, count = owner.get(parents[0]), len(parents) // 2
            if any(owner.get(x) is unit for x in parents[1::2]):
                unit = None
        elif op == "mul":
            a, b = parents
            if (owner.get(a) is None) != (owner.get(b) is None):
                unit, count = owner.get(a) or owner.get(b), 1
        elif op == "add":
            units = {open_member(p) for p in parents} - {None}
            if len(units) == 1:
                (unit,) = units
                for p in parents:
                    if open_member(p) is unit and covered[p] < unit.size:
                        count += covered[p]
                    elif p is unit.bias:
                        count += 1  # the bias
                    elif not (p.is_leaf and p.data == 0.0 and p not in owner):
                        unit = None
        elif len(parents) == 1 and (unit := open_member(parents[0])) is not None:
            complete = covered[parents[0]] == unit.size and unit.activation != "linear"
            if complete:
                found[node] = (unit, True)
            continue
        if unit is None or not count or count > unit.size:
            continue
        covered[node] = count
        found[node] = (unit, count == unit.size and unit.activation == "linear")
    return found


def boxes_dot(
    view: GraphView, model: Any, grads: Mapping[Value, float] | None, rankdir: str
) -> tuple[str, int]:
    """The DOT text of ``view`` with every layer of ``model`` one box (a row per neuron,
    over all samples), and the number of boxes drawn."""
    described = view.described
    found = find_units(view.order, model)
    params = {p for unit, _ in found.values() for p in unit.params}
    boxes: dict[str, Box] = {}
    where: dict[Value, Box] = {}
    for node in view.order:
        if node not in params:
            where[node] = _assign(node, described, found, boxes)
    flows: dict[tuple[str, str], float] = {}
    for node in view.order:
        if node not in where:
            continue
        here = where[node]
        if node in found and found[node][1] or here.kind == "input":
            here.outputs.append(node)
        upstream = grads[node] if grads is not None else 0.0
        for parent, local in zip(node.parents, described.local_grads_of(node), strict=True):
            source = where.get(parent)
            if source is None or source.group == here.group:
                continue
            key = (source.group, here.group)
            flows[key] = flows.get(key, 0.0) + (local * upstream if upstream else 0.0)
    if "rest" in boxes:
        boxes["rest"].outputs[:] = [described.root]
    groups: dict[str, list[Box]] = {}
    for box in sorted(boxes.values(), key=_row_order):
        groups.setdefault(box.group, []).append(box)
    ids = {key: f"g{i}" for i, key in enumerate(groups)}
    samples = max((len(b.outputs) for b in boxes.values() if b.kind != "rest"), default=1)
    caption = (
        f"each box: a layer, one row per neuron over {samples} sample(s) (data: the mean, "
        "grad: the sum); a box's grad is the sum of its rows'; each edge: the share of the "
        "gradient it passes back, Σ over samples"
    )
    if grads is None:
        caption += f"\n{NO_GRADS}"
    lines = [
        "digraph chainrule {",
        f'  graph [rankdir={rankdir}, fontname="{FONT}", nodesep=0.4, ranksep=0.9];',
        f'  node [fontname="{FONT}", fontsize=11];',
        f'  edge [fontname="{FONT}", fontsize=10];',
        f'  label="{escape(caption)}"; labelloc=t;',
    ]
    for key, rows in groups.items():
        label = _group_label(rows, grads, samples, rankdir)
        style = ', style="rounded,filled", fillcolor="#eef3fb"' if rows[0].kind == "unit" else ""
        lines.append(f'  {ids[key]} [label="{label}", shape=record, id="{ids[key]}"{style}];')
    for n, ((src, dst), value) in enumerate(flows.items()):
        text = "share ?" if grads is None else f"share {num(value)}"
        lines.append(f'  {ids[src]} -> {ids[dst]} [label="{text}", id="{ids[dst]}_in{n}"];')
    lines.append("}")
    return "\n".join(lines) + "\n", len(groups)


def _row_order(box: Box) -> tuple[int, int, str]:
    """Inputs first, by position; then each layer's neurons by their index; the rest last."""
    return {"input": 0, "unit": 1, "rest": 2}[box.kind], box.place, box.row


def _group_label(
    rows: list[Box], grads: Mapping[Value, float] | None, samples: int, rankdir: str
) -> str:
    """A record: the group's title and total grad, then a column per field, a row per box."""

    def total(box: Box) -> float | None:
        return None if grads is None else sum(grads[o] for o in box.outputs)

    first = rows[0]
    sums = [total(b) for b in rows]
    whole = "grad ?" if grads is None else f"grad {num(sum(sums))}"  # type: ignore[arg-type]
    if first.kind == "rest":
        fields = [first.title, "the rest of the graph", f"data {_data(first.outputs)}", whole]
        return _stacked([escape(f, record=True) for f in fields], rankdir)
    kinds = sorted({b.detail for b in rows})
    title = first.group if first.kind == "unit" else "inputs"
    head = f"{title}: {len(rows)} neuron(s), {', '.join(kinds)}" if first.kind == "unit" else title
    many = samples > 1
    columns = [
        ["neuron" if first.kind == "unit" else "input", *(b.row for b in rows)],
        ["data (mean)" if many else "data", *(_data(b.outputs) for b in rows)],
        ["grad (Σ)" if many else "grad", *("?" if g is None else num(g) for g in sums)],
    ]
    if len(kinds) > 1:
        columns.insert(1, ["activation", *(b.detail for b in rows)])
    cells = " | ".join(
        "{ " + " | ".join(escape(c, record=True) for c in col) + " }" for col in columns
    )
    fields = [escape(head, record=True), escape(whole, record=True), f"{{ {cells} }}"]
    return _stacked(fields, rankdir)


def _stacked(fields: list[str], rankdir: str) -> str:
    """Record fields one above the other (dot stacks a bare list when LR, a braced one TB)."""
    joined = " | ".join(fields)
    return joined if rankdir in ("LR", "RL") else f"{{ {joined} }}"


def _assign(
    node: Value,
    described: Description,
    found: Mapping[Value, tuple[_Unit, bool]],
    boxes: dict[str, Box],
) -> Box:
    """The box ``node`` is drawn in: its neuron's, its input position's, or the rest."""
    if node in found:
        unit = found[node][0]
        prefix, sep, index = unit.name.rpartition("neurons.")  # layers.0.neurons.3
        layer = prefix.rstrip(".") or "layer"  # a Layer's own neurons are neurons.k
        if not (sep and index.isdigit()):
            layer = index = unit.name  # a lone neuron
        box = Box(f"unit {unit.name}", unit.name, "unit", layer, index)
        box.place = int(index) if index.isdigit() else 0
        box.detail = f"{unit.activation}(Σ w·x + b)"
    else:
        position = _input_position(node, described, found) if node.is_leaf else None
        if position is None:
            box = Box("rest", described.names[described.root], "rest", "rest", "")
        else:
            title = node.label or f"x[{position}]"
            box = Box(f"input {title}", title, "input", "inputs", title)
            box.place = position
    return boxes.setdefault(box.key, box)


def _input_position(
    leaf: Value, described: Description, found: Mapping[Value, tuple[_Unit, bool]]
) -> int | None:
    """The weight index a leaf is multiplied by in a neuron, or None if none reads it."""
    for edge in described.consumers[leaf]:
        node = edge.node
        if node not in found:
            continue
        if node.op == "dot":
            return edge.slot // 2
        unit = found[node][0]
        for p in node.parents:
            if p in unit.params:
                return unit.params[p]
    return None


def _data(outs: list[Value]) -> str:
    """One sample's value, the mean over several, or — when no output is drawn."""
    if not outs:
        return "—"
    return num(sum(o.data for o in outs) / len(outs))
