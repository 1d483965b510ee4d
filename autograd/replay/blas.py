"""Matrix products for the replay, cut into pieces that OpenBLAS runs on one thread.

A layer of neurons replays as products of its weights and the batch; OpenBLAS would
give the bigger ones a second thread, and on a shared machine that thread (spinning
while it waits for work) cost more than it saved: ``matmul`` hands it pieces, and
``product`` binds one for arrays held from step to step.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np

__all__ = ["HUGE_WORK", "ONE_THREAD_ROW", "ONE_THREAD_WORK", "matmul", "product"]

ONE_THREAD_WORK = (1 << 19) - 1
"""OpenBLAS gives a product of m·n·k multiply-adds one thread per 2¹⁸ of them,
so up to this size it stays on one. On a busy machine its threads were measured
to make a 64×64 by 64×1000 product 5 to 40 times slower than one thread (and they
gain little at these sizes on an idle one): the replay hands BLAS smaller pieces."""
ONE_THREAD_ROW = 2304 * 4 - 1
"""A product with one row or one column numpy hands to OpenBLAS's matrix-vector
product, which takes a second thread from 2304·4 entries of its matrix: a layer of
one neuron at batch 1000 did, and the idle thread's spinning tripled the CPU time
of a step at h = 64, batch 10,000."""
HUGE_WORK = 1 << 26  # above this a product is big enough to be left to BLAS whole


def matmul(a: np.ndarray, b: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``a @ b`` (into ``out``), in blocks BLAS runs on one thread (ONE_THREAD_WORK
    multiply-adds, ONE_THREAD_ROW for a product of one row or column).

    The blocks split the rows or columns where blocks of 8 or more fit (blocks of
    the inner dimension must be summed, through temporaries: at 64 x 1000 by 1000 x 64
    30% slower), then the dimension whose split leaves the squarest products (BLAS
    is slow on thin ones).
    """
    whole = _whole(a.shape, b.shape)
    if whole is not None:
        return whole(a, b, out=out)
    (m, k), n = a.shape, b.shape[1]
    limit = ONE_THREAD_WORK if min(m, n) > 1 else ONE_THREAD_ROW
    splits = [  # (no sum and not thin, the smallest side of a block, no sum, size, axis)
        (axis < 2 and size >= 8, min(size, *rest), axis < 2, size, axis)
        for axis, size, rest in (
            (1, limit // (m * k), (m, k)),
            (0, limit // (n * k), (n, k)),
            (2, limit // (m * n), (m, n)),
        )
        if size >= 1
    ]
    if not splits:
        return np.matmul(a, b, out=out)
    *_, step, axis = max(splits)
    out = np.empty((m, n)) if out is None else out
    if axis == 1:
        for s in range(0, n, step):
            np.matmul(a, b[:, s : s + step], out=out[:, s : s + step])
    elif axis == 0:
        for s in range(0, m, step):
            np.matmul(a[s : s + step], b, out=out[s : s + step])
    else:
        np.matmul(a[:, :step], b[:step], out=out)
        for s in range(step, k, step):
            out += a[:, s : s + step] @ b[s : s + step]
    return out


def _whole(a: tuple[int, ...], b: tuple[int, ...]) -> Callable[..., np.ndarray] | None:
    """The numpy function that makes the product of an ``a``-shaped and a ``b``-shaped
    matrix in one call, as ``matmul`` makes it; None when ``matmul`` cuts it in blocks."""
    (m, k), n = a, b[1]
    if k == 1:  # an outer product: each entry one product, as BLAS gives it, 2x faster
        return np.multiply
    work, limit = m * n * k, ONE_THREAD_WORK if min(m, n) > 1 else ONE_THREAD_ROW
    return np.matmul if work <= limit or work > HUGE_WORK else None


def product(a: np.ndarray, b: np.ndarray, out: np.ndarray) -> Callable[[], np.ndarray]:
    """``matmul(a, b, out)`` as a call of no arguments, for arrays held from call to call
    (views into a tape's workspace): the way to make it is chosen here, once."""
    whole = _whole(a.shape, b.shape)
    return partial(matmul, a, b, out) if whole is None else partial(whole, a, b, out=out)
