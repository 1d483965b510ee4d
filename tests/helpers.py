"""Shared test helpers: central differences computed independently of the engine."""

from __future__ import annotations

import itertools
import math
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from autograd import OPS, Value

POINTS = (-1.7, -0.6, 0.35, 0.9, 2.2)
"""Sample inputs, all away from the kinks of relu, abs and leaky_relu at 0."""

PARAMS = {
    "pow": ({"k": 2}, {"k": 3}, {"k": -1.5}, {"k": 0.5}),
    "rpow": ({"base": 2.0}, {"base": 0.5}, {"base": 0.0}),
    "leaky_relu": ({"slope": 0.2},),
    "clamp": ({"lo": -1.0, "hi": 1.0}, {"lo": 0.0, "hi": math.inf}, {"lo": -math.inf, "hi": 2.0}),
}
"""Constant parameters to try for the ops that take them (clamp's bounds are not POINTS)."""

TIES_ARE_KINKS = {"max", "min"}
"""Ops with a corner where their two inputs are equal: sampled off the tie."""


def numeric_partials(f: Callable[..., float], xs: Sequence[float], h: float = 1e-6) -> list[float]:
    """∂f/∂x_i by central differences, in float64."""
    partials = []
    for i in range(len(xs)):
        up, down = list(xs), list(xs)
        up[i] += h
        down[i] -= h
        partials.append((f(*up) - f(*down)) / (2 * h))
    return partials


def close(a: float, b: float, rel: float = 1e-5, abs_: float = 1e-6) -> bool:
    return abs(a - b) <= abs_ + rel * max(abs(a), abs(b))


def _sample_inputs(arity: int | None) -> list[tuple[float, ...]]:
    """Input tuples for an op: all pairs for binary ops, four points for n-ary ones."""
    if arity is None:
        return [POINTS[:4], POINTS[1:5], (0.5, -1.2)]
    return list(itertools.product(POINTS, repeat=arity))


def op_cases(name: str) -> Iterator[tuple[dict, tuple[float, ...]]]:
    """(params, inputs) pairs inside the op's domain, for testing every op alike."""
    op = OPS[name]
    for params in PARAMS.get(name, ({},)):
        bound = op.bind(**params)
        for xs in _sample_inputs(op.arity):
            if name in TIES_ARE_KINKS and xs[0] == xs[1]:
                continue
            try:
                bound.run(*xs)
                bound.grads(bound.run(*xs), *xs)
            except (ArithmeticError, ValueError):
                continue  # outside the op's domain; the domain tests cover these
            yield params, xs


def lecture_graph(
    a: float = 2.0, b: float = -3.0, c: float = 10.0, f: float = -2.0
) -> tuple[tuple[Value, Value, Value, Value], Value]:
    """micrograd's lecture expression, each value named: L = (a·b + c)·f, with e = a·b and
    d = e + c. Returns the leaves (a, b, c, f) and L."""
    leaves = tuple(Value(v, label=n) for v, n in ((a, "a"), (b, "b"), (c, "c"), (f, "f")))
    e = leaves[0] * leaves[1]
    e.label = "e"
    d = e + leaves[2]
    d.label = "d"
    L = d * leaves[3]
    L.label = "L"
    return leaves, L


def small_graph() -> tuple[Value, Value, Value]:
    """a, b and d = tanh(a·b + a), labelled a, b, c (= a·b) and d: a reused leaf, three ops."""
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b
    c.label = "c"
    d = (c + a).tanh()
    d.label = "d"
    return a, b, d


def product_used_twice() -> tuple[Value, Value, Value, Value]:
    """a = 2, b = -3, c = a·b, d = c + c: by hand c = -6, d = -12, ∂d/∂a = 2b = -6."""
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b
    c.label = "c"
    d = c + c
    d.label = "d"
    return a, b, c, d


def product_plus_tanh() -> tuple[Value, Value, Value]:
    """a = 2, b = -3, out = c + t with c = a·b and t = tanh(a): a reaches out twice."""
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b
    c.label = "c"
    t = a.tanh()
    t.label = "t"
    out = c + t
    out.label = "out"
    return a, b, out


class LectureNeuron:
    """A neuron written as micrograd's lecture writes it, on chainrule's Values."""

    def __init__(self, nin: int, rng, nonlin: bool = True) -> None:
        self.w = [Value(rng.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(0)
        self.nonlin = nonlin

    def __call__(self, x):
        act = sum((wi * xi for wi, xi in zip(self.w, x, strict=True)), self.b)
        return act.relu() if self.nonlin else act


class LectureLayer:
    def __init__(self, nin: int, nout: int, rng, **kwargs) -> None:
        self.neurons = [LectureNeuron(nin, rng, **kwargs) for _ in range(nout)]

    def __call__(self, x):
        out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out


class LectureMLP:
    """micrograd's MLP, line for line in spirit, built from a ``random.Random``."""

    def __init__(self, nin: int, nouts: list[int], rng) -> None:
        sizes = [nin, *nouts]
        self.layers = [
            LectureLayer(sizes[i], sizes[i + 1], rng, nonlin=i != len(nouts) - 1)
            for i in range(len(nouts))
        ]

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    def parameters(self):
        return [p for layer in self.layers for n in layer.neurons for p in [*n.w, n.b]]


def lecture_demo_loss(samples: int = 100):
    """micrograd's demo loss, written micrograd-style: max-margin + 1e-4 L2 (~65k nodes)."""
    import random

    from nn import make_moons

    rng = random.Random(1337)
    X, y = make_moons(samples, noise=0.1, rng=1)
    model = LectureMLP(2, [16, 16, 1], rng)
    inputs = [[Value(float(v)) for v in row] for row in X]
    scores = [model(x) for x in inputs]
    losses = [(1 + -(2.0 * t - 1) * s).relu() for t, s in zip(y, scores, strict=True)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = 1e-4 * sum(p * p for p in model.parameters())
    return model, data_loss + reg_loss


def build_wheel(tmp_path: Path, pure: bool = False) -> Path:
    """The project's wheel, built from a copy of its sources (a build writes build/ and
    *.egg-info beside the code) in this environment; ``pure``: CHAINRULE_PURE_WHEEL=1."""
    import pytest

    pytest.importorskip("setuptools", reason="building the wheel needs setuptools")
    root = Path(__file__).resolve().parents[1]
    source = tmp_path / "src"
    source.mkdir()
    for name in ("pyproject.toml", "setup.py", "README.md"):
        shutil.copy(root / name, source / name)
    for package in ("autograd", "nn", "viz"):
        shutil.copytree(
            root / package, source / package, ignore=shutil.ignore_patterns("__pycache__", "*.so")
        )
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q"]
        + ["-w", str(tmp_path / "wheel"), str(source)],
        capture_output=True,
        text=True,
        timeout=300,
        env=dict(os.environ, CHAINRULE_PURE_WHEEL="1" if pure else ""),
    )
    assert built.returncode == 0, built.stderr[-2000:]
    (wheel,) = (tmp_path / "wheel").glob("*.whl")
    return wheel
