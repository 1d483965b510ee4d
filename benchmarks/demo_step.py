"""micrograd's demo step, chainrule against micrograd 0.1.0, side by side in fresh processes.

Run: ``python -m benchmarks.demo_step``. It makes its own environment in
``.bench-venv`` (micrograd==0.1.0 from PyPI, and this checkout), then times each
engine in several fresh processes and prints one table of medians and ratios. The
step: MLP(2, [16, 16, 1]) on 100 two-moons samples, forward over all of them,
max-margin loss + 1e-4·Σp², backward, SGD update, zero_grad. Both engines start
from the same weights; their gradients are compared to 1e-12.

Also timed: forward and backward per node on a 200,000-node graph, a
1,000,000-op chain, and seed 002's 100 epochs.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".bench-venv"
RUNS = 5


def _python() -> str:
    python = VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "micrograd==0.1.0", "-e", str(ROOT)],
            check=True,
        )
    return str(python)


def _weights() -> tuple[list, list, list]:
    from nn import MLP, make_moons

    x, labels = make_moons(100, noise=0.1, rng=0)
    model = MLP(2, [16, 16, 1], rng=1)
    layers = [[[[p.data for p in n.w], n.b.data] for n in layer.neurons] for layer in model.layers]
    return layers, x.tolist(), (labels * 2 - 1).tolist()


def _finish_step(loss, params, model, start: float) -> tuple[float, list[float]]:
    """The end of a step, the same for both engines: backward, SGD update, zero_grad."""
    loss.backward()
    grads = [p.grad for p in params]
    for p in params:
        p.data -= 0.05 * p.grad
    model.zero_grad()
    return time.perf_counter() - start, grads


def step_chainrule(layers, x, y) -> tuple[float, list[float], int]:
    from autograd import topo_order
    from nn import MLP, hinge, l2_penalty

    model = MLP(2, [16, 16, 1], rng=0)
    model.set_weights(
        [[w for w, _ in layer] for layer in layers], [[b for _, b in layer] for layer in layers]
    )
    params = model.parameters()
    start = time.perf_counter()
    loss = hinge([model(row) for row in x], y) + l2_penalty(params, 1e-4)
    elapsed, grads = _finish_step(loss, params, model, start)
    return elapsed, grads, len(topo_order(loss))


def step_micrograd(layers, x, y) -> tuple[float, list[float], int]:
    from micrograd.engine import Value
    from micrograd.nn import MLP

    model = MLP(2, [16, 16, 1])
    for layer, weights in zip(model.layers, layers, strict=True):
        for neuron, (w, b) in zip(layer.neurons, weights, strict=True):
            for p, v in zip(neuron.w, w, strict=True):
                p.data = v
            neuron.b.data = b
    params = model.parameters()  # micrograd lists each neuron's w then b, as chainrule does
    start = time.perf_counter()
    scores = [model([Value(a) for a in row]) for row in x]
    margins = [(1 + -yi * s).relu() for yi, s in zip(y, scores, strict=True)]
    loss = sum(margins) * (1.0 / len(margins)) + 1e-4 * sum(p * p for p in params)
    elapsed, grads = _finish_step(loss, params, model, start)
    seen, stack = set(), [loss]
    while stack:
        v = stack.pop()
        if id(v) not in seen:
            seen.add(id(v))
            stack.extend(v._prev)
    return elapsed, grads, len(seen)


def nodes_timing() -> dict[str, float]:
    """ns per node for forward and backward of a 200,000-node graph; a 1,000,000-op chain."""
    from autograd import Value

    x = [Value(0.001 * i) for i in range(1000)]
    start = time.perf_counter()
    y = Value(0.0)
    for i in range(199_000):
        y = (y * 0.5 + x[i % 1000]) if i % 2 else y.tanh()
    fwd = time.perf_counter() - start
    start = time.perf_counter()
    y.backward()
    bwd = time.perf_counter() - start
    n = 200_000
    start = time.perf_counter()
    z = Value(0.5)
    for _ in range(1_000_000):
        z = z * 1.0000001
    z.backward()
    chain = time.perf_counter() - start
    return {"fwd_ns": fwd / n * 1e9, "bwd_ns": bwd / n * 1e9, "chain_s": chain}


def seed002_timing() -> float:
    from demos import seed002
    from nn import MLP

    v, w, x, t, _ = seed002.data()
    model = MLP(10, [10, 10], activation="tanh", output_activation="sigmoid", rng=0)
    model.set_weights([v.T, w.T])
    start = time.perf_counter()
    seed002.train(model, x, t, 100)
    return time.perf_counter() - start


def worker(kind: str) -> None:
    steps = {"chainrule": step_chainrule, "micrograd": step_micrograd}
    if kind in steps:
        elapsed, grads, nodes = steps[kind](*_weights())
        print(json.dumps({"s": elapsed, "grads": grads, "nodes": nodes}))
    elif kind == "nodes":
        print(json.dumps(nodes_timing()))
    elif kind == "seed002":
        print(json.dumps({"s": seed002_timing()}))


def _fresh(python: str, kind: str) -> dict:
    done = subprocess.run(
        [python, "-m", "benchmarks.demo_step", "--worker", kind],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    python = _python()
    runs = {k: [_fresh(python, k) for _ in range(RUNS)] for k in ("micrograd", "chainrule")}
    median = {k: statistics.median(r["s"] for r in v) for k, v in runs.items()}
    ours, theirs = runs["chainrule"][0], runs["micrograd"][0]
    gap = max(abs(a - b) for a, b in zip(ours["grads"], theirs["grads"], strict=True))
    nodes = [_fresh(python, "nodes") for _ in range(3)]
    seed = statistics.median(_fresh(python, "seed002")["s"] for _ in range(3))
    print(f"demo step (MLP(2, [16, 16, 1]), 100 samples), median of {RUNS} fresh processes:")
    print(f"  {'engine':<12}{'seconds':>10}{'nodes':>10}{'vs micrograd':>15}")
    for kind in ("micrograd", "chainrule"):
        ratio = median["micrograd"] / median[kind]
        print(f"  {kind:<12}{median[kind]:>10.4f}{runs[kind][0]['nodes']:>10}{ratio:>14.1f}x")
    print(f"  largest gradient difference, chainrule vs micrograd: {gap:.1e}")
    fwd = statistics.median(n["fwd_ns"] for n in nodes)
    bwd = statistics.median(n["bwd_ns"] for n in nodes)
    chain = statistics.median(n["chain_s"] for n in nodes)
    print(f"200,000-node graph: forward {fwd:.0f} ns/node, backward {bwd:.0f} ns/node")
    print(f"1,000,000-op chain, forward + backward: {chain:.2f} s")
    print(f"seed 002, 100 epochs (scalar path): {seed:.1f} s")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--worker":
        worker(sys.argv[2])
    else:
        main()
