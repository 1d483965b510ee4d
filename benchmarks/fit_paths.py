"""``fit`` on the scalar path and on the replay, by model and batch size, side by side.

Run: ``python -m benchmarks.fit_paths``. Two epochs on 128 two-moons samples with
the hinge loss, for MLPs from one neuron to MLP(2, [16, 16, 1]); the seconds of
each path, their ratio, and the work per numpy call of the replay: batch size ×
traced nodes / groups. ``nn.train.REPLAY_MIN_WORK`` is chosen from where the
ratio crosses 1.
"""

from __future__ import annotations

import time

from nn import MLP, fit, make_moons
from nn.losses import LOSSES
from nn.train import replay_tape

MODELS = ([1], [4, 1], [8, 1], [16, 16, 1])
BATCH_SIZES = (1, 2, 4, 8, 16)


def seconds(sizes: list[int], batch_size: int, replay: bool) -> float:
    x, labels = make_moons(128, noise=0.1, rng=0)
    model = MLP(2, sizes, rng=1)
    start = time.perf_counter()
    fit(
        model,
        x,
        labels * 2 - 1,
        loss="hinge",
        epochs=2,
        batch_size=batch_size,
        rng=3,
        progress=False,
        replay=replay,
    )
    return time.perf_counter() - start


def work_per_group(sizes: list[int], batch_size: int) -> float:
    x, labels = make_moons(2, rng=0)
    model = MLP(2, sizes, rng=1)
    tape = replay_tape(model, LOSSES["hinge"], list(x), list(labels * 2 - 1), 0.0, 1, True)
    return batch_size * len(tape.nodes) / len(tape.groups)


def main() -> None:
    header = f"{'model':<14}{'batch':>6}{'work/group':>12}"
    print(f"{header}{'scalar s':>10}{'replay s':>10}{'ratio':>8}")
    for sizes in MODELS:
        for size in BATCH_SIZES:
            scalar, replay = seconds(sizes, size, False), seconds(sizes, size, True)
            print(
                f"{str(sizes):<14}{size:>6}{work_per_group(sizes, size):>12.1f}"
                f"{scalar:>10.3f}{replay:>10.3f}{scalar / replay:>7.2f}x"
            )


if __name__ == "__main__":
    main()
