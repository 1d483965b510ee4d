"""Bytes per node of a 1,000,000-node graph, after forward and after backward.

Run: ``python -m benchmarks.memory``. Counts every allocation the graph holds
(tracemalloc), divided by the number of nodes. Three graph shapes: a chain of
unary ops, a chain of binary ops each with a new constant, and one
with a single shared leaf. micrograd 0.1.0 builds the last two in the
benchmarks' own environment (see ``demo_step``), forward only: its recursive
backward cannot walk a chain this long.
"""

from __future__ import annotations

import gc
import json
import sys
import tracemalloc
from collections.abc import Callable
from typing import Any

from autograd import Value, topo_order

N = 1_000_000


def chain_of_tanh(y: Any) -> Any:
    return y.tanh()


def chain_with_constants(y: Any) -> Any:
    return y * 1.0000001


def chain_with_a_shared_leaf(shared: Any) -> Callable[[Any], Any]:
    return lambda y: y * shared


def _shapes(value: type) -> dict[str, Callable[[Any], Any]]:
    return {
        "y = y.tanh()": chain_of_tanh,
        "y = y * 1.0000001": chain_with_constants,
        "y = y * x (x shared)": chain_with_a_shared_leaf(value(1.0000001)),
    }


def _chain(start: Any, step: Callable[[Any], Any], n: int) -> tuple[Any, int]:
    """``step`` applied ``n`` times from ``start`` while tracemalloc counts: the end
    of the chain and the count before it began. Tracing stays on for the caller."""
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    y = start
    for _ in range(n):
        y = step(y)
    return y, base


def bytes_per_node(step, n: int = N) -> tuple[int, float, float]:
    """(nodes, bytes/node after forward, bytes/node after backward) of chainrule's graph."""
    y, base = _chain(Value(0.5), step, n)
    forward = tracemalloc.get_traced_memory()[0] - base
    y.backward()
    after = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    nodes = len(topo_order(y))
    return nodes, forward / nodes, after / nodes


def micrograd_bytes_per_node(shape: str, n: int = N) -> float:
    """Bytes per node of micrograd's graph for ``shape``, after forward."""
    from micrograd.engine import Value as MicrogradValue

    from benchmarks.demo_step import micrograd_nodes

    y, base = _chain(MicrogradValue(0.5), _shapes(MicrogradValue)[shape], n)
    forward = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    return forward / micrograd_nodes(y)


def main() -> None:
    from benchmarks.demo_step import benchmark_python, run_fresh

    python = benchmark_python()
    print(
        f"{'graph':<22}{'nodes':>10}{'B/node fwd':>12}{'B/node fwd+bwd':>16}{'micrograd fwd':>15}"
    )
    for name, step in _shapes(Value).items():
        nodes, fwd, total = bytes_per_node(step)
        theirs = "-"  # micrograd 0.1.0 has no tanh
        if name != "y = y.tanh()":
            theirs = f"{run_fresh(python, 'benchmarks.memory', '--micrograd', name):.1f}"
        print(f"{name:<22}{nodes:>10}{fwd:>12.1f}{total:>16.1f}{theirs:>15}")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--micrograd":
        print(json.dumps(micrograd_bytes_per_node(sys.argv[2])))
    else:
        main()
