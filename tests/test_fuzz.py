"""Differential fuzz: random graphs of every built-in op against mpmath at high precision.

Each graph mixes ops, reuses nodes (fan-out) and puts constants on either side of an
op. Its value, gradient and Hessian are compared with the same graph evaluated in
mpmath at 30 digits and differentiated there numerically (mpmath's ``diff``, whose
step is far below float precision). The reference is independent of the op table:
every op's forward is written again below with mpmath's functions.

An entry is compared where it is well conditioned: moving every input and every
result of every op by a float64 rounding error of random sign (mpmath again) moves
the entry by less than 1e-12 of its size. There chainrule must agree to 1e-10. An
entry that is 0 by cancellation (∂²/∂x² of atan2(x, x)) has room 1e-13 times the
largest entry of its kind in that graph (or 1).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest

from autograd import OPS, Value, grad

mpmath = pytest.importorskip("mpmath", reason="mpmath (in the dev extra) is the fuzz's reference")
mp = mpmath.mp

SEED = 15
GRAPHS_PER_OP = 4
LEAVES = 3
TOLERANCE = 1e-10  # relative, where well conditioned
WELL_CONDITIONED = 1e-12  # a float64 rounding at every node moves the entry less than this
ROUNDING = 2.0**-53
CANCELLED = 1e-13  # room for a sum cancelling to 0, of the largest entry of its kind
NUMERIC_ZERO = 1e-25  # mpmath's diff leaves about 1e-40 where a derivative is exactly 0


def _bce(p: Any, y: Any) -> Any:
    clamped_log = lambda x: mp.mpf(-100) if x <= 0 else max(mp.log(x), -100)  # noqa: E731
    return -(y * clamped_log(p) + (1 - y) * clamped_log(1 - p))


REFERENCE: dict[str, Callable[..., Any]] = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "neg": lambda a: -a,
    "pow": lambda a, *, k: mp.power(a, k),
    "vpow": lambda a, b: mp.power(a, b),
    "rpow": lambda a, *, base: mp.power(base, a),
    "exp": mp.exp,
    "log": mp.log,
    "sqrt": mp.sqrt,
    "tanh": mp.tanh,
    "sigmoid": lambda a: 1 / (1 + mp.exp(-a)),
    "softplus": lambda a: mp.log(1 + mp.exp(a)),
    "binary_cross_entropy": _bce,
    "relu": lambda a: max(a, 0),
    "leaky_relu": lambda a, *, slope: a if a > 0 else slope * a,
    "abs": mp.fabs,
    "sum": lambda *xs: mp.fsum(xs),
    "dot": lambda *xs: mp.fsum(w * x for w, x in zip(xs[::2], xs[1::2], strict=True)),
    "sin": mp.sin,
    "cos": mp.cos,
    "tan": mp.tan,
    "sinh": mp.sinh,
    "cosh": mp.cosh,
    "asin": mp.asin,
    "acos": mp.acos,
    "atan": mp.atan,
    "atan2": mp.atan2,
    "hypot": mp.hypot,
    "log1p": mp.log1p,
    "expm1": mp.expm1,
    "log2": lambda a: mp.log(a, 2),
    "log10": mp.log10,
    "exp2": lambda a: mp.power(2, a),
    "sign": mp.sign,
    "max": max,
    "min": min,
    "clamp": lambda a, *, lo, hi: min(max(a, lo), hi),
    "erf": mp.erf,
    "erfc": mp.erfc,
    "gelu": lambda a: a * mp.ncdf(a),
    "silu": lambda a: a / (1 + mp.exp(-a)),
}
BUILTINS = sorted(name for name, op in OPS.items() if op.builtin)


def _params(name: str, rng: random.Random) -> dict[str, float]:
    if name == "pow":
        return {"k": rng.choice([0, 1, 2, 3, -1, -2, 0.5, -1.5, 1.7])}
    if name == "rpow":
        return {"base": rng.choice([0.0, 0.5, 2.0, 3.7])}
    if name == "leaky_relu":
        return {"slope": rng.uniform(0.01, 0.5)}
    if name == "clamp":
        lo, hi = sorted(rng.uniform(-2, 2) for _ in range(2))
        return {"lo": rng.choice([lo, -float("inf")]), "hi": rng.choice([hi, float("inf")])}
    return {}


@dataclass
class Recipe:
    """A graph as steps: (op, params, inputs), an input being ("node", i) or ("const", c)."""

    leaves: list[float]
    steps: list[tuple[str, dict, list[tuple[str, Any]]]] = field(default_factory=list)

    def run(self, xs: Sequence[Any], apply: Callable[..., Any], total: Callable) -> Any:
        """The root (the sum of the nodes nothing else reads) from leaves ``xs``."""
        nodes, read = list(xs), set()
        for name, params, inputs in self.steps:
            args = [nodes[v] if kind == "node" else v for kind, v in inputs]
            read.update(i for kind, i in inputs if kind == "node")
            nodes.append(apply(name, params, args, len(nodes) - len(xs)))
        sinks = [n for i, n in enumerate(nodes) if i >= len(xs) and i not in read]
        return total(sinks)


def _ours(name: str, params: dict, args: list, _: int) -> Value:
    return Value.apply(name, *args, **params)


def _reference(noise: Sequence[Sequence[float]] | None) -> Callable:
    """Each op in mpmath; with ``noise``, step i's inputs and result are each off by
    their own relative error noise[i][slot] (the result's is last): a float64 rounding
    model that also reaches backward, since two edges from one node differ."""

    def apply(name: str, params: dict, args: list, step: int) -> Any:
        args = [mp.mpf(a) for a in args]
        if noise is None:
            return REFERENCE[name](*args, **params)
        *moved, out = [1 + mp.mpf(d) for d in noise[step]]
        return REFERENCE[name](*[a * m for a, m in zip(args, moved, strict=True)], **params) * out

    return apply


def _random_recipe(featured: str, rng: random.Random) -> Recipe:
    recipe = Recipe([rng.uniform(-2, 2) for _ in range(LEAVES)])
    nodes: list[Value] = [Value(x) for x in recipe.leaves]
    for position in range(rng.randint(4, 9)):
        name = featured if position in (0, 3) else rng.choice(BUILTINS)
        for _ in range(30):  # inputs inside the op's domain
            params = _params(name, rng)
            count = OPS[name].arity or rng.choice([2, 4] if name == "dot" else [2, 3, 4])
            inputs = [
                ("const", rng.uniform(-2, 2))
                if rng.random() < 0.25
                else ("node", rng.randrange(len(nodes)))
                for _ in range(count)
            ]
            args = [nodes[v] if kind == "node" else v for kind, v in inputs]
            if name == "vpow" and _data(args[0]) <= 0:
                continue  # a**b has no derivative toward b for a <= 0
            try:
                node = Value.apply(name, *args, **params)
                node.local_grads()  # its derivative is finite here too
            except (ArithmeticError, ValueError):
                continue
            if abs(node.data) < 1e6:
                recipe.steps.append((name, params, inputs))
                nodes.append(node)
                break
    return recipe


def _data(x: Any) -> float:
    return x.data if isinstance(x, Value) else x


def _total(nodes: list[Value]) -> Value:
    return Value.apply("sum", *nodes) if len(nodes) > 1 else nodes[0]


def _ours_derivatives(recipe: Recipe) -> tuple[float, list[float], list[list[float]]]:
    """The root's value, backward's gradient, and the Hessian through create_graph."""
    leaves = [Value(x) for x in recipe.leaves]
    root = recipe.run(leaves, _ours, _total)
    root.backward()
    first = [x.grad for x in leaves]
    again = [Value(x) for x in recipe.leaves]
    root2 = recipe.run(again, _ours, _total)
    grads = grad(root2, again, create_graph=True)
    hessian = [
        [_data(d) for d in grad(g, again)] if isinstance(g, Value) else [0.0] * LEAVES
        for g in grads
    ]
    return root.data, first, hessian


def _reference_derivatives(recipe: Recipe, noise: Sequence[Sequence[float]] | None) -> list[Any]:
    apply = _reference(noise)
    f = lambda *xs: recipe.run(xs, apply, mp.fsum)  # noqa: E731
    x = [mp.mpf(v) for v in recipe.leaves]
    entries = [f(*x)]
    for i in range(LEAVES):
        entries.append(mp.diff(f, x, [int(j == i) for j in range(LEAVES)]))
    second = {}
    for i in range(LEAVES):
        for j in range(i, LEAVES):
            orders = [int(k == i) + int(k == j) for k in range(LEAVES)]
            second[i, j] = second[j, i] = mp.diff(f, x, orders)
    return entries + [second[i, j] for i in range(LEAVES) for j in range(LEAVES)]


def test_the_reference_covers_every_builtin_op():
    missing = sorted(set(BUILTINS) - set(REFERENCE))
    assert not missing, f"add {missing} to the fuzz's mpmath REFERENCE"


def _entries(recipe: Recipe, rng: random.Random) -> list[tuple[str, float, Any, bool]]:
    """(what, ours, the reference, well conditioned) for the value, each ∂ and each ∂²."""
    value, first, hessian = _ours_derivatives(recipe)
    ours = [value, *first, *(h for row in hessian for h in row)]
    kinds = ["value"] + ["gradient"] * LEAVES + ["hessian"] * LEAVES**2
    exact = _reference_derivatives(recipe, None)
    noise = [
        [rng.uniform(-ROUNDING, ROUNDING) for _ in range(len(inputs) + 1)]
        for _, _, inputs in recipe.steps
    ]
    rounded = _reference_derivatives(recipe, noise)
    return [
        (kind, got, want, abs(moved - want) <= WELL_CONDITIONED * abs(want))
        for kind, got, want, moved in zip(kinds, ours, exact, rounded, strict=True)
    ]


def _disagreements(found: list[tuple[str, float, Any, bool]]) -> list[tuple]:
    scale = {k: max(abs(w) for kind, _, w, _ in found if kind == k) for k, *_ in found}
    return [
        (kind, got, float(want))
        for kind, got, want, good in found
        if good
        and abs(got - want)
        > TOLERANCE * abs(want) + CANCELLED * max(scale[kind], 1.0) + NUMERIC_ZERO
    ]


def test_random_graphs_agree_with_mpmath_to_1e_10():
    rng = random.Random(SEED)
    seen = dict.fromkeys(BUILTINS, 0)
    failures, conditioned, entries = [], 0, 0
    with mp.workdps(30):
        for featured in BUILTINS:
            for _ in range(GRAPHS_PER_OP):
                recipe = _random_recipe(featured, rng)
                found = _entries(recipe, rng)
                entries += len(found)
                conditioned += sum(good for *_, good in found)
                failures += [(featured, *bad, recipe) for bad in _disagreements(found)]
                for name, _, _ in recipe.steps:
                    seen[name] += 1
    assert not failures, failures[:3]
    assert conditioned >= 0.8 * entries, f"only {conditioned} of {entries} well conditioned"
    assert min(seen.values()) >= GRAPHS_PER_OP, seen
