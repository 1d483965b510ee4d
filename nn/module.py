"""``Module``: anything with named scalar parameters, and their state as plain numbers."""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterator, Mapping

from autograd import Value

__all__ = ["Module"]


class Module:
    """A model part whose parameters are Values.

    A part made of other parts lists them in ``named_children()``; a part that
    holds Values itself lists them in ``named_parameters()``. Everything else here
    builds on those two.
    """

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """(name, part) for each Module this one is made of (none by default)."""
        return iter(())

    def named_parameters(self) -> Iterator[tuple[str, Value]]:
        """(dotted name, parameter) pairs, in a fixed order: the children's, prefixed."""
        for name, child in self.named_children():
            for sub, p in child.named_parameters():
                yield f"{name}.{sub}", p

    def parameters(self) -> list[Value]:
        """Every parameter, in the order of ``named_parameters()``.

        Gathered from the children without building the names, as training asks
        for them on every step; a Module with no children lists its named ones.
        """
        children = [child for _, child in self.named_children()]
        if not children:
            return [p for _, p in self.named_parameters()]
        return [p for child in children for p in child.parameters()]

    def name_parameters(self) -> None:
        """Label every parameter with its dotted name, so diagrams and steppers show
        ``layers.0.neurons.1.w0`` where they would show ``v7``."""
        for name, p in self.named_parameters():
            p.label = name

    def zero_grad(self) -> None:
        """Set every parameter's gradient to 0 before the next backward pass."""
        for p in self.parameters():
            p.grad = 0.0

    def state_dict(self) -> dict[str, float]:
        """The parameters' values by name, as plain floats."""
        return {name: p.data for name, p in self.named_parameters()}

    def load_state_dict(self, state: Mapping[str, object]) -> None:
        """Set every parameter from ``state``; checks all of it before changing anything."""
        params = dict(self.named_parameters())
        missing = [name for name in params if name not in state]
        unexpected = [name for name in state if name not in params]
        if missing or unexpected:
            raise ValueError(
                f"state does not fit {type(self).__name__}: "
                f"missing {_few(missing)}, unexpected {_few(unexpected)}"
            )
        values = {name: _number(name, state[name]) for name in params}
        for name, p in params.items():
            p.data = values[name]


def _number(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"parameter {name!r} must be a number, got {value!r:.40}")
    if not math.isfinite(value):
        raise ValueError(f"parameter {name!r} must be finite, got {value}")
    return float(value)


def _few(names: list[str]) -> str:
    if not names:
        return "none"
    shown = ", ".join(names[:3])
    return f"{shown}{f' and {len(names) - 3} more' if len(names) > 3 else ''}"
