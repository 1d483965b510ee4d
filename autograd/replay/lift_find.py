"""What ``lift`` finds in a scalar graph: neurons (a fused ``dot``, or micrograd's
``Σ wᵢ·xᵢ + b`` written as a chain of ``*`` and ``+``), layers of them (every neuron of a
layer reads one input row, every sample reuses one weight row), sums, and groups of
one op at one depth. Plain data: the program is laid out by ``lift_layout``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from autograd.value import Value

__all__ = ["Found", "Layer", "Neuron", "Reduction", "find"]


@dataclass(eq=False)
class Neuron:
    """``out = Σ wᵢ·xᵢ (+ b)``; ``covers`` every scalar node the sum is made of."""

    out: Value
    ws: tuple[Value, ...]
    xs: tuple[Value, ...]
    bias: Value | None
    covers: tuple[Value, ...]


@dataclass(eq=False)
class Layer:
    """Neurons on a grid: ``grid[r][c]`` reads input row r with weight row c."""

    grid: list[list[Neuron]]
    depth: int


@dataclass(eq=False)
class Reduction:
    """``out = Σ terms``, as one n-ary node or a chain of additions (``covers``)."""

    out: Value
    terms: tuple[Value, ...]
    covers: tuple[Value, ...]
    depth: int


@dataclass
class Found:
    """The graph's nodes in order, their depths, and the structures found in them."""

    order: list[Value]
    depth: dict[Value, int]
    layers: list[Layer] = field(default_factory=list)
    reductions: list[Reduction] = field(default_factory=list)
    groups: list[list[Value]] = field(default_factory=list)  # one op at one depth


def find(root: Value, order: list[Value]) -> Found:
    """Layers, sums and same-op groups of the graph ``order`` (``topo_order(root)``)."""
    depth: dict[Value, int] = {}
    users: dict[Value, list[Value]] = defaultdict(list)
    for node in order:
        parents = node.parents
        depth[node] = 1 + max((depth[p] for p in parents), default=-1)
        for p in parents:
            users[p].append(node)
    found = Found(order, depth)
    covered: set[Value] = set()
    neurons = _dot_neurons(order, users, root)
    for n in neurons:
        covered.update(n.covers)
    chains = _add_chains(order, users, root, covered)
    chain_neurons, sums = _split_chains(chains, users)
    neurons += chain_neurons
    found.layers = _layers(neurons, depth)
    for layer in found.layers:
        for row in layer.grid:
            for n in row:
                covered.update(n.covers)
    for out, covers in sums:
        terms = _terms(out, set(covers))
        found.reductions.append(Reduction(out, terms, covers, depth[out]))
        covered.update(covers)
    for node in order:
        if node.op == "sum" and node not in covered:
            found.reductions.append(Reduction(node, node.parents, (node,), depth[node]))
            covered.add(node)
    groups: dict[tuple, list[Value]] = defaultdict(list)
    for node in order:
        if node not in covered and not node.is_leaf:
            groups[(node.op, tuple(sorted(node.params.items())), depth[node])].append(node)
    found.groups = list(groups.values())
    return found


def _dot_neurons(order: list[Value], users: dict, root: Value) -> list[Neuron]:
    """chainrule's neurons: a ``dot`` node, and the ``+ b`` on it when a leaf is added."""
    neurons = []
    for node in order:
        if node.op != "dot":
            continue
        pairs = node.parents
        ws, xs, bias, covers = pairs[::2], pairs[1::2], None, (node,)
        after = users[node]
        if node is not root and len(after) == 1 and after[0].op == "add":
            other = [p for p in after[0].parents if p is not node]
            if len(other) == 1 and other[0].is_leaf:
                bias, covers = other[0], (node, after[0])
        neurons.append(Neuron(covers[-1], tuple(ws), tuple(xs), bias, covers))
    return neurons


def _absorbed(node: Value, users: dict, root: Value, covered: set) -> bool:
    """An addition used once, by another addition: part of that one's sum."""
    after = users[node]
    return (
        node.op == "add"
        and node is not root
        and node not in covered
        and len(after) == 1
        and after[0].op == "add"
        and after[0] not in covered
    )


def _add_chains(order: list[Value], users: dict, root: Value, covered: set) -> list[list[Value]]:
    """Each maximal tree of additions whose inner nodes are used once: [head, *inner]."""
    chains = []
    for node in order:
        if node.op != "add" or node in covered or _absorbed(node, users, root, covered):
            continue
        chain, stack = [node], list(node.parents)
        while stack:
            p = stack.pop()
            if _absorbed(p, users, root, covered) and users[p][0] in chain:
                chain.append(p)
                stack.extend(p.parents)
        if len(chain) >= 2:
            chains.append(chain)
    return chains


def _terms(out: Value, inner: set[Value]) -> tuple[Value, ...]:
    """The summands of ``out``'s addition tree ``inner``, left to right."""
    terms, stack = [], [out]
    while stack:
        node = stack.pop()
        if node in inner and node.op in ("add", "dot"):
            stack.extend(reversed(node.parents))
        else:
            terms.append(node)
    return tuple(terms)


def _split_chains(chains: list[list[Value]], users: dict) -> tuple[list[Neuron], list[tuple]]:
    """Chains that are micrograd's neurons (``b + w₁·x₁ + w₂·x₂ + ...``), and plain sums."""
    candidates: dict[int, list[tuple]] = defaultdict(list)
    sums = []
    for chain in chains:
        terms = _terms(chain[0], set(chain))
        leaves = [t for t in terms if t.is_leaf]
        products = [t for t in terms if not t.is_leaf]
        if (
            len(leaves) == 1
            and len(products) >= 2
            and all(
                t.op == "mul" and len(users[t]) == 1 and t.parents[0] is not t.parents[1]
                for t in products
            )
        ):
            candidates[len(products)].append((chain, leaves[0], products))
        else:
            sums.append((chain[0], tuple(chain)))
    neurons = []
    for group in candidates.values():
        side = _weight_side(group)
        for chain, bias, products in group:
            if side is None:
                sums.append((chain[0], tuple(chain)))
                continue
            ws = tuple(m.parents[side] for m in products)
            xs = tuple(m.parents[1 - side] for m in products)
            neurons.append(Neuron(chain[0], ws, xs, bias, (*chain, *products)))
    return neurons, sums


def _weight_side(group: list[tuple]) -> int | None:
    """Which factor of the products is the weight: leaves, one bias per weight row,
    the fewer distinct rows, else the first (micrograd writes ``wi*xi``)."""
    scores = []
    for side in (0, 1):
        rows = [tuple(m.parents[side] for m in products) for _, _, products in group]
        if not all(w.is_leaf for row in rows for w in row):
            continue
        biases: dict[tuple, set] = defaultdict(set)
        for row, (_, bias, _) in zip(rows, group, strict=True):
            biases[row].add(bias)
        one_bias = all(len(b) == 1 for b in biases.values())
        scores.append((not one_bias, len(biases), side))
    return min(scores)[2] if scores else None


def _layers(neurons: list[Neuron], depth: dict) -> list[Layer]:
    """Neurons joined into layers: one depth and width, linked by a shared input row or
    weight row; neurons that leave gaps in the grid (rows × weight rows) stand alone."""
    keyed: dict[tuple, list[Neuron]] = defaultdict(list)
    for n in neurons:
        keyed[(depth[n.out], len(n.ws), n.bias is None)].append(n)
    layers = []
    for (d, _, _), group in keyed.items():
        parent = list(range(len(group)))
        first: dict[tuple, int] = {}
        for i, n in enumerate(group):
            for key in (("x", n.xs), ("w", n.ws, n.bias)):
                j = first.setdefault(key, i)
                parent[_root_of(parent, i)] = _root_of(parent, j)
        parts: dict[int, list[Neuron]] = defaultdict(list)
        for i, n in enumerate(group):
            parts[_root_of(parent, i)].append(n)
        for part in parts.values():
            grid = _grid(part)
            grids = [[[n]] for n in part] if grid is None else [grid]
            layers.extend(Layer(g, d) for g in grids)
    return layers


def _root_of(parent: list[int], i: int) -> int:
    """The representative of ``i``'s set (union-find, halving the path on the way)."""
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


def _grid(part: list[Neuron]) -> list[list[Neuron]] | None:
    """The neurons as rows (inputs) × columns (weights), or None if they leave gaps."""
    rows: dict[tuple, dict] = {}
    cols: dict[tuple, int] = {}
    for n in part:
        cols.setdefault((n.ws, n.bias), len(cols))
        rows.setdefault(n.xs, {})[(n.ws, n.bias)] = n
    if len(rows) * len(cols) != len(part):
        return None
    col_keys = list(cols)
    return [[cells[k] for k in col_keys] for cells in rows.values()]
