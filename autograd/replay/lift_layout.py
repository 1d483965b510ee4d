"""``lift``'s program: every scalar node given a home (an array and a place in it), and
the blocks that fill those arrays, each reading its operands as whole arrays, reshaped
arrays or numbers gathered from several arrays.
"""

from __future__ import annotations

import keyword
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from autograd.op import OPS
from autograd.replay.lift_find import Found, Layer, Reduction
from autograd.replay.lift_forms import MATMUL, form_of, table_text
from autograd.value import Value

__all__ = ["Array", "Block", "Operand", "Program", "lay_out"]

RESERVED = {"np", "torch", "json", "take", "give", "grads", "leaves", "flat"}
ACTIVATIONS = {"tanh", "relu", "sigmoid", "leaky_relu"}


@dataclass(eq=False)
class Array:
    """Named numbers of the program: leaves (``leaf``) or a block's output."""

    name: str
    nodes: tuple[Value, ...]
    shape: tuple[int, ...]
    leaf: bool


@dataclass(eq=False)
class Operand:
    """What a block reads: ``sources`` at ``index`` (flat, laid end to end), shaped
    ``shape``; ``whole`` when it is one array as it is (then ``name`` is its name)."""

    name: str
    shape: tuple[int, ...]
    sources: tuple[Array, ...]
    index: tuple[int, ...]
    whole: bool

    @property
    def reshaped(self) -> bool:
        """One array, every number in place, in another shape."""
        return len(self.sources) == 1 and self.index == tuple(range(len(self.sources[0].nodes)))


@dataclass(eq=False)
class Block:
    """One tensor operation standing for many scalar nodes.

    ``kind``: matmul, elementwise, broadcast, reduction or scalar. ``forward`` and
    ``backward`` are its formulas in the program's names; ``nodes`` its outputs (row by
    row, ``shape``), ``covers`` every scalar node it stands for (outputs and the
    sums and products inside a neuron).
    """

    kind: str
    op: str
    name: str
    shape: tuple[int, ...]
    nodes: tuple[Value, ...]
    covers: tuple[Value, ...]
    operands: tuple[Operand, ...]
    slots: tuple[str, ...]  # what each operand is: "a", "b", or "X", "W", "b", or "sum"
    params: dict[str, Any] = field(default_factory=dict)
    inner: dict[Value, Value] = field(default_factory=dict)  # inside a neuron or sum: its output
    forward: str = ""
    backward: tuple[str, ...] = ()

    def formulas(self, reads: Counter) -> None:
        """Sets ``forward`` and ``backward`` in people's notation."""
        names = {slot: o.name for slot, o in zip(self.slots, self.operands, strict=True)}
        out = self.name
        if self.kind == "matmul":
            text = MATMUL["text"].format(**names) + (f" + {names['b']}" if "b" in names else "")
            grads = [
                (names[s], MATMUL["grads_text"][s].format(out=out, **names)) for s in self.slots
            ]
        elif self.op == "rowsum":
            text = f"Σ_row {self.operands[0].name}"
            grads = [(self.operands[0].name, f"d{out}·1ᵀ")]
        elif self.kind == "reduction":
            text = " + ".join(f"Σ {o.name}" for o in self.operands)
            grads = [(o.name, f"d{out}") for o in self.operands]
        else:
            form = form_of(self.op)
            args = {**names, **{k: number(v) for k, v in self.params.items()}}
            if form is None and self.op not in OPS:  # a learner's micrograd-style op
                text = f"{self.op}({', '.join(names.values())})"
                grads = [(o.name, f"d{out} ⊙ ∂{out}/∂{o.name}") for o in self.operands]
            else:
                pair = (form.text, form.grads_text) if form else None
                text, grads_text = pair or table_text(self.op, tuple(self.params))
                text = text.format(out=out, **args)
                grads = [
                    (o.name, _summed(g.format(out=out, **args), o.shape != self.shape))
                    for o, g in zip(self.operands, grads_text, strict=False)
                ]
        self.forward = f"{out} = {text}"
        merged: dict[str, list[str]] = {}
        for name, g in grads:
            merged.setdefault(name, []).append(g)
        self.backward = tuple(
            f"d{name} {'+=' if reads[name] > 1 else '='} {' + '.join(gs)}"
            for name, gs in merged.items()
        )


def _summed(text: str, broadcast: bool) -> str:
    return f"Σ({text})" if broadcast else text


def number(v: Any) -> str:
    """A parameter as code: ``2`` for 2.0, else the float's repr."""
    return str(int(v)) if float(v).is_integer() and abs(v) < 1e15 else repr(float(v))


@dataclass
class Program:
    """The arrays (leaves first where read) and blocks of a lifted graph."""

    arrays: list[Array]
    blocks: list[Block]
    home: dict[Value, tuple[Array, int]]
    root: Value

    @property
    def leaf_arrays(self) -> list[Array]:
        return [a for a in self.arrays if a.leaf]


def identifier(text: str) -> str:
    """``text`` as a Python name ("" if nothing is left of it)."""
    name = re.sub(r"\W", "_", text.strip()).strip("_")
    return f"v_{name}" if name[:1].isdigit() else name


class _Layout:
    def __init__(self, found: Found, root: Value) -> None:
        self.found, self.root = found, root
        self.home: dict[Value, tuple[Array, int]] = {}
        self.arrays: list[Array] = []
        self.blocks: list[Block] = []
        self.used: set[str] = set()
        self.count: Counter = Counter()
        self.layer_number: dict[int, int] = {}

    def fresh(self, base: str) -> str:
        """``base``, or ``base`` numbered, as a name no array or gradient (``dX``) has yet."""
        base = identifier(base) or "v"
        name, n = base, 1
        while self.taken(name):
            n += 1
            name = f"{base}{n}"
        self.used.add(name)
        return name

    def taken(self, name: str) -> bool:
        clash = name in self.used or f"d{name}" in self.used or name[1:] in self.used
        return clash or name in RESERVED or keyword.iskeyword(name)

    def numbered(self, stem: str) -> str:
        """``stem`` with the next number for it: Z1, Z2, ... (``fresh`` makes it unique)."""
        self.count[stem] += 1
        return f"{stem}{self.count[stem]}"

    def label_name(self, nodes: tuple[Value, ...]) -> str:
        """The learner's name for ``nodes``: their one label, or their labels' common stem."""
        labels = {n.label for n in nodes}
        if "" in labels or not labels:
            return ""
        if len(labels) == 1:
            return labels.pop()
        stem = re.sub(r"[\d_\[\]\s.,]+$", "", min(labels))
        return stem if all(lab.startswith(stem) for lab in labels) else ""

    def add_array(self, name: str, nodes: tuple[Value, ...], shape: tuple, leaf: bool) -> Array:
        array = Array(name, nodes, shape, leaf)
        for i, node in enumerate(nodes):
            self.home[node] = (array, i)
        self.arrays.append(array)
        return array

    def home_leaves(self, nodes: list[Value], shape: tuple, stem: str, named: bool = True) -> None:
        """The leaves among ``nodes`` that have no home yet, as a new array (named by their
        labels unless ``named`` is False: a layer's arrays are X, W1, b1, ...)."""
        new = tuple(dict.fromkeys(n for n in nodes if n not in self.home))
        unplaced = [n for n in new if not n.is_leaf]
        if unplaced:  # a block read before the one that makes it: never a silent number
            raise RuntimeError(f"lift: {unplaced[0].op} node read before its block was laid out")
        if new:
            whole = len(new) == len(nodes)
            name = (self.label_name(new) if named else "") or (
                stem if whole and stem else self.numbered("c" if _constant(new) else "v")
            )
            self.add_array(self.fresh(name), new, shape if whole else (len(new),), True)

    def operand(self, nodes: list[Value], shape: tuple, stem: str) -> Operand:
        """``nodes`` as an operand shaped ``shape``: new leaves become an array first."""
        self.home_leaves(nodes, shape, stem)
        arrays = list(dict.fromkeys(self.home[n][0] for n in nodes))
        first = arrays[0]
        if len(arrays) == 1 and tuple(nodes) == first.nodes and first.shape == shape:
            return Operand(first.name, shape, (first,), tuple(range(len(nodes))), True)
        starts, at = {}, 0
        for a in arrays:
            starts[a], at = at, at + len(a.nodes)
        index = tuple(starts[self.home[n][0]] + self.home[n][1] for n in nodes)
        if len(arrays) == 1:
            name = f"{first.name}_r"
        else:  # p: numbers from several leaf arrays (parameters, most often)
            name = "p" if all(a.leaf for a in arrays) else self.numbered("g")
        name = self.fresh(name)
        return Operand(name, shape, tuple(arrays), index, False)

    def block(
        self,
        kind: str,
        op: str,
        name: str,
        nodes: tuple,
        shape: tuple,
        covers: tuple,
        operands: list[Operand],
        slots: tuple,
        params: dict | None = None,
        inner: dict | None = None,
    ) -> None:
        array = self.add_array(name, nodes, shape, False)
        self.blocks.append(
            Block(
                kind,
                op,
                array.name,
                shape,
                nodes,
                covers,
                tuple(operands),
                slots,
                params or {},
                inner or {},
            )
        )

    def layer_leaves(self, layer: Layer, k: int) -> None:
        """A layer's weights, biases and (leaf) inputs as arrays W{k}, b{k}, X, first of all."""
        grid = layer.grid
        self.layer_number[id(layer)] = k
        inputs = [x for row in grid for x in row[0].xs]
        if all(x.is_leaf for x in inputs):
            self.home_leaves(
                inputs,
                (len(grid), len(inputs) // len(grid)),
                "X" if k == 1 else f"X{k}",
                named=False,
            )
        weights = [w for n in grid[0] for w in n.ws]
        self.home_leaves(weights, (len(grid[0]), len(grid[0][0].ws)), f"W{k}", named=False)
        if grid[0][0].bias is not None:
            self.home_leaves([n.bias for n in grid[0]], (len(grid[0]),), f"b{k}", named=False)

    def layer(self, layer: Layer) -> None:
        grid = layer.grid
        k = self.layer_number[id(layer)]
        ws = [w for n in grid[0] for w in n.ws]
        width, rows, cols = len(grid[0][0].ws), len(grid), len(grid[0])
        operands = [
            self.operand([x for row in grid for x in row[0].xs], (rows, width), "X"),
            self.operand(ws, (cols, width), f"W{k}"),
        ]
        slots = ("X", "W")
        if grid[0][0].bias is not None:
            operands.append(self.operand([n.bias for n in grid[0]], (cols,), f"b{k}"))
            slots += ("b",)
        outs = tuple(n.out for row in grid for n in row)
        name = self.label_name(outs) or f"Z{k}"
        covers = tuple(c for row in grid for n in row for c in n.covers)
        inner = {c: n.out for row in grid for n in row for c in n.covers}
        self.block(
            "matmul",
            "matmul",
            self.fresh(name),
            outs,
            (rows, cols),
            covers,
            operands,
            slots,
            inner=inner,
        )

    def reductions(self, reds: list[Reduction]) -> None:
        """Sums of one depth and length: one row sum over a matrix of their terms."""
        if len(reds) == 1:
            self.reduction(reds[0])
            return
        for red in reds:
            self.home_leaves(list(red.terms), (len(red.terms),), "")

        def first_term(red: Reduction) -> tuple[int, int]:
            array, i = self.home[red.terms[0]]
            return self.arrays.index(array), i

        reds = sorted(reds, key=first_term)
        width = len(reds[0].terms)
        terms = self.operand([t for red in reds for t in red.terms], (len(reds), width), "")
        outs = tuple(red.out for red in reds)
        inner = {node: red.out for red in reds for node in red.covers}
        covers = tuple(node for red in reds for node in red.covers)
        name = self.fresh(self.label_name(outs) or self.numbered("s"))
        self.block(
            "reduction", "rowsum", name, outs, (len(reds),), covers, [terms], ("rows",), inner=inner
        )

    def reduction(self, red: Reduction) -> None:
        self.home_leaves(list(red.terms), (len(red.terms),), "")
        parts: dict[Array, list[Value]] = {}
        for t in red.terms:
            parts.setdefault(self.home[t][0], []).append(t)
        operands = []
        for array, terms in parts.items():
            if len(terms) == len(array.nodes) and set(terms) == set(array.nodes):
                operands.append(Operand(array.name, array.shape, (array,), (), True))
            else:
                operands.append(self.operand(terms, (len(terms),), ""))
        name = self.label_name((red.out,)) or self.numbered("s")
        self.block(
            "reduction",
            "sum",
            self.fresh(name),
            (red.out,),
            (),
            red.covers,
            operands,
            ("sum",) * len(operands),
            inner=dict.fromkeys(red.covers, red.out),
        )

    def scattered(self, column: list[Value]) -> bool:
        """Numbers a learner wrote one by one: leaves of their own names, or scalars."""
        named = {n.label for n in column if n not in self.home and n.is_leaf and n.label}
        homes = {self.home[n][0] for n in column if n in self.home}
        return len(named) > 1 or (len(homes) > 1 and any(not a.shape for a in homes))

    def group(self, nodes: list[Value]) -> None:
        arity = len(nodes[0].parents)
        if len(nodes) > 1 and any(
            self.scattered([n.parents[j] for n in nodes]) for j in range(arity)
        ):
            for node in nodes:
                self.group([node])
            return
        for j in range(arity):  # read along an operand that already has a home
            if all(n.parents[j] in self.home for n in nodes):
                nodes = sorted(
                    nodes,
                    key=lambda n: (
                        self.arrays.index(self.home[n.parents[j]][0]),
                        self.home[n.parents[j]][1],
                    ),
                )
                break
        shape: tuple = () if len(nodes) == 1 else (len(nodes),)
        for j in range(arity):
            column = [n.parents[j] for n in nodes]
            if len(nodes) > 1 and column[0] in self.home:
                array = self.home[column[0]][0]
                if tuple(column) == array.nodes:
                    shape = array.shape
                    break
        operands, slots, made = [], [], {}
        for j in range(arity):
            column = tuple(n.parents[j] for n in nodes)
            if column not in made:  # x * x reads one operand twice
                single = len(nodes) > 1 and len(set(column)) == 1
                made[column] = self.operand(
                    list(column[:1] if single else column), () if single else shape, ""
                )
            operands.append(made[column])
            slots.append("ab"[j] if j < 2 else f"x{j}")
        broadcast = any(o.shape != shape for o in operands)
        op = nodes[0].op
        kind = "scalar" if len(nodes) == 1 else "broadcast" if broadcast else "elementwise"
        source = operands[0].name if operands and operands[0].whole else ""
        name = self.label_name(tuple(nodes)) or ("loss" if nodes[0] is self.root else "")
        if not name and op in ACTIVATIONS and re.fullmatch(r"Z\d+", source):
            name = "A" + source[1:]
        name = self.fresh(name or self.numbered(op))
        self.block(
            kind,
            op,
            name,
            tuple(nodes),
            shape,
            tuple(nodes),
            operands,
            tuple(slots),
            nodes[0].params,
        )


def _constant(values: tuple[Value, ...]) -> bool:
    return all(v.label == "" for v in values) and len({v.data for v in values}) == 1


def lay_out(found: Found, root: Value) -> Program:
    """The program for ``found``: its blocks in an order that reads before it writes."""
    layout = _Layout(found, root)
    pos = {n: i for i, n in enumerate(found.order)}
    items: list[tuple] = []
    layers = sorted(found.layers, key=lambda layer: (layer.depth, pos[layer.grid[0][0].out]))
    for k, layer in enumerate(layers, 1):
        layout.layer_leaves(layer, k)
        items.append((layer.depth, pos[layer.grid[0][0].out], layout.layer, layer))
    same: dict[tuple[int, int], list[Reduction]] = {}
    for red in found.reductions:
        same.setdefault((red.depth, len(red.terms)), []).append(red)
    for reds in same.values():
        items.append((reds[0].depth, pos[reds[0].out], layout.reductions, reds))
    for nodes in found.groups:
        items.append((found.depth[nodes[0]], pos[nodes[0]], layout.group, nodes))
    for _, _, build, item in sorted(items, key=lambda t: t[:2]):
        build(item)
    reads: Counter = Counter()
    for block in layout.blocks:
        for name in {o.name for o in block.operands}:
            reads[name] += 1
    for block in layout.blocks:
        block.formulas(reads)
    return Program(layout.arrays, layout.blocks, layout.home, root)
