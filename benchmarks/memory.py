"""Bytes per node of a 1,000,000-node graph, after forward and after backward.

Run: ``python -m benchmarks.memory``. Counts every allocation the graph holds
(tracemalloc), divided by the number of nodes. Three graph shapes: a chain of
unary ops, a chain of binary ops each with a new constant, and one
with a single shared leaf.
"""

from __future__ import annotations

import gc
import tracemalloc

from autograd import Value, topo_order

N = 1_000_000


def chain_of_tanh(y: Value) -> Value:
    return y.tanh()


def chain_with_constants(y: Value) -> Value:
    return y * 1.0000001


SHARED = Value(1.0000001)


def chain_with_a_shared_leaf(y: Value) -> Value:
    return y * SHARED


SHAPES = {
    "y = y.tanh()": chain_of_tanh,
    "y = y * 1.0000001": chain_with_constants,
    "y = y * x (x shared)": chain_with_a_shared_leaf,
}


def bytes_per_node(step, n: int = N) -> tuple[int, float, float]:
    """(nodes, bytes/node after forward, bytes/node after backward)."""
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    y = Value(0.5)
    for _ in range(n):
        y = step(y)
    forward = tracemalloc.get_traced_memory()[0] - base
    y.backward()
    backward = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    nodes = len(topo_order(y))
    return nodes, forward / nodes, backward / nodes


def main() -> None:
    print(f"{'graph':<22}{'nodes':>10}{'B/node fwd':>12}{'B/node fwd+bwd':>16}")
    for name, step in SHAPES.items():
        nodes, fwd, total = bytes_per_node(step)
        print(f"{name:<22}{nodes:>10}{fwd:>12.1f}{total:>16.1f}")


if __name__ == "__main__":
    main()
