"""DOT text for a graph of Values: a box per value, a circle per op, a rule on every edge.

Everything drawn is read from the graph's description (``autograd.explain.describe``): the
learner's names, each op's symbol and each edge's rule written in those names. A
value whose shown gradient is not the sum of its drawn shares is marked, so a
picture never contradicts its own chain rule without saying so; an op that ran
exactly at its kink (relu at 0) is marked, its tooltip naming the convention used;
a node that ``create_graph`` made says which op-table rule it came from.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from autograd import Value
from autograd.explain.describe import Description, Edge, kink_note, origin
from autograd.explain.text import num

__all__ = [
    "FONT",
    "NO_GRADS",
    "QUICK_LAYOUT",
    "QUICK_PLACEMENT",
    "RULES_IN_OPS_PAST",
    "GraphView",
    "build_dot",
    "escape",
    "node_id",
    "select",
    "shown_grads",
]

FONT = "Arial"
"""Arial's metrics are graphviz-pure's own (Arimo) and Liberation Sans's, so text fits
its box in browsers and in librsvg alike."""

NO_GRADS = "grads not computed yet (every grad is 0): call backward()"
_KINK = "#ff7f0e"  # an op that ran exactly at its kink: its derivative is a convention
_MISMATCH = 1e-9  # relative: sums taken in another order differ in the last bits

RULES_IN_OPS_PAST = 400
"""Past this many drawn edges, dot's layout of the edges' rules gets slow: it lays out
each edge label as a node of its own, so that it never overlaps anything, and routing
the edges through those nodes made a 1,630-value graph 2.5x slower to draw than the
same graph without labels (micrograd's notebook diagram; see benchmarks/README.md).
A diagram then draws each op as a box listing its inputs' rules, each edge entering
its own rule's cell, and dot's pass placing the nodes stops early (``QUICK_PLACEMENT``):
0.6x micrograd's time. The animation keeps the rules on the edges, so that a step
highlights an edge with its rule, and stops dot's passes early (``QUICK_LAYOUT``)."""
QUICK_PLACEMENT = "nslimit=0.1"
QUICK_LAYOUT = "mclimit=0.1, nslimit=0.1, nslimit1=0.1, searchsize=5"
_INTO = {"LR": "w", "RL": "e", "TB": "n", "BT": "s"}  # the side an edge enters a cell by


def node_id(index: int) -> str:
    """The DOT id of the value at ``index`` in topological order."""
    return f"v{index}"


def escape(text: str, *, record: bool = False) -> str:
    """``text`` inside a DOT quoted string, drawn exactly as written (and as a record field).

    Graphviz would decode ``&lt;`` and ``&#65;``, drop a tab and stop at a NUL byte:
    ``&`` is written as ``&amp;``, and a control character other than a line break
    as its Python escape (``\\t``, ``\\x00``), so that it shows.
    """
    text = _CONTROL.sub(_visible, text)
    text = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    text = text.replace("&", "&amp;")
    if record:
        for ch in "{}|<>":
            text = text.replace(ch, "\\" + ch)
    return text


_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")


def _visible(match: re.Match[str]) -> str:
    return repr(match.group(0))[1:-1]


def _record(fields: list[str], stacked: bool = False) -> str:
    """A record's label: its fields side by side across the ranks' direction, or (``stacked``)
    along it, which keeps a left-to-right graph narrow."""
    joined = " | ".join(escape(f, record=True) for f in fields)
    return f'"{joined}"' if stacked else f'"{{ {joined} }}"'


@dataclass
class GraphView:
    """The nodes to draw (all of ``described`` or a part of it) and where inputs are cut."""

    described: Description
    order: list[Value]
    cut: set[Value] = field(default_factory=set)

    @property
    def whole(self) -> bool:
        return len(self.order) == len(self.described.order)


def select(described: Description, top: Value, depth: int | None = None) -> GraphView:
    """The ancestors of ``top`` within ``depth`` ops of it (all of them by default)."""
    if top not in described.index:
        raise ValueError("focus= must be a node of the graph being drawn")
    wanted = _ancestors(top)
    order = [n for n in described.order if n in wanted]
    if depth is None:
        return GraphView(described, order)
    if depth < 0:
        raise ValueError(f"depth must be >= 0, got {depth}")
    distance = {top: 0}
    for node in reversed(order):
        if node in distance:
            for parent in node.parents:
                distance[parent] = min(distance.get(parent, depth + 1), distance[node] + 1)
    order = [n for n in order if distance.get(n, depth + 1) <= depth]
    cut = {n for n in order if distance[n] == depth and not n.is_leaf}
    return GraphView(described, order, cut)


def _ancestors(top: Value) -> set[Value]:
    seen, stack = {top}, [top]
    while stack:
        for parent in stack.pop().parents:
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return seen


def shown_grads(root: Value, order: list[Value]) -> dict[Value, float] | None:
    """The graph's own ``.grad`` per node, or None while every one of them is 0 (before
    any backward reached them). A root at 0 whose inputs hold grads (another root's
    backward) is drawn as it is, and marked as not agreeing with its shares."""
    from autograd.explain.text import grad_of

    grads = {node: grad_of(node) for node in order}
    if grad_of(root) == 0.0 and not any(grads.values()):
        return None
    return grads


def build_dot(
    view: GraphView,
    grads: Mapping[Value, float] | None,
    *,
    rankdir: str = "LR",
    rules: bool = True,
    shares: bool = True,
    note: str = "",
    grad_text: Mapping[Value, str] | None = None,
    rules_in_ops: bool = True,
    stacked: bool = False,
) -> str:
    """The DOT text of ``view`` with ``grads`` shown (``?`` where None).

    ``rules`` writes each edge's rule beside its value (``∂L/∂d = f = -2.0``), on the
    edge, or past ``RULES_IN_OPS_PAST`` edges in the op's box, in the cell the edge
    enters (unless ``rules_in_ops`` is False);
    ``shares`` writes a reused node's grad as the sum of its contributions;
    ``grad_text`` writes given text in place of each grad (the animation sizes each
    box for its widest grad); ``stacked`` writes a value's name, data and grad one above
    the other in a left-to-right graph (side by side top to bottom), so that the graph
    is short along its ranks. The same graph always gives the same bytes.
    """
    if rankdir not in ("LR", "RL", "TB", "BT"):
        raise ValueError(f"rankdir must be LR, RL, TB or BT, got {rankdir!r}")
    described = view.described
    drawn = set(view.order)
    edges = sum(len(n.parents) for n in view.order if not (n.is_leaf or n in view.cut))
    in_ops = rules_in_ops and edges > RULES_IN_OPS_PAST
    quick = ""
    if edges > RULES_IN_OPS_PAST:
        quick = f", {QUICK_PLACEMENT if in_ops else QUICK_LAYOUT}"
    # stacked: compact enough for a notebook's width, the edges' text a point larger
    spacing, margin = ("ranksep=0.35", ', margin="0.06,0.03"') if stacked else ("ranksep=0.4", "")
    circle = "circle, width=0.3, margin=0" if stacked else "circle"
    lines = [
        "digraph chainrule {",
        f'  graph [rankdir={rankdir}, fontname="{FONT}", nodesep=0.25, {spacing}{quick}];',
        f'  node [fontname="{FONT}", fontsize=11{margin}];',
        f'  edge [fontname="{FONT}", fontsize={9 + stacked}];',
    ]
    wrong = _disagreeing(view, grads)
    caption = note
    if grads is None:
        caption = caption or NO_GRADS
    elif wrong:
        caption = (
            f"{len(wrong)} node(s) marked red hold a grad that is not the sum of their shares: "
            f"grads from another root, from backward() run twice, or set by hand. "
            f"zero_grad() then one backward() from {described.names[described.root]} "
            "makes them agree"
        ) + (f"\n{note}" if note else "")
    if caption:
        lines.append(f'  label="{escape(caption)}"; labelloc=t;')
    for node in view.order:
        me = node_id(described.index[node])
        line = _value_line(node, me, view, grads, wrong.get(node), shares, stacked)
        if grad_text is not None:
            line = line.replace(f"grad {num(grads[node])}", f"grad {grad_text[node]}", 1)
        lines.append(line)
        if node.is_leaf or node in view.cut:
            continue
        kink = kink_note(node, described.names)
        mark = (
            "" if kink is None else f', xlabel="⚠ kink", color="{_KINK}", tooltip="{escape(kink)}"'
        )
        inputs = [e for e in described.edges_into(node) if e.parent in drawn]
        texts = [e.text if rules else num(e.local) for e in inputs]
        if in_ops:
            label = _op_record(node, inputs, texts, rankdir)
            lines.append(f'  {me}op [label={label}, shape=Mrecord, fontsize=9, id="{me}op"{mark}];')
        else:
            label = escape(_op_label(node))
            lines.append(f'  {me}op [label="{label}", shape={circle}, id="{me}op"{mark}];')
        lines.append(f"  {me}op -> {me};")
        for edge, text in zip(inputs, texts, strict=True):
            source, into = node_id(described.index[edge.parent]), f"{me}op_{edge.slot}"
            if in_ops:  # into the cell holding its rule, from the side edges come from
                lines.append(f'  {source} -> {me}op:i{edge.slot}:{_INTO[rankdir]} [id="{into}"];')
            else:
                lines.append(f'  {source} -> {me}op [label="{escape(text)}", id="{into}"];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def _op_label(node: Value) -> str:
    """The op's symbol, with its constant parameters: ``**2``, ``LeakyReLU(0.1)``."""
    op = node.op_spec
    if not op.params:
        return op.symbol
    values = ", ".join(num(v).removesuffix(".0") for v in op.params.values())
    return f"{op.symbol}{values}" if not op.symbol[-1].isalnum() else f"{op.symbol}({values})"


def _op_record(node: Value, inputs: list[Edge], texts: list[str], rankdir: str) -> str:
    """An op as a record: a cell per input holding its rule (port ``i<slot>``) on the
    side its inputs come from (dot lays out RL and BT records as LR and TB ones), and
    the op on the other."""
    cells = " | ".join(
        f"<i{e.slot}> {escape(t, record=True)}" for e, t in zip(inputs, texts, strict=True)
    )
    sides = [f"{{ {cells} }}", escape(_op_label(node), record=True)]
    if rankdir in ("RL", "BT"):
        sides.reverse()
    return f'"{{ {sides[0]} | {sides[1]} }}"'


def _drawn_consumers(view: GraphView, node: Value) -> list[Edge] | None:
    """The edges out of ``node`` if every one of them is drawn, else None."""
    edges = view.described.consumers[node]
    if view.whole:
        return edges
    drawn = set(view.order)
    if all(e.node in drawn and e.node not in view.cut for e in edges):
        return edges
    return None


def share(edge: Edge, grads: Mapping[Value, float]) -> float:
    """What ``edge`` passes back: its local derivative times its consumer's grad."""
    upstream = grads[edge.node]
    return 0.0 if upstream == 0.0 else edge.local * upstream  # type: ignore[operator]


def _disagreeing(view: GraphView, grads: Mapping[Value, float] | None) -> dict[Value, float]:
    """Drawn nodes whose grad differs from the sum of their drawn shares, with that sum."""
    if grads is None:
        return {}
    root = view.described.root
    wrong = {}
    for node in view.order:
        edges = _drawn_consumers(view, node)
        if edges is None or node is not root and not edges:
            continue
        if any(e.local is None and grads[e.node] != 0.0 for e in edges):
            continue  # an undefined local derivative: backward itself refuses these
        want = 1.0 if node is root else sum(share(e, grads) for e in edges)
        have = grads[node]
        if abs(have - want) > _MISMATCH * max(1.0, abs(want)):
            wrong[node] = want
    return wrong


def _value_line(
    node: Value,
    me: str,
    view: GraphView,
    grads: Mapping[Value, float] | None,
    should_be: float | None,
    shares: bool,
    stacked: bool,
) -> str:
    fields = [view.described.names[node], f"data {num(node.data)}"]
    if came_from := origin(node):  # backward is a graph too: the rule that made this node
        fields.insert(1, f"from {came_from}")
    extra = ""
    if grads is None:
        fields.append("grad ?")
    else:
        fields.append(f"grad {num(grads[node])}")
        edges = _drawn_consumers(view, node)
        parts = " + ".join(f"({num(share(e, grads))})" for e in edges or ())
        if should_be is not None:
            sums = f"{parts} = {num(should_be)}" if len(edges) > 1 else num(should_be)
            fields.append(f"≠ Σ shares {sums}")
            extra = ', color="#d62728", fontcolor="#d62728", style="dashed"'
        elif shares and edges and len(edges) > 1:
            fields[-1] += f" = {parts}"
    if node in view.cut:
        extra += ', style="dashed", tooltip="inputs not drawn (depth limit)"'
    return f'  {me} [label={_record(fields, stacked)}, shape=record, id="{me}"{extra}];'
