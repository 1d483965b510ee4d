"""micrograd's demo step on every path, side by side in fresh processes.

Run: ``python -m benchmarks.demo_step``. It makes its own environment in
``.bench-venv`` (micrograd==0.1.0 and torch==2.13.0 from PyPI, and this
checkout), then times each path in several fresh processes and prints one table
of medians and ratios. The step: MLP(2, [16, 16, 1]) on 100 two-moons samples,
forward over all of them, max-margin loss + 1e-4·Σp², backward, SGD update,
zero_grad. Every path starts from the same weights, and its gradients are
compared with chainrule's scalar path.

The scalar engines build a new graph each step. Each process runs a short
training loop of LOOP_STEPS steps on one model and reports the mean time of the
steps after the first: from the second step on, a step also frees the graph
before it, which is where micrograd's cycle collector spends its time. The
first step alone is reported too. The batched paths (chainrule's tape replay,
PyTorch, hand-written numpy) take well under a millisecond: each process times
the median of many steps after a warm-up, the tape traced once beforehand as a
PyTorch model is built once. The replay steps through ``tape.training(opt)``,
its parameters held as arrays from step to step as PyTorch's are in tensors.

Also timed: forward and backward per node on a 200,000-node graph, a
1,000,000-op chain, and seed 002's 100 epochs on the scalar path and the replay.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".bench-venv"
RUNS = 5
LOOP_STEPS = 6  # steps per process for the scalar engines: a short training loop
REPEATS = 300  # steps per process for the paths under a millisecond
LR, ALPHA = 0.05, 1e-4


def benchmark_python() -> str:
    """This interpreter when it has micrograd and torch==2.13.0, else .bench-venv's."""
    has = "import micrograd, torch; assert torch.__version__.startswith('2.13.0')"
    if subprocess.run([sys.executable, "-c", has], capture_output=True).returncode == 0:
        return sys.executable
    python = VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run(
            [
                *(str(python), "-m", "pip", "install", "-q"),
                *("micrograd==0.1.0", "torch==2.13.0", "-e", str(ROOT)),
            ],
            check=True,
        )
    return str(python)


def _weights() -> tuple[list, list, list]:
    from nn import MLP, make_moons

    x, labels = make_moons(100, noise=0.1, rng=0)
    model = MLP(2, [16, 16, 1], rng=1)
    layers = [[[[p.data for p in n.w], n.b.data] for n in layer.neurons] for layer in model.layers]
    return layers, x.tolist(), (labels * 2 - 1).tolist()


def _update(params, model) -> list[float]:
    """The end of every Value-based step: read the grads, SGD update, zero_grad."""
    grads = [p.grad for p in params]
    for p in params:
        p.data -= LR * p.grad
    model.zero_grad()
    return grads


def _chainrule_mlp(layers):
    """chainrule's MLP(2, [16, 16, 1]) holding the benchmark's weights."""
    from nn import MLP

    model = MLP(2, [16, 16, 1], rng=0)
    model.set_weights(*_as_arrays(layers))
    return model


def _train(step: Callable[[], Any], count_nodes: Callable[[Any], int]) -> dict:
    """Run a scalar engine's step LOOP_STEPS times, as a training loop would.

    ``step()`` builds the loss on the model it closes over, runs backward and
    the update, and returns (loss, grads). Each new loss replaces the last, so
    the old graph is freed while the next step runs, as in any training loop.
    Returns the first step's time, grads and node count, and the mean time of
    the steps after it (a mean, so that the garbage collector's pauses count).
    """
    times = []
    for i in range(LOOP_STEPS):
        start = time.perf_counter()
        loss, step_grads = step()
        times.append(time.perf_counter() - start)
        if i == 0:
            grads, nodes = step_grads, count_nodes(loss)
    later = times[1:]
    return {"first": times[0], "s": sum(later) / len(later), "grads": grads, "nodes": nodes}


def train_chainrule(layers, x, y) -> dict:
    from autograd import topo_order
    from nn import hinge, l2_penalty

    model = _chainrule_mlp(layers)
    params = model.parameters()

    def step():
        loss = hinge([model(row) for row in x], y) + l2_penalty(params, ALPHA)
        loss.backward()
        return loss, _update(params, model)

    return _train(step, lambda loss: len(topo_order(loss)))


def train_micrograd(layers, x, y) -> dict:
    from micrograd.engine import Value
    from micrograd.nn import MLP

    model = MLP(2, [16, 16, 1])
    for layer, weights in zip(model.layers, layers, strict=True):
        for neuron, (w, b) in zip(layer.neurons, weights, strict=True):
            for p, v in zip(neuron.w, w, strict=True):
                p.data = v
            neuron.b.data = b
    params = model.parameters()  # micrograd lists each neuron's w then b, as chainrule does

    def step():
        scores = [model([Value(a) for a in row]) for row in x]
        margins = [(1 + -yi * s).relu() for yi, s in zip(y, scores, strict=True)]
        loss = sum(margins) * (1.0 / len(margins)) + ALPHA * sum(p * p for p in params)
        loss.backward()
        return loss, _update(params, model)

    return _train(step, micrograd_nodes)


def micrograd_nodes(root) -> int:
    """How many nodes micrograd's graph under ``root`` has (walked without recursion)."""
    seen, stack = set(), [root]
    while stack:
        v = stack.pop()
        if id(v) not in seen:
            seen.add(id(v))
            stack.extend(v._prev)
    return len(seen)


def _median_step(step: Callable[[], Any], grads: Callable[[], list[float]], nodes: int = 0) -> dict:
    """A batched path's first gradients (``grads()`` after one step, outside the
    timing), and the median seconds of REPEATS steps after a warm-up."""
    step()
    first = grads()
    for _ in range(30):
        step()
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return {"s": statistics.median(times), "grads": first, "nodes": nodes}


def step_replay(layers, x, y, held: bool = True) -> dict:
    """The replay's step: ``tape.training``'s, the parameters held as arrays (``held``),
    or a loop of ``zero_grad``, ``forward``, ``backward`` and ``step`` on the Values."""
    import numpy as np

    from autograd import trace
    from nn import l2_penalty
    from nn.optim import SGD

    model = _chainrule_mlp(layers)
    params = model.parameters()
    opt = SGD(params, lr=LR)
    tape = trace(lambda xs, t: (1 - model(xs) * t).relu() + l2_penalty(params, ALPHA), x[0], y[0])
    xs, ys = np.array(x), np.array(y)
    seed = np.full(len(y), 1.0 / len(y))  # the mean over samples
    run = tape.training(opt)  # the parameters held as arrays from step to step
    grads: list[float] = []

    def step() -> None:
        if held:
            run.step(xs, ys, seed=seed)
        else:
            opt.zero_grad()
            tape.forward(xs, ys)
            tape.backward(seed)
            opt.step()
        if not grads:  # the first step's
            grads[:] = run.grads.tolist() if held else [p.grad for p in params]

    return _median_step(step, lambda: list(grads), len(tape.nodes))


def _as_arrays(layers) -> tuple[list, list]:
    import numpy as np

    return (
        [np.array([w for w, _ in layer]) for layer in layers],
        [np.array([b for _, b in layer]) for layer in layers],
    )


def _flat_grads(gw: list, gb: list) -> list[float]:
    """Weights and bias per neuron, neuron by neuron: chainrule's parameter order."""
    import numpy as np

    return np.concatenate([np.c_[w, b].ravel() for w, b in zip(gw, gb, strict=True)]).tolist()


def step_numpy(layers, x, y) -> dict:
    """The step written by hand in numpy, each derivative worked out on paper."""
    import numpy as np

    ws, bs = _as_arrays(layers)
    xs, ys = np.array(x), np.array(y)
    n = len(ys)
    first: list[list] = []

    def step() -> None:
        h1 = xs @ ws[0].T + bs[0]
        a1 = np.maximum(h1, 0.0)
        h2 = a1 @ ws[1].T + bs[1]
        a2 = np.maximum(h2, 0.0)
        score = (a2 @ ws[2].T + bs[2])[:, 0]
        margin = 1.0 - ys * score
        d_score = np.where(margin > 0, -ys, 0.0) / n  # d mean(relu(margin)) / d score
        d_h2 = (d_score[:, None] * ws[2]) * (h2 > 0)
        d_h1 = (d_h2 @ ws[1]) * (h1 > 0)
        gw = [d_h1.T @ xs, d_h2.T @ a1, d_score[None, :] @ a2]
        gb = [d_h1.sum(0), d_h2.sum(0), d_score.sum(keepdims=True)]
        for i in range(3):
            gw[i] += 2 * ALPHA * ws[i]
            gb[i] += 2 * ALPHA * bs[i]
            ws[i] -= LR * gw[i]
            bs[i] -= LR * gb[i]
        if not first:  # kept for the comparison, flattened outside the timing
            first.append([gw, gb])

    return _median_step(step, lambda: _flat_grads(*first[0]))


def step_torch(layers, x, y) -> dict:
    import torch

    torch.set_num_threads(1)  # as every batched path here runs: one thread
    ws, bs = _as_arrays(layers)
    params = [
        torch.tensor(a, requires_grad=True) for pair in zip(ws, bs, strict=True) for a in pair
    ]
    xs, ys = torch.tensor(x, dtype=torch.float64), torch.tensor(y, dtype=torch.float64)

    first: list[list] = []

    def step() -> None:
        h = xs
        for i in range(3):
            h = h @ params[2 * i].T + params[2 * i + 1]
            h = h.relu() if i < 2 else h[:, 0]
        loss = (1 - ys * h).relu().mean() + ALPHA * sum((p * p).sum() for p in params)
        loss.backward()
        if not first:
            first.append([p.grad.clone().numpy() for p in params])
        with torch.no_grad():
            for p in params:
                p -= LR * p.grad
        for p in params:
            p.grad = None

    return _median_step(step, lambda: _flat_grads(first[0][0::2], first[0][1::2]))


def nodes_timing(steps: int = 66_000, live: bool = False, chain: bool = True) -> dict[str, float]:
    """ns per node for forward and backward of a graph of ``steps`` steps of
    y = tanh(y·wᵢ + xᵢ), three op nodes each, over 2,000 leaves (66,000 steps: about
    200,000 nodes); with ``chain``, also the seconds of a 1,000,000-op chain.

    The weights (0.5 to 1) and inputs (0 to 1) keep tanh near saturation, so d(y)/d(node)
    shrinks by about 8x a step and is exactly 0 for all but the last few hundred steps:
    backward skips a node whose gradient is 0, and ``zero share`` says for how many of
    the nodes it did. ``live`` takes weights within 1e-4 of 1 and inputs under 1e-3 in
    size, alternating in sign: y stays near 0, every step passes its gradient on almost
    whole, and no node's gradient is 0. Nodes are counted after the timing.
    """
    from autograd import Value, topo_order

    if live:
        x = [Value(1e-6 * i * (-1) ** i) for i in range(1000)]
        w = [Value(1.0 + 1e-4 * (-1) ** i) for i in range(1000)]
    else:
        x = [Value(0.001 * i) for i in range(1000)]
        w = [Value(1.0 - 0.0005 * i) for i in range(1000)]
    start = time.perf_counter()
    y = x[0]
    for i in range(steps):
        y = (y * w[i % 1000] + x[i % 1000]).tanh()
    fwd = time.perf_counter() - start
    start = time.perf_counter()
    y.backward()
    bwd = time.perf_counter() - start
    order = topo_order(y)
    n = len(order)
    zero = sum(1 for node in order if node.grad == 0.0) / n
    out = {"fwd_ns": fwd / n * 1e9, "bwd_ns": bwd / n * 1e9, "nodes": n, "zero share": zero}
    if chain:
        del y, order
        start = time.perf_counter()
        z = Value(0.5)
        for _ in range(1_000_000):
            z = z * 1.0000001
        z.backward()
        out["chain_s"] = time.perf_counter() - start
    return out


def seed002_timing(replay: bool) -> float:
    import contextlib
    import io

    from demos import seed002
    from demos.report import walk_through
    from nn import MLP

    with contextlib.redirect_stdout(io.StringIO()):  # its story; this worker prints JSON
        ns = walk_through(seed002.SOURCE)
    model = MLP(10, [10, 10], activation="tanh", output_activation="sigmoid", rng=0)
    model.set_weights([ns["V"].T, ns["W"].T])
    step = ns["summed_backward"]
    if replay:
        step = seed002.replay_step(model, ns["samples"][0], ns["targets"][0])
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        ns["train"](model, 100, step)
    return time.perf_counter() - start


STEPS = {
    "micrograd": train_micrograd,
    "chainrule": train_chainrule,
    "chainrule replay": step_replay,
    "replay, own loop": partial(step_replay, held=False),
    "torch": step_torch,
    "numpy by hand": step_numpy,
}


def worker(kind: str) -> None:
    if kind in STEPS:
        print(json.dumps(STEPS[kind](*_weights())))
    elif kind == "nodes":
        print(json.dumps(nodes_timing()))
    elif kind == "nodes, live":
        print(json.dumps(nodes_timing(live=True, chain=False)))
    elif kind.startswith("nodes, "):  # "nodes, 333": a graph of 333 steps, 1,000 nodes
        print(json.dumps(nodes_timing(int(kind.split()[-1]), chain=False)))
    elif kind.startswith("seed002"):
        print(json.dumps({"s": seed002_timing(replay=kind.endswith("replay"))}))


def run_fresh(python: str, module: str, *args: str, env: dict[str, str] | None = None) -> Any:
    """``python -m module *args`` in a fresh process: the JSON of its last line of output.

    ``env``: variables set for that process on top of this one's (for example
    ``CHAINRULE_PURE_PYTHON=1``, the pure-Python storage)."""
    done = subprocess.run(
        [python, "-m", module, *args],
        cwd=ROOT,
        env={**os.environ, **env} if env else None,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def taking_turns(
    kinds: Sequence[str],
    module: str,
    rounds: int,
    python: str = sys.executable,
    env: dict[str, str] | None = None,
) -> dict[str, list[dict]]:
    """Each ``python -m module --worker KIND`` once per round, in turn: their JSON results."""
    runs: dict[str, list[dict]] = {k: [] for k in kinds}
    for _ in range(rounds):  # the kinds take turns, so that each meets the same noise
        for kind in kinds:
            runs[kind].append(run_fresh(python, module, "--worker", kind, env=env))
    return runs


def _fresh(python: str, kind: str) -> dict:
    return run_fresh(python, "benchmarks.demo_step", "--worker", kind)


def main() -> None:
    python = benchmark_python()
    runs = taking_turns(list(STEPS), "benchmarks.demo_step", RUNS, python)
    median = {k: statistics.median(r["s"] for r in v) for k, v in runs.items()}
    scalar = runs["chainrule"][0]["grads"]
    nodes = [_fresh(python, "nodes") for _ in range(3)]
    seed = {
        k: statistics.median(_fresh(python, k)["s"] for _ in range(3))
        for k in ("seed002", "seed002 replay")
    }
    print(
        f"demo step (MLP(2, [16, 16, 1]), 100 samples), seconds per step in a training loop,"
        f" median of {RUNS} fresh processes:"
    )
    print(
        f"  {'path':<18}{'seconds':>11}{'nodes':>8}{'vs micrograd':>14}{'vs torch':>10}"
        f"{'max |grad - chainrule scalar|':>31}"
    )
    for kind in STEPS:
        gap = max(abs(a - b) for a, b in zip(runs[kind][0]["grads"], scalar, strict=True))
        print(
            f"  {kind:<18}{median[kind]:>11.6f}{runs[kind][0]['nodes'] or '':>8}"
            f"{median['micrograd'] / median[kind]:>13.1f}x"
            f"{median['torch'] / median[kind]:>9.2f}x{gap:>31.1e}"
        )
    first = {k: statistics.median(r["first"] for r in runs[k]) for k in ("micrograd", "chainrule")}
    print(
        f"first step of a fresh process (no earlier graph to free): micrograd "
        f"{first['micrograd']:.6f} s, chainrule {first['chainrule']:.6f} s, "
        f"{first['micrograd'] / first['chainrule']:.1f}x"
    )
    fwd = statistics.median(n["fwd_ns"] for n in nodes)
    bwd = statistics.median(n["bwd_ns"] for n in nodes)
    chain = statistics.median(n["chain_s"] for n in nodes)
    print(
        f"{nodes[0]['nodes']:,}-node graph: forward {fwd:.0f} ns/node, backward {bwd:.0f} ns/node"
    )
    print(f"1,000,000-op chain, forward + backward: {chain:.2f} s")
    print(
        f"seed 002, 100 epochs: scalar path {seed['seed002']:.1f} s, "
        f"replay (one row per sample, as the notebook trains) {seed['seed002 replay']:.1f} s"
    )


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--worker":
        worker(sys.argv[2])
    else:
        main()
