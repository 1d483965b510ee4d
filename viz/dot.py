"""DOT text for a graph of Values: a box per value, a circle per op, ∂ on every edge.

Everything drawn comes from the node fields (data, grad, label, parents) and the op
table (symbol, rule, local derivatives); no op is drawn by a special case.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from autograd import Value, topo_order
from autograd.text import grad_of, names, num

__all__ = ["GraphView", "build_dot", "node_id"]


def node_id(index: int) -> str:
    """The DOT id of the value at ``index`` in topological order."""
    return f"v{index}"


def _escape(text: str) -> str:
    """Text for a record label: its special characters quoted."""
    for ch in '\\{}|<>"':
        text = text.replace(ch, "\\" + ch)
    return text


def _record(fields: list[str]) -> str:
    """A DOT record label holding ``fields``, each escaped."""
    return "{ " + " | ".join(_escape(f) for f in fields) + " }"


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass
class Neuron:
    """The nodes of one neuron's computation, drawn as one box."""

    name: str
    activation: str
    output: Value
    members: set[Value] = field(default_factory=set)
    inputs: list[Value] = field(default_factory=list)
    partials: list[float] = field(default_factory=list)


@dataclass
class GraphView:
    """What to draw: the nodes kept, cut at a depth, and neurons to collapse."""

    order: list[Value]
    cut: set[Value]
    neurons: dict[Value, Neuron]
    hidden: set[Value]
    index: dict[Value, int]  # position among all ancestors: ids that a cut does not shift


def select(top: Value, depth: int | None = None, model: Any = None) -> GraphView:
    """The ancestors of ``top``, within ``depth`` ops of it, with ``model``'s neurons."""
    order = topo_order(top)
    index = {node: i for i, node in enumerate(order)}
    cut: set[Value] = set()
    if depth is not None:
        if depth < 0:
            raise ValueError(f"depth must be >= 0, got {depth}")
        distance = {top: 0}
        for node in reversed(order):
            if node not in distance:
                continue
            for parent in node.parents:
                d = distance[node] + 1
                if d < distance.get(parent, d + 1):
                    distance[parent] = d
        order = [n for n in order if n in distance and distance[n] <= depth]
        cut = {n for n in order if distance[n] == depth and not n.is_leaf}
    neurons = _neurons(order, model) if model is not None else {}
    hidden = {node for node, neuron in neurons.items() if neuron.output is not node}
    return GraphView(order, cut, neurons, hidden, index)


def _neurons(order: list[Value], model: Any) -> dict[Value, Neuron]:
    """Map every node inside one of ``model``'s neurons to that neuron."""
    if not hasattr(model, "named_parameters"):
        raise TypeError(f"collapse= takes an nn model, got {type(model).__name__}")
    owners = _neuron_owners(model)
    consumers: dict[Value, list[Value]] = {}
    for node in order:
        for parent in node.parents:
            consumers.setdefault(parent, []).append(node)
    found: dict[Value, Neuron] = {}
    for node in order:
        parents = node.parents
        first = parents[0] if parents else None
        owner = owners.get(first)
        if owner is None or first is not owner[1].w[0]:
            continue
        name, unit = owner
        weights = set(map(id, unit.w))
        if not all(id(p) in weights for p in parents[::2]):
            continue
        neuron = Neuron(name, unit.activation, node, {node})
        neuron.inputs = list(parents[1::2])
        neuron.partials = list(node.local_grads()[1::2])
        _absorb(neuron, consumers, unit)
        for member in neuron.members:
            found[member] = neuron
        for p in unit.parameters():
            found[p] = neuron
    return found


def _absorb(neuron: Neuron, consumers: dict[Value, list[Value]], unit: Any) -> None:
    """Follow the neuron's sum through its bias and activation, chaining the partials."""
    if unit.b is not None:  # the bias is added by the one consumer that also reads b
        adds = [c for c in consumers.get(neuron.output, []) if c.parents[-1:] == (unit.b,)]
        if len(adds) != 1:
            return
        _take(neuron, adds[0])
    if unit.activation != "linear":  # the activation is the sum's only consumer, unary
        users = consumers.get(neuron.output, [])
        if len(users) == 1 and len(users[0].parents) == 1:
            _take(neuron, users[0])


def _take(neuron: Neuron, node: Value) -> None:
    local = node.local_grads()[0]
    neuron.partials = [p * local for p in neuron.partials]
    neuron.output = node
    neuron.members.add(node)


def _neuron_owners(model: Any) -> dict[Value, tuple[str, Any]]:
    owners = {}
    for name, unit in _walk(model, ""):
        for p in unit.w:
            owners[p] = (name, unit)
    return owners


def _walk(module: Any, prefix: str) -> Iterable[tuple[str, Any]]:
    """Every neuron (a module with weights ``w``) inside ``module``, with its name."""
    if hasattr(module, "w") and hasattr(module, "activation"):
        yield prefix.rstrip("."), module
        return
    for attr in ("layers", "neurons"):
        for i, child in enumerate(getattr(module, attr, [])):
            yield from _walk(child, f"{prefix}{attr}.{i}.")


def build_dot(
    view: GraphView,
    *,
    root: Value,
    rankdir: str = "LR",
    rules: bool = False,
    computed: bool | None = None,
    shares: bool = True,
    styles: dict[str, str] | None = None,
) -> str:
    """The DOT text of ``view``; the same graph always gives the same bytes.

    ``shares`` writes a reused node's grad as the sum of its contributions.
    ``styles`` adds DOT attributes to chosen nodes and edges, by id (``v3``,
    ``v3op``, ``v3op_0`` for the edge into slot 0 of ``v3``'s op).
    """
    if rankdir not in ("LR", "RL", "TB", "BT"):
        raise ValueError(f"rankdir must be LR, RL, TB or BT, got {rankdir!r}")
    has_grads = computed if computed is not None else grad_of(root) != 0.0
    index = view.index
    named = names(index)  # the same names as graph_text and the stepper, from the full order
    consumers: dict[Value, list[tuple[Value, int]]] = {}
    for node in view.order:
        if node in view.cut:
            continue
        for slot, parent in enumerate(node.parents):
            consumers.setdefault(parent, []).append((node, slot))
    lines = [
        "digraph chainrule {",
        f'  graph [rankdir={rankdir}, fontname="Helvetica", nodesep=0.25, ranksep=0.4];',
        '  node [fontname="Helvetica", fontsize=11];',
        '  edge [fontname="Helvetica", fontsize=9];',
    ]
    if not has_grads:
        lines.append('  label="grads not computed yet: call backward()"; labelloc=t;')
    drawn = set()
    for node in view.order:
        if node in view.hidden:
            continue
        neuron = view.neurons.get(node)
        if neuron is not None and neuron.output is node:
            lines += _neuron_lines(neuron, node, index, named, has_grads)
            drawn.add(node)
            continue
        lines.append(
            _value_line(node, index, named, has_grads, consumers if shares else {}, view.cut)
        )
        drawn.add(node)
        if node.is_leaf or node in view.cut:
            continue
        me = node_id(index[node])
        spec = node.op_spec
        lines.append(f'  {me}op [label={_quote(spec.symbol)}, shape=circle, id="{me}op"];')
        lines.append(f"  {me}op -> {me};")
        for slot, (parent, local) in enumerate(zip(node.parents, node.local_grads(), strict=True)):
            text = num(local)
            if rules:
                text = f"{spec.rule(slot)} = {text}"
            source = _source_of(parent, view, index)
            lines.append(f'  {source} -> {me}op [label={_quote(text)}, id="{me}op_{slot}"];')
    for node in view.order:
        neuron = view.neurons.get(node)
        if neuron is None or neuron.output is not node:
            continue
        me = node_id(index[node])
        for slot, (x, d) in enumerate(zip(neuron.inputs, neuron.partials, strict=True)):
            lines.append(
                f"  {_source_of(x, view, index)} -> {me} [label={_quote(num(d))}, "
                f'id="{me}_in{slot}"];'
            )
    lines.append("}")
    for key, extra in (styles or {}).items():
        lines = [line.replace(f'id="{key}"]', f'id="{key}", {extra}]') for line in lines]
    return "\n".join(lines) + "\n"


def _source_of(parent: Value, view: GraphView, index: dict[Value, int]) -> str:
    neuron = view.neurons.get(parent)
    if neuron is not None:
        return node_id(index[neuron.output])
    return node_id(index[parent])


def _value_line(
    node: Value,
    index: dict[Value, int],
    named: dict[Value, str],
    has_grads: bool,
    consumers: dict[Value, list[tuple[Value, int]]],
    cut: set[Value],
) -> str:
    me = node_id(index[node])
    fields = [named[node], f"data {num(node.data)}", _grad_field(node, has_grads, consumers)]
    label = _record(fields)
    style = ', style="dashed", tooltip="inputs not drawn (depth limit)"' if node in cut else ""
    return f'  {me} [label={_quote(label)}, shape=record, id="{me}"{style}];'


def _grad_field(
    node: Value, has_grads: bool, consumers: dict[Value, list[tuple[Value, int]]]
) -> str:
    if not has_grads:
        return "grad ?"
    g = num(grad_of(node))
    uses = consumers.get(node, [])
    if len(uses) < 2:
        return f"grad {g}"
    shares = [c.local_grads()[slot] * grad_of(c) for c, slot in uses]
    return f"grad {g} = " + " + ".join(f"({num(s)})" for s in shares)


def _neuron_lines(
    neuron: Neuron, node: Value, index: dict[Value, int], named: dict[Value, str], has_grads: bool
) -> list[str]:
    me = node_id(index[node])
    grad = f"grad {num(grad_of(node))}" if has_grads else "grad ?"
    fields = [neuron.name, f"{neuron.activation}(Σ w·x + b)", f"data {num(node.data)}", grad]
    label = _record(fields)
    return [
        f'  {me} [label={_quote(label)}, shape=record, style="rounded,filled", '
        f'fillcolor="#eef3fb", id="{me}"];'
    ]
