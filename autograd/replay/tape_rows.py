"""Where one input slot of a tape's group reads its rows, and how gradients go back to them.

``Slot`` serves a group of one or two inputs (a view where the rows step evenly, a
broadcast where every node reads one row); ``Scatter`` adds a stacked group's block of
gradients to its target rows, summing the targets met more than once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import numpy as np

__all__ = ["Scatter", "Slot", "first_writes"]


class Slot:
    """Where one input slot of a group reads its rows, and how gradients go back.

    Rows that step evenly are read as a view; a row every node reads (the input
    x in each neuron of a layer) is read once and broadcast. ``narrow``: the rows
    are narrow ones; a batched group adds their gradient summed over the batch.
    """

    def __init__(self, rows: np.ndarray, narrow: bool, batched: bool) -> None:
        first, n = int(rows[0]), len(rows)
        step = int(rows[1]) - first if n > 1 else 1
        self.shared = bool((rows == first).all())
        if self.shared:
            at: slice | np.ndarray = slice(first, first + 1)
        elif step and (np.diff(rows) == step).all():
            stop = first + step * n
            at = slice(first, stop if stop >= 0 else None, step)
        else:
            at = rows
        self.fan_in = self.shared and n > 1  # one row gets the sum over the nodes
        self.repeats = not isinstance(at, slice) and len(np.unique(rows)) < n
        self.sum_batch = narrow and batched
        self.narrow = narrow
        self.at = at
        self.plain = not (self.sum_batch or self.fan_in or self.repeats)

    def adding(self, grads: np.ndarray, part: np.ndarray) -> list[Callable[[], Any]]:
        """Calls of no arguments that add ``part``, an array held from call to call, to
        these rows of ``grads``: read once as a view where they can be."""
        if not isinstance(self.at, slice) or self.fan_in:
            return [partial(self.add, grads, part)]
        view = grads[self.at]
        if self.plain:
            return [partial(np.add, view, part, out=view)]
        summed = np.empty((part.shape[0], 1))  # over the batch
        reduce = partial(np.add.reduce, part, axis=1, keepdims=True, out=summed)
        return [reduce, partial(np.add, view, summed, out=view)]

    def add(self, grads: np.ndarray, contribution: np.ndarray) -> None:
        if self.plain:
            grads[self.at] += contribution
            return
        if self.sum_batch:
            contribution = contribution.sum(axis=1, keepdims=True)
        if self.fan_in:
            contribution = contribution.sum(axis=0, keepdims=True)
        if self.repeats:
            np.add.at(grads, self.at, contribution)
        else:
            grads[self.at] += contribution


class Scatter:
    """Adds rows of a block to their target rows; a target met c times gets one sum.

    A target met once gets its row added directly; targets met c times (an input
    in every neuron of a layer) are summed as one (c, targets, columns) block.
    """

    def __init__(self, targets: np.ndarray) -> None:
        self.targets = targets
        unique, first, counts = np.unique(targets, return_index=True, return_counts=True)
        self.all_once = bool((counts == 1).all())
        once = counts == 1
        self.once_targets, self.once_rows = unique[once], first[once]
        order = np.argsort(targets, kind="stable")
        starts = np.r_[0, np.cumsum(counts)[:-1]]
        self.repeated = [
            (unique[counts == c], order[starts[counts == c][None, :] + np.arange(c)[:, None]])
            for c in np.unique(counts[counts > 1]).tolist()
        ]

    def add(self, grads: np.ndarray, block: np.ndarray) -> None:
        if self.all_once:
            grads[self.targets] += block
            return
        if len(self.once_rows):
            grads[self.once_targets] += block[self.once_rows]
        for targets, rows in self.repeated:
            grads[targets] += block[rows].sum(axis=0)


def first_writes(groups: Sequence[Any], wide: int, seeded: Sequence[int]) -> list[slice]:
    """Let backward set rows it would add to 0: the first write (in backward's order) to
    rows of the wide array none of which an earlier write or a seed reached, where the
    group can (its ``writes``). Marks each group's ``sets``; returns the wide rows still
    to be zeroed before backward, as runs. At batch 10,000 and h = 64 zeroing every row
    and adding each layer's product to it took a fifth of a step."""
    reached = np.zeros(wide, dtype=bool)
    reached[list(seeded)] = True
    written = np.zeros(wide, dtype=bool)
    for group in reversed(groups):
        sets = []
        for narrow, rows, can in group.writes():
            fresh = can and not narrow and not reached[rows].any()
            if not narrow:
                reached[rows] = True
                written[rows] |= fresh
            sets.append(fresh)
        group.sets = tuple(sets)
    edges = np.flatnonzero(np.diff(np.r_[0, ~written, 0].astype(np.int8)))
    return [slice(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]
