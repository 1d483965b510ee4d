"""The probes ``check_engine`` runs on a learner's engine, and how one runs on their class.

A probe is a small graph built from leaves by plain operators, so the same code builds
it with their class (in a child process, ``autograd.check.runner``) and with chainrule's.
``run_probe`` gives their side's numbers as plain lists, ready to send back, once it has
made sure every node is theirs: a node of a library's engine (chainrule's Value, torch's
tensor) makes the probe ``forbidden``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["DEPTH", "FORBIDDEN", "Probe", "build", "foreign_node", "number", "probes", "run_probe"]

FORBIDDEN = ("autograd", "torch", "jax", "micrograd", "tinygrad")
"""Packages whose engines a learner may not use (import or subclass) in a submission."""

A, B, C = 0.7, -1.3, 2.5  # leaf values away from kinks, and where no two bugs give one number
DEPTH = 1000  # micrograd's recursive topological sort fails here on Python's default limit


@dataclass(frozen=True)
class Probe:
    expression: str
    leaves: dict[str, float]
    build: Callable[..., dict[str, Any]]  # leaves -> named op results, the root last
    needs: tuple[str, ...]
    kind: str = "graph"  # "graph", "twice" (backward called twice), "kink", "deep"
    op: str = ""  # the op the probe is about, for hints ("" for a whole graph)


def _ops() -> list[tuple[str, int, Callable[..., Any], str, str]]:
    """(expression, inputs, function, what their class needs, op) for each operator;
    ``**`` before division, which a learner's engine often builds from ``** -1``."""
    return [
        ("a + b", 2, lambda a, b: a + b, "__add__", "add"),
        ("2 + a", 1, lambda a: 2 + a, "__radd__", "add"),
        ("a - b", 2, lambda a, b: a - b, "__sub__", "sub"),
        ("2 - a", 1, lambda a: 2 - a, "__rsub__", "sub"),
        ("a * b", 2, lambda a, b: a * b, "__mul__", "mul"),
        ("2 * a", 1, lambda a: 2 * a, "__rmul__", "mul"),
        ("a ** 3", 1, lambda a: a**3, "__pow__", "pow"),
        ("a ** -1", 1, lambda a: a**-1, "__pow__", "pow"),
        ("a ** 0.5", 1, lambda a: a**0.5, "__pow__", "pow"),
        ("a / b", 2, lambda a, b: a / b, "__truediv__", "div"),
        ("2 / a", 1, lambda a: 2 / a, "__rtruediv__", "div"),
        ("-a", 1, lambda a: -a, "__neg__", "neg"),
        ("a.exp()", 1, lambda a: a.exp(), "exp", "exp"),
        ("a.tanh()", 1, lambda a: a.tanh(), "tanh", "tanh"),
        ("a.relu()", 1, lambda a: a.relu(), "relu", "relu"),
        ("a.log()", 1, lambda a: a.log(), "log", "log"),
        ("a.sigmoid()", 1, lambda a: a.sigmoid(), "sigmoid", "sigmoid"),
    ]


def _three_uses(a, b, c):
    y = a * b
    u = y * c
    v = y + c
    w = v * y
    return {"y": y, "u": u, "v": v, "w": w, "out": u + w}


def _diamond(a, b):
    s, d = a + b, a - b
    return {"s": s, "d": d, "out": s * d}


def _chain(a, b):
    nodes, x = {}, a
    for i in range(1, DEPTH + 1):
        x = nodes[f"x{i}"] = x + b
    return nodes


def probes() -> list[Probe]:
    """Every probe, in the order of the report."""
    found = []
    for expression, arity, f, need, op in _ops():
        leaves = {"a": A, "b": B} if arity == 2 else {"a": A}
        found.append(Probe(expression, leaves, lambda *xs, f=f: {"out": f(*xs)}, (need,), op=op))
    for expression, arity, f, need, op in _ops():
        leaves = {"a": A, "b": B, "c": C} if arity == 2 else {"a": A, "c": C}

        def upstream(*xs, f=f):
            y = f(*xs[:-1])
            return {"y": y, "out": y * xs[-1]}

        found.append(Probe(f"({expression}) * c", leaves, upstream, (need, "__mul__"), op=op))
    add, mul, sub = ("__add__",), ("__mul__",), ("__add__", "__sub__", "__mul__")
    return [
        *found,
        Probe("a + a", {"a": A}, lambda a: {"out": a + a}, add, op="add"),
        Probe("a * a", {"a": A}, lambda a: {"out": a * a}, mul, op="mul"),
        Probe("diamond (a + b) * (a - b)", {"a": A, "b": B}, _diamond, sub),
        Probe("y = a * b feeds three: y*c + (y + c)*y", {"a": A, "b": B, "c": C}, _three_uses, sub),
        Probe(
            "backward() twice on (a * b) * c",
            {"a": A, "b": B, "c": C},
            lambda a, b, c: {"y": a * b, "out": a * b * c},
            mul,
            "twice",
        ),
        Probe(f"chain of {DEPTH} additions", {"a": A, "b": B}, _chain, add, "deep"),
        Probe(
            "relu at its kink 0", {"a": 0.0}, lambda a: {"out": a.relu()}, ("relu",), "kink", "relu"
        ),
        Probe("relu below 0", {"a": B}, lambda a: {"out": a.relu()}, ("relu",), op="relu"),
    ]


def build(cls: Any, probe: Probe) -> list[tuple[str, Any]]:
    """The probe's graph made of ``cls`` nodes: (name, node) for the leaves, then the rest."""
    leaves = {name: cls(x) for name, x in probe.leaves.items()}
    return [*leaves.items(), *probe.build(*leaves.values()).items()]


def number(x: Any, what: str) -> float:
    """A learner's ``data`` or ``grad`` as a float, or a ValueError saying what it is."""
    try:
        return float(x)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"{what} is {type(x).__name__} {x!r:.40}, not a number") from None


def _snapshot(nodes: list[tuple[str, Any]]) -> list[list[float]]:
    return [[number(n.data, f"{name}.data"), number(n.grad, f"{name}.grad")] for name, n in nodes]


def _count_backwards(nodes: list[tuple[str, Any]], leaves: int) -> dict[str, int]:
    """Wrap each inner node's ``_backward`` (where it has one) to count its runs."""
    runs: dict[str, int] = {}
    for name, node in nodes[leaves:]:
        step = node.__dict__.get("_backward") if hasattr(node, "__dict__") else None
        if not callable(step):
            continue
        runs[name] = 0

        def counted(step=step, name=name):
            runs[name] += 1
            return step()

        node._backward = counted
    return runs


def foreign_node(cls: type, nodes: list[tuple[str, Any]]) -> str:
    """The first node that comes from a forbidden library's engine rather than ``cls``
    ("" if none); a TypeError for a node that is no ``cls`` at all."""
    home = cls.__module__.split(".")[0]
    for name, node in nodes:
        for kind in type(node).__mro__:
            root = kind.__module__.split(".")[0]
            if root in FORBIDDEN and root != home:
                return f"`{name}` is a {kind.__module__}.{kind.__qualname__}, not their own node"
        if not isinstance(node, cls):
            raise TypeError(f"`{name}` is a {type(node).__name__}, not a {cls.__name__}")
    return ""


def run_probe(cls: type, probe: Probe) -> dict[str, Any]:
    """Their numbers after one backward (``first``) and after the probe's last
    (``second``), as [data, grad] per node, and the most runs of any node's backward;
    ``{"forbidden": why}`` when a node is a library's."""
    nodes = build(cls, probe)
    bad = foreign_node(cls, nodes)
    if bad:
        return {"forbidden": bad}
    runs = _count_backwards(nodes, len(probe.leaves))
    nodes[-1][1].backward()
    first = _snapshot(nodes)
    most = max(runs.values(), default=0)
    if probe.kind == "twice":
        nodes[-1][1].backward()
    return {"first": first, "second": _snapshot(nodes), "runs": most}
