"""``fit`` on the scalar path and on the replay, by batch size, side by side.

Run: ``python -m benchmarks.fit_paths``. Two epochs of MLP(2, [16, 16, 1]) on 128
two-moons samples with the hinge loss; the seconds of each path and their ratio.
This is what ``nn.train.REPLAY_MIN_ROWS`` is chosen from.
"""

from __future__ import annotations

import time

from nn import MLP, fit, make_moons


def seconds(batch_size: int, replay: bool) -> float:
    x, labels = make_moons(128, noise=0.1, rng=0)
    model = MLP(2, [16, 16, 1], rng=1)
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


def main() -> None:
    print(f"{'batch size':>10}{'scalar s':>10}{'replay s':>10}{'ratio':>8}")
    for size in (1, 2, 4, 8, 16, 32):
        scalar, replay = seconds(size, False), seconds(size, True)
        print(f"{size:>10}{scalar:>10.3f}{replay:>10.3f}{scalar / replay:>7.1f}x")


if __name__ == "__main__":
    main()
