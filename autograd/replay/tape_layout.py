"""How a traced graph becomes a tape: its program (what each node is), its depths, its
groups of nodes replayed by one numpy call, and the row each node takes in the tape's arrays.
``autograd.replay.tape`` builds a Tape with these; ``autograd.replay.tape_groups`` replays a group.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from autograd.backward import topo_order
from autograd.graph import parents_of
from autograd.op import Op
from autograd.ops import OPS
from autograd.replay.tape_groups import Chain, Elementwise, Group, Layer, Stacked
from autograd.value import Value

__all__ = [
    "Apply", "Entry", "Input", "Leaf", "by_first_use", "depths", "layout", "program", "topo_all",
]


@dataclass(frozen=True)
class Input:
    """A node that is an input: the ``position``-th number of the trace's arguments, flattened."""

    position: int

    def __str__(self) -> str:
        return f"input {self.position}"


@dataclass(frozen=True)
class Leaf:
    """A shared leaf (a parameter, a constant) holding ``number`` when traced."""

    number: float

    def __str__(self) -> str:
        return f"a constant {self.number!r}"


@dataclass(frozen=True)
class Apply:
    """A node an op made: the op's name, its params (sorted pairs) and its parents' positions."""

    op: str
    params: tuple[tuple[str, float], ...]
    parents: tuple[int, ...]

    def __str__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.params)
        return f"{self.op}{f' ({params})' if params else ''} of nodes {list(self.parents)}"


Entry = Input | Leaf | Apply
"""One node of a tape's program."""


def topo_all(outputs: list[Value]) -> list[Value]:
    """The nodes of every output's graph, once each, each after its parents."""
    return topo_order(*outputs) if outputs else []


def program(nodes: list[Value], index: dict[Value, int], inputs: list[Value]) -> list[Entry]:
    """Per node, what it is: an Input, a Leaf or an Apply.

    Two programs match where they are equal, and where a leaf is one shared object
    (a parameter, whose number training changes): a constant must keep its number.
    """
    position = {v: i for i, v in enumerate(inputs)}
    entries: list[Entry] = []
    for node in nodes:
        if node in position:
            entries.append(Input(position[node]))
        elif node.is_leaf:
            entries.append(Leaf(node.data))
        else:
            parents = tuple(index[p] for p in parents_of(node))
            entries.append(Apply(node.op, tuple(sorted(node.params.items())), parents))
    return entries


def depths(nodes: list[Value], index: dict[Value, int]) -> list[int]:
    """Each node's depth: 0 for a leaf, else one more than its deepest parent."""
    depth = [0] * len(nodes)
    for i, node in enumerate(nodes):
        if not node.is_leaf:
            depth[i] = 1 + max(depth[index[p]] for p in parents_of(node))
    return depth


def by_first_use(
    nodes: list[Value], depth: list[int], leaves: list[Value]
) -> list[Value]:
    """``leaves`` in the order the replay reads them, the biggest reader first.

    The nodes of one op at one depth (a group, nearly) that read the most leaves
    number theirs first, node by node and slot by slot; then the next such set. So
    an L2 penalty over all the parameters reads them as one run of rows, and the
    weights of a layer of neurons still step evenly, neuron by neuron: the layer
    reads them as one strided matrix, without copying.
    """
    reads: dict[tuple, int] = {}
    start: dict[tuple, int] = {}
    uses = []
    for i, node in enumerate(nodes):
        if node.is_leaf:
            continue
        key = (node.op_spec, depth[i])
        start.setdefault(key, i)
        for slot, p in enumerate(parents_of(node)):
            if p.is_leaf:
                reads[key] = reads.get(key, 0) + 1
                uses.append((key, i, slot, p))
    first: dict[Value, tuple[int, int, int, int, int]] = {}
    for key, i, slot, p in uses:
        rank = (-reads[key], key[1], start[key], i, slot)
        if rank < first.get(p, (1, 0, 0, 0, 0)):
            first[p] = rank
    return sorted(leaves, key=lambda leaf: first.get(leaf, (1, 0, 0, 0, 0)))


def layout(
    nodes: list[Value],
    index: dict[Value, int],
    depth: list[int],
    inputs: list[Value],
    shared: list[Value],
    outputs: set[int] = frozenset(),
) -> tuple[list[Group], list[int], list[bool], tuple[int, int]]:
    """Group the op nodes and give every node its row in the tape's arrays.

    The wide rows (one column per batch row) hold the inputs, then the nodes an
    input reaches; the narrow rows (one column) the shared leaves, then the nodes
    no input reaches. Each group's nodes get consecutive rows, ordered by their
    parents' rows so that reads are views; a chain of additions (``chains``) gets
    its rows in its order. ``outputs``: the output nodes' positions. Returns the
    groups in replay order, each node's row in its array, whether an input reaches
    it, and how many wide and narrow rows there are.
    """
    batched = [False] * len(nodes)
    for v in inputs:
        if v in index:
            batched[index[v]] = True
    for i, node in enumerate(nodes):
        if not node.is_leaf:
            batched[i] = any(batched[index[p]] for p in parents_of(node))
    runs = chains(nodes, index, batched, outputs)
    in_run = {i for run in runs for i in run}
    members: dict[tuple[Op, int, tuple[bool, ...]], list[int]] = {}
    for i, node in enumerate(nodes):
        if not node.is_leaf and i not in in_run:
            narrow = tuple(not batched[index[p]] for p in parents_of(node))
            members.setdefault((node.op_spec, depth[i], narrow), []).append(i)
    wide = len(inputs) + sum(batched[i] for i, n in enumerate(nodes) if not n.is_leaf)
    row = [0] * len(nodes)
    for k, v in enumerate(inputs):
        if v in index:
            row[index[v]] = k
    for k, leaf in enumerate(shared):
        row[index[leaf]] = k
    free = {False: len(inputs), True: len(shared)}  # the next row, by narrowness
    plan = [(key[1], key, members[key]) for key in members]
    plan += [(depth[run[-1]], None, run) for run in runs]
    groups = []
    for d, key, ids in sorted(plan, key=lambda entry: entry[0]):
        op, narrow = (OPS["add"], (True, True)) if key is None else (key[0], key[2])
        if key is not None:
            parents = {i: [row[index[p]] for p in parents_of(nodes[i])] for i in ids}
            ids = sorted(ids, key=parents.__getitem__)
        start = free[all(narrow)]
        free[all(narrow)] += len(ids)
        for k, i in enumerate(ids):
            row[i] = start + k
        table = np.array([[row[index[p]] for p in parents_of(nodes[i])] for i in ids], np.intp)
        args = (op, d, ids, table, start, narrow)
        groups.append(group_of(*args) if key is not None else Chain(*args))
    return groups, row, batched, (wide, free[True])


def chains(
    nodes: list[Value], index: dict[Value, int], batched: list[bool], outputs: set[int]
) -> list[list[int]]:
    """Runs of additions on the narrow rows in which each adds one term to the one
    before, ``((t0 + t1) + t2) + …``: what ``sum(p * p for p in params)`` builds.
    A node continues the run of a parent that is such an addition read by nothing
    else (and not an output). Each run is one group, not one group per addition."""
    add = OPS["add"]
    uses = [0] * len(nodes)
    for node in nodes:
        for p in parents_of(node):
            uses[index[p]] += 1
    before: dict[int, int] = {}  # an addition -> the addition it continues
    for i, node in enumerate(nodes):
        if node.op_spec is add and not batched[i]:
            for p in parents_of(node):
                j = index[p]
                if nodes[j].op_spec is add and uses[j] == 1 and j not in outputs:
                    before[i] = j
                    break
    continued = set(before.values())
    runs = []
    for end in before:
        if end not in continued:
            run = [end]
            while run[-1] in before:
                run.append(before[run[-1]])
            runs.append(run[::-1])
    return runs


def group_of(
    op: Op, depth: int, ids: list[int], parents: np.ndarray, start: int, narrow: tuple
) -> Group:
    args = (op, depth, ids, parents, start, narrow)
    weights = Layer.weight_slots(op, parents, narrow)
    if weights is not None:
        return Layer(*args, weights=weights)
    if op.arity is None or parents.shape[1] > 2:
        return Stacked(*args)
    return Elementwise(*args)
