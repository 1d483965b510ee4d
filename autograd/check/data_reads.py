"""Whether a function turns an input's number into a constant of its graph (``x.data``).

gradcheck asks this of a failing input: the same ops at ``x ± eps`` with other
constants in them mean ``f`` read the number and computed with it, which backward
treats as a constant. Other ops there mean a real branch.
"""

from __future__ import annotations

from collections.abc import Callable

from autograd.value import Value, topo_order

__all__ = ["reads_data"]


def reads_data(f: Callable[..., Value], xs: list[float], i: int, eps: float) -> bool:
    """Whether ``f`` builds the same ops at ``x[i] ± eps`` with other constants in them:
    it turned x[i]'s number into a constant (``.data``), with no branch."""
    try:
        up, down = (_shape(f, xs, i, xs[i] + d) for d in (eps, -eps))
    except (ArithmeticError, ValueError, TypeError):
        return False
    return up[0] == down[0] and up[1] != down[1]


def _shape(f: Callable[..., Value], xs: list[float], i: int, x: float) -> tuple[list, list]:
    """The ops of ``f``'s graph with ``x[i]`` at ``x`` (each with its params and parents),
    and the numbers of its constants (leaves that are not inputs)."""
    values = [Value(v) for v in xs]
    values[i] = Value(x)
    out = f(*values)
    if not isinstance(out, Value):
        raise TypeError("f must return a Value")
    order = topo_order(out)
    index = {node: n for n, node in enumerate(order)}
    inputs = {node: n for n, node in enumerate(values)}
    ops, constants = [], []
    for node in order:
        if node in inputs:
            ops.append(("input", inputs[node]))
        elif node.is_leaf:
            ops.append(("constant",))
            constants.append(node.data)
        else:
            params = tuple(sorted(node.params.items()))
            ops.append((node.op, params, tuple(index[p] for p in node.parents)))
    return ops, constants
