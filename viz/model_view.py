"""The explorer on an ``nn`` model's loss: one box per layer, and one sample's own graph.

A batch loss is too large to draw node by node (micrograd's demo loss has 65k
values), so the explorer shows the model collapsed (``viz.collapse``) and, to step
through, the part of the loss that one sample alone builds: the last value that
depends on that sample's neuron outputs and on no other sample's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from autograd import Value
from autograd.explain.describe import Description
from autograd.explain.timeline import Timeline
from viz.collapse import boxes_dot, find_units
from viz.dot import select

__all__ = ["ModelView", "model_view", "sample_terms"]


@dataclass
class ModelView:
    """The collapsed picture (``state``) and the chosen sample's term of the loss."""

    term: Value
    state: dict[str, Any]


def model_view(root: Value, model: Any, sample: int, *, rankdir: str = "LR") -> ModelView:
    """The model's boxes over the whole batch, and sample ``sample``'s term to explore."""
    described = Description(root)
    terms = sample_terms(described, model)
    if not terms:
        raise ValueError(
            "collapse=model: no neuron of this model is found in the graph; pass the model "
            "whose outputs the loss was computed from"
        )
    if not 0 <= sample < len(terms):
        raise ValueError(
            f"sample={sample}: the loss has {len(terms)} sample(s), 0 to {len(terms) - 1}"
        )
    grads = Timeline(described).final
    source, _ = boxes_dot(select(described, root), model, grads, rankdir)
    term = terms[sample]
    return ModelView(
        term,
        {
            "dot": source,  # the page lays it out
            "samples": len(terms),
            "sample": sample,
            "root": described.names[root],
        },
    )


def sample_terms(described: Description, model: Any) -> list[Value]:
    """Per sample, the last value (in topological order) that only that sample builds."""
    outputs: dict[Any, list[Value]] = {}
    for node, (unit, is_output) in find_units(described.order, model).items():
        if is_output:
            outputs.setdefault(unit, []).append(node)
    seed: dict[Value, int] = {}
    for outs in outputs.values():
        ordered = sorted(outs, key=described.index.__getitem__)
        for k, node in enumerate(ordered):
            seed[node] = 1 << k
    samples = max((len(outs) for outs in outputs.values()), default=0)
    mask: dict[Value, int] = {}
    last: dict[int, Value] = {}
    for node in described.order:
        bits = seed.get(node, 0)
        for parent in node.parents:
            bits |= mask[parent]
        mask[node] = bits
        if bits and bits & (bits - 1) == 0:
            last[bits.bit_length() - 1] = node
    return [last[k] for k in range(samples) if k in last]
