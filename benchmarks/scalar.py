"""The scalar path's rows, each a function that returns its figures.

Run: ``python -m benchmarks.scalar [ROUNDS]`` (micrograd 0.1.0 must be importable:
the dev extra). Every timing comes from fresh processes that take turns, A B A B
…, one pair per round; a ratio is taken within each round, and each figure is the
median of the rounds with their range, since this machine is shared and noisy.

- ``micrograd_style``: micrograd's demo step written with micrograd's own ``nn``
  code (``Neuron``, ``Layer``, ``MLP``, ``sum`` of products) and its notebook's
  loss, on micrograd's Values and on ours; also the same step written by hand
  (``sum(wi*xi for ...) + b``, the mean as ``sum(losses) / len(losses)``).
- ``fused_step``: the same step on our ``nn`` (one dot node per neuron).
- ``graph_nodes``: ns per node, forward and backward, on a 200,000-node graph, once
  where nearly every node's gradient is 0 (backward skips those) and once where none is.
- ``graph_sizes``: the same per node on graphs of 1e3 to 1e6 nodes.
- ``import_time``: ``import nn`` and ``import autograd`` in a fresh interpreter.
- ``benchmarks.microgpt.microgpt``: a GPT of scalar Values (its own module).
"""

from __future__ import annotations

import math
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from benchmarks.demo_step import ROOT, taking_turns

LOOP_STEPS = 6  # steps per process: a short training loop, as benchmarks.demo_step runs
LR, ALPHA = 0.05, 1e-4


def spread(values: Sequence[float]) -> dict[str, float]:
    """The median of ``values`` and their range."""
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def ratios(runs: dict[str, list[dict]], slow: str, fast: str, field: str) -> dict[str, float]:
    """``slow``'s time over ``fast``'s, round by round: median and range."""
    pairs = zip(runs[slow], runs[fast], strict=True)
    return spread([a[field] / b[field] for a, b in pairs])


# -- micrograd's step in micrograd's own code, on either engine ---------------------


def moons(n: int = 100, noise: float = 0.1, seed: int = 0) -> tuple[list, list[float]]:
    """Two interleaved half circles (as sklearn's make_moons), labels ±1, in plain Python."""
    rng = random.Random(seed)
    xs, ys = [], []
    for i in range(n):
        t = math.pi * (i // 2) / (n // 2 - 1)
        if i % 2:
            point, label = [1 - math.cos(t), 0.5 - math.sin(t)], 1.0
        else:
            point, label = [math.cos(t), math.sin(t)], -1.0
        xs.append([c + rng.gauss(0.0, noise) for c in point])
        ys.append(label)
    return xs, ys


def _engine(name: str) -> type:
    if name == "micrograd":
        from micrograd.engine import Value
    else:
        from autograd import Value
    return Value


def micrograd_style_worker(engine: str, by_hand: bool) -> dict:
    """LOOP_STEPS of micrograd's demo step on ``engine``'s Values: times and losses."""
    import micrograd.nn as mnn

    Value = _engine(engine)
    mnn.Value = Value  # micrograd's nn code now builds this engine's Values
    random.seed(1337)
    model = mnn.MLP(2, [16, 16, 1])
    if by_hand:
        for layer in model.layers:
            for neuron in layer.neurons:
                neuron.__class__ = _HandNeuron
    x, y = moons()
    params = model.parameters()

    def step() -> float:
        inputs = [list(map(Value, row)) for row in x]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores, strict=True)]
        if by_hand:
            data_loss = sum(losses) / len(losses)
        else:
            data_loss = sum(losses) * (1.0 / len(losses))
        loss = data_loss + ALPHA * sum(p * p for p in params)
        model.zero_grad()
        loss.backward()
        for p in params:
            p.data -= LR * p.grad
        return loss.data

    return timed_loop(step)


def timed_loop(step: Callable[[], float], steps: int = LOOP_STEPS) -> dict:
    """``step()`` ``steps`` times: the first's seconds, the mean of the rest, the losses."""
    times, losses = [], []
    for _ in range(steps):
        start = time.perf_counter()
        losses.append(step())
        times.append(time.perf_counter() - start)
    return {"first": times[0], "s": statistics.fmean(times[1:]), "losses": losses}


class _HandNeuron:
    """micrograd's Neuron as a learner often writes it: the bias added after the sum."""

    def __call__(self, x):
        act = sum(wi * xi for wi, xi in zip(self.w, x)) + self.b  # noqa: B905 (as written)
        return act.relu() if self.nonlin else act

    def parameters(self):
        return self.w + [self.b]


def same_losses(runs: dict[str, list[dict]], a: str, b: str, field: str = "losses") -> float:
    """The largest difference between two workers' losses (or another list of numbers,
    ``field``), one by one, over the rounds."""
    return max(
        abs(p - q)
        for ra, rb in zip(runs[a], runs[b], strict=True)
        for p, q in zip(ra[field], rb[field], strict=True)
    )


def micrograd_style(rounds: int = 5, env: dict[str, str] | None = None) -> dict[str, Any]:
    """micrograd's step in its own code: micrograd's time over ours, steady and first step.

    ``env``: for every process (``{"CHAINRULE_PURE_PYTHON": "1"}``: our pure-Python storage).
    """
    kinds = ["micrograd", "chainrule", "micrograd by hand", "chainrule by hand"]
    runs = taking_turns(kinds, "benchmarks.scalar", rounds, env=env)
    out = {}
    for suffix in ("", " by hand"):
        slow, fast = "micrograd" + suffix, "chainrule" + suffix
        out["micrograd's nn" + (", by hand" if suffix else "")] = {
            "steady": ratios(runs, slow, fast, "s"),
            "first": ratios(runs, slow, fast, "first"),
            "seconds": spread([r["s"] for r in runs[fast]]),
            "micrograd seconds": spread([r["s"] for r in runs[slow]]),
            "max |loss difference|": same_losses(runs, slow, fast),
        }
    return out


# -- our nn's fused step, the 200,000-node graph, import time -----------------------


def fused_step(rounds: int = 5) -> dict[str, Any]:
    """benchmarks.demo_step's step on our nn against micrograd's: steady and first step."""
    runs = taking_turns(["micrograd", "chainrule"], "benchmarks.demo_step", rounds)
    return {
        "steady": ratios(runs, "micrograd", "chainrule", "s"),
        "first": ratios(runs, "micrograd", "chainrule", "first"),
        "seconds": spread([r["s"] for r in runs["chainrule"]]),
    }


def graph_nodes(rounds: int = 3, env: dict[str, str] | None = None) -> dict[str, Any]:
    """ns per node, forward and backward, of benchmarks.demo_step's 200,000-node graph:
    as built there (nearly every gradient 0, skipped by backward) and with live gradients
    (none 0); each with the share of nodes whose gradient came out 0."""
    runs = taking_turns(["nodes", "nodes, live"], "benchmarks.demo_step", rounds, env=env)
    out: dict[str, Any] = {"nodes": runs["nodes"][0]["nodes"]}
    for kind, name in (("nodes", "most gradients 0"), ("nodes, live", "live gradients")):
        out[name] = {
            "forward ns": spread([r["fwd_ns"] for r in runs[kind]]),
            "backward ns": spread([r["bwd_ns"] for r in runs[kind]]),
            "zero share": runs[kind][0]["zero share"],
        }
    return out


def graph_sizes(
    rounds: int = 3,
    steps: Sequence[int] = (333, 3_333, 33_333, 333_333),
    env: dict[str, str] | None = None,
) -> dict:
    """ns per node, forward and backward, on the 200,000-node graph's shape at about 1e3,
    1e4, 1e5 and 1e6 nodes (fresh processes taking turns): flat when no cost grows
    with the number of nodes alive."""
    kinds = [f"nodes, {n}" for n in steps]
    runs = taking_turns(kinds, "benchmarks.demo_step", rounds, env=env)
    out: dict[str, Any] = {
        f"{runs[kind][0]['nodes']:,} nodes": {
            "forward ns": spread([r["fwd_ns"] for r in runs[kind]]),
            "backward ns": spread([r["bwd_ns"] for r in runs[kind]]),
        }
        for kind in kinds
    }
    small, big = runs[kinds[1]], runs[kinds[-1]]  # about 1e4 and 1e6 nodes
    out["growth"] = {  # round by round: the largest graph's cost per node over the 1e4 one's
        "sizes": (small[0]["nodes"], big[0]["nodes"]),
        "forward": ratios({"big": big, "small": small}, "big", "small", "fwd_ns"),
        "backward": ratios({"big": big, "small": small}, "big", "small", "bwd_ns"),
    }
    return out


def _import_ms(module: str, where: Path, *flags: str) -> float:
    """Milliseconds ``import module`` takes in a fresh interpreter (python -X importtime)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    done = subprocess.run(
        [sys.executable, *flags, "-X", "importtime", "-c", f"import {module}"],
        cwd=where,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    for line in done.stderr.splitlines():  # "import time: self | cumulative | name"
        fields = line.split("|")
        if len(fields) == 3 and fields[2].strip() == module:
            return int(fields[1].split(":")[-1]) / 1000
    raise RuntimeError(f"python -X importtime printed no line for {module}")


def import_time(rounds: int = 7) -> dict[str, Any]:
    """``import nn`` and ``import autograd`` in fresh interpreters taking turns: with the
    bytecode cached (as after an install, or any earlier import), and compiled each time
    (a copy without ``__pycache__``, run with -B, as under PYTHONDONTWRITEBYTECODE=1)."""
    times: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as bare:
        for package in ("autograd", "nn"):
            ignore = shutil.ignore_patterns("__pycache__")
            shutil.copytree(ROOT / package, Path(bare, package), ignore=ignore)
        _import_ms("nn", ROOT)  # writes the bytecode cache, if it is missing
        for _ in range(rounds):
            for module in ("nn", "autograd"):
                times.setdefault(f"import {module} ms", []).append(_import_ms(module, ROOT))
                times.setdefault(f"import {module} ms, compiled each time", []).append(
                    _import_ms(module, Path(bare), "-B")
                )
    return {name: spread(t) for name, t in times.items()}


WORKERS: dict[str, Callable[[], dict]] = {
    "micrograd": lambda: micrograd_style_worker("micrograd", by_hand=False),
    "chainrule": lambda: micrograd_style_worker("chainrule", by_hand=False),
    "micrograd by hand": lambda: micrograd_style_worker("micrograd", by_hand=True),
    "chainrule by hand": lambda: micrograd_style_worker("chainrule", by_hand=True),
}


def show(name: str, figures: Any, indent: str = "") -> None:
    if isinstance(figures, dict) and set(figures) == {"median", "min", "max"}:
        m, lo, hi = figures["median"], figures["min"], figures["max"]
        print(f"{indent}{name}: {m:.4g} (range {lo:.4g} to {hi:.4g})")
    elif isinstance(figures, dict):
        print(f"{indent}{name}:")
        for key, value in figures.items():
            show(key, value, indent + "  ")
    else:
        print(
            f"{indent}{name}: {figures:.3g}"
            if isinstance(figures, float)
            else f"{indent}{name}: {figures}"
        )


def main(rounds: int = 5) -> None:
    from benchmarks.microgpt import microgpt

    print(f"python {sys.version.split()[0]}; {rounds} rounds of fresh processes taking turns")
    show("micrograd-style step, micrograd's time / ours", micrograd_style(rounds))
    show("our nn's step (fused dot), micrograd's time / ours", fused_step(rounds))
    show("microgpt step, the micrograd-style engine's time / ours", microgpt(rounds))
    show("200,000-node graph", graph_nodes(3))
    show("the same graph's shape at other sizes", graph_sizes(3))
    show("import", import_time(rounds))


COLLECTOR_OFF = "CHAINRULE_BENCH_COLLECTOR_OFF"  # a diagnosis row's variable


def diagnose_collector(kind: str) -> None:
    """Where the run asks for it (``COLLECTOR_OFF=1``), switch the cycle collector off in a
    chainrule worker's own process: a diagnosis of what the collector costs, made by the
    benchmark, never by chainrule. The other engine's worker keeps its collector."""
    if os.environ.get(COLLECTOR_OFF) == "1" and kind.startswith("chainrule"):
        import gc

        gc.disable()


if __name__ == "__main__":
    import json

    if len(sys.argv) == 3 and sys.argv[1] == "--worker":
        diagnose_collector(sys.argv[2])
        print(json.dumps(WORKERS[sys.argv[2]]()))
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
