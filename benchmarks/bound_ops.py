"""µs per op for ops with a constant parameter (x**k), and the memory they keep.

Run: ``python -m benchmarks.bound_ops``. Three figures: x**2 repeated (the bound op
is reused), x**(2 + i·1e-7) for 20,000 distinct exponents (each op is new), and the
bytes still allocated (tracemalloc) after those 20,000 Values are freed.
"""

from __future__ import annotations

import gc
import time
import tracemalloc

from autograd import Value

N = 20_000


def per_op(make, n: int = N, repeat: int = 5) -> float:
    """The fastest of ``repeat`` runs of ``make(i)`` for i < n, in µs per call."""
    best = float("inf")
    for r in range(repeat):
        start = time.perf_counter()
        for i in range(n):
            make(i + r * n)
        best = min(best, time.perf_counter() - start)
    return best / n * 1e6


def held_after_free(n: int = N) -> int:
    """Bytes allocated by n distinct powers that are still allocated once they are freed."""
    x = Value(1.5)
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    ys = [x ** (3 + i * 1e-7) for i in range(n)]
    del ys
    gc.collect()
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    return held


def main() -> None:
    x = Value(1.5)
    print(f"x**2, repeated:               {per_op(lambda i: x**2):6.2f} µs/op")
    print(f"x**(2 + i*1e-7), distinct:     {per_op(lambda i: x ** (2 + i * 1e-7)):6.2f} µs/op")
    print(f"held after {N} distinct freed: {held_after_free() / 2**20:6.2f} MiB")


if __name__ == "__main__":
    main()
