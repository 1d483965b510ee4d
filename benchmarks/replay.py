"""The replay and ``fit`` against PyTorch, batched, on one thread.

Run: ``python -m benchmarks.replay [ROUNDS]``. Each round starts one fresh process
per engine; a process times a training step (forward, max-margin loss + 1e-4·Σp²,
backward, SGD update, zero_grad) of MLP(2, [h, h, 1]) for every h in SIZES and
batch in BATCHES (the median of many steps after a warm-up), then one epoch of
full-batch training on 1,000 two-moons samples (``fit`` against PyTorch's loop).
The replay's step is ``tape.training(opt)``'s, the parameters held as arrays as
PyTorch holds them in tensors; run alone, the module also times the loop that
reads and writes every Value each step (``zero_grad``, ``forward``, ``backward``,
``step``).
PyTorch runs with ``torch.set_num_threads(1)`` in float64; numpy's BLAS is left as
it is (the replay hands it products it runs on one thread). Times are CPU seconds
of the process (``time.process_time``): on a shared machine they move less than the
wall clock, and a library that spins threads pays for them.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from typing import Any

SIZES = (4, 8, 16, 32, 64)
BATCHES = (10, 100, 1000, 10_000)
LR, ALPHA = 0.05, 1e-4
FIT_EPOCHS = 40
FIT_CALLS = 5  # each side's figure: the median of this many windows of FIT_EPOCHS


def _median(step: Callable[[], Any], seconds: float = 0.4) -> float:
    """The median CPU seconds of ``step`` over about ``seconds``, after a warm-up."""
    for _ in range(5):
        step()
    times: list[float] = []
    end = time.process_time() + seconds
    while len(times) < 15 or time.process_time() < end:
        start = time.process_time()
        step()
        times.append(time.process_time() - start)
    return statistics.median(times)


def _moons(n: int):
    from nn import make_moons

    x, labels = make_moons(n, noise=0.1, rng=0)
    return x, labels * 2.0 - 1.0


def replay_step(h: int, n: int, held: bool = True) -> Callable[[], None]:
    """chainrule: the traced per-sample loss replayed over the batch, SGD.

    ``held``: the steps of ``tape.training(opt)``, the parameters held as arrays
    (written to the Values when the loop ends); else the loop of zero_grad,
    forward, backward and step that reads and writes every Value each step.
    """
    import numpy as np

    from autograd import trace
    from nn import MLP, l2_penalty
    from nn.optim import SGD

    x, y = _moons(n)
    model = MLP(2, [h, h, 1], rng=1)
    params = model.parameters()
    opt = SGD(params, lr=LR)
    tape = trace(
        lambda xs, t: (1 - model(xs) * t).relu() + l2_penalty(params, ALPHA), list(x[0]), y[0]
    )
    seed = np.full(n, 1.0 / n)
    if held:
        run = tape.training(opt)
        return lambda: run.step(x, y, seed=seed)

    def step() -> None:
        opt.zero_grad()
        tape.forward(x, y)
        tape.backward(seed)
        opt.step()

    return step


def torch_step(h: int, n: int) -> Callable[[], None]:
    """PyTorch: the same step on tensors, the weights as nn.Linear holds them."""
    import torch

    x, y = _moons(n)
    net = torch.nn.Sequential(
        torch.nn.Linear(2, h),
        torch.nn.ReLU(),
        torch.nn.Linear(h, h),
        torch.nn.ReLU(),
        torch.nn.Linear(h, 1),
    ).double()
    opt = torch.optim.SGD(net.parameters(), lr=LR)
    xs, ys = torch.tensor(x), torch.tensor(y)

    def step() -> None:
        opt.zero_grad()
        score = net(xs)[:, 0]
        penalty = sum((p * p).sum() for p in net.parameters())
        ((1 - ys * score).relu().mean() + ALPHA * penalty).backward()
        opt.step()

    return step


def fit_epoch() -> float:
    """CPU seconds per epoch of ``fit`` at full batch (1,000 moons, MLP(2, [16, 16, 1])):
    one call of FIT_EPOCHS epochs, its trace and retraces included, the median of
    FIT_CALLS calls."""
    from nn import MLP, fit

    x, y = _moons(1000)
    model = MLP(2, [16, 16, 1], rng=1)
    fit(model, x, y, loss="hinge", epochs=2, progress=False)  # warm: imports, first trace
    return _per_epoch(lambda: fit(model, x, y, loss="hinge", epochs=FIT_EPOCHS, progress=False))


def torch_epoch() -> float:
    """The same epoch in PyTorch (forward, hinge loss, accuracy, backward, SGD), timed as
    ``fit_epoch`` times ours."""
    import torch

    x, y = _moons(1000)
    net = torch.nn.Sequential(
        torch.nn.Linear(2, 16),
        torch.nn.ReLU(),
        torch.nn.Linear(16, 16),
        torch.nn.ReLU(),
        torch.nn.Linear(16, 1),
    ).double()
    opt = torch.optim.SGD(net.parameters(), lr=0.01)
    xs, ys = torch.tensor(x), torch.tensor(y)
    history = []

    def epoch() -> None:
        opt.zero_grad()
        score = net(xs)[:, 0]
        loss = (1 - ys * score).relu().mean()
        history.append((loss.item(), ((score > 0) == (ys > 0)).double().mean().item()))
        loss.backward()
        opt.step()

    def epochs() -> None:
        for _ in range(FIT_EPOCHS):
            epoch()

    epoch()
    return _per_epoch(epochs)


def _per_epoch(window: Callable[[], Any]) -> float:
    """CPU seconds per epoch of ``window()``, which runs FIT_EPOCHS epochs: the median
    over FIT_CALLS windows."""
    calls = []
    for _ in range(FIT_CALLS):
        start = time.process_time()
        window()
        calls.append((time.process_time() - start) / FIT_EPOCHS)
    return statistics.median(calls)


def worker(kind: str) -> dict:
    if kind == "torch":
        import torch

        torch.set_num_threads(1)
        make = torch_step
    else:
        make = partial(replay_step, held=kind == "replay")
    steps = {f"{h} {n}": _median(make(h, n)) for h in SIZES for n in BATCHES}
    if kind == "replay values":
        return {"steps": steps}
    epoch = torch_epoch() if kind == "torch" else fit_epoch()
    return {"steps": steps, "epoch": epoch}


def compare(rounds: int = 3, values: bool = False) -> dict[str, Any]:
    """torch's time over the replay's per size (above 1: the replay is faster), and
    fit's epoch over torch's, round by round. ``values``: also the loop that reads
    and writes the Values every step (``replay_step(held=False)``)."""
    from benchmarks.scalar import spread, taking_turns

    kinds = ["replay", "torch", "replay values"] if values else ["replay", "torch"]
    runs = taking_turns(kinds, "benchmarks.replay", rounds)
    pairs = list(zip(runs["replay"], runs["torch"], strict=True))
    out = {
        "torch / replay": {
            f"h={key.split()[0]}, batch {key.split()[1]}": spread(
                [t["steps"][key] / r["steps"][key] for r, t in pairs]
            )
            for key in runs["replay"][0]["steps"]
        },
        "replay ms": {
            k: 1e3 * statistics.median(r["steps"][k] for r in runs["replay"])
            for k in runs["replay"][0]["steps"]
        },
        "fit / torch per epoch": spread([r["epoch"] / t["epoch"] for r, t in pairs]),
        "fit ms per epoch": spread([1e3 * r["epoch"] for r, _ in pairs]),
    }
    if values:
        plain = list(zip(runs["replay values"], runs["torch"], strict=True))
        out["torch / replay, Values read and written each step"] = {
            f"h={key.split()[0]}, batch {key.split()[1]}": spread(
                [t["steps"][key] / v["steps"][key] for v, t in plain]
            )
            for key in runs["replay"][0]["steps"]
        }
    return out


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--worker":
        print(json.dumps(worker(sys.argv[2])))
    else:
        from benchmarks.scalar import show

        show(
            "replay and fit against PyTorch (1 thread)",
            compare(int(sys.argv[1:2][0]) if sys.argv[1:] else 3, values=True),
        )
