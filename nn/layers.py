"""Neurons, layers and multilayer perceptrons made of Values."""

from __future__ import annotations

import math
import numbers
import random
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from autograd import Value
from autograd.value import dot_of_values
from nn.module import Module

__all__ = ["ACTIVATIONS", "INITS", "Layer", "MLP", "Neuron", "identity"]


def identity(v: Value) -> Value:
    """The linear activation: ``v`` itself (a named function, so models pickle)."""
    return v


ACTIVATIONS: dict[str, Callable[[Value], Value]] = {
    "linear": identity,
    "relu": Value.relu,
    "leaky_relu": Value.leaky_relu,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "gelu": Value.gelu,
    "silu": Value.silu,
    "swish": Value.silu,
}

if TYPE_CHECKING:  # numpy loads when weights are drawn or given as arrays, not on import
    import numpy as np

Rng = "int | np.random.Generator | None"


def _uniform(rng: np.random.Generator, nin: int, nout: int) -> np.ndarray:
    return rng.uniform(-1.0, 1.0, (nout, nin))  # micrograd's choice


def _xavier(rng: np.random.Generator, nin: int, nout: int) -> np.ndarray:
    limit = math.sqrt(6.0 / (nin + nout))  # Glorot & Bengio, uniform
    return rng.uniform(-limit, limit, (nout, nin))


def _he(rng: np.random.Generator, nin: int, nout: int) -> np.ndarray:
    return rng.normal(0.0, math.sqrt(2.0 / nin), (nout, nin))  # He et al., normal


INITS: dict[str, Callable[[np.random.Generator, int, int], np.ndarray]] = {
    "uniform": _uniform,
    "xavier": _xavier,
    "he": _he,
}
"""Weight initializations; biases always start at 0."""


def generator(rng: Rng) -> np.random.Generator:
    """A numpy Generator from a seed, a Generator, or None (fresh entropy)."""
    import numpy as np

    if rng is None or isinstance(rng, (int, np.integer)):
        return np.random.default_rng(rng)
    if isinstance(rng, np.random.Generator):
        return rng
    raise TypeError(
        f"rng must be a seed (int), a numpy Generator or None, got {type(rng).__name__}"
    )


def _activation(nonlin: bool, activation: str | None) -> str:
    """The activation's name from micrograd's ``nonlin`` flag or ours (which wins)."""
    if activation is not None:
        _choice(ACTIVATIONS, activation, "activation")
        return activation
    if not isinstance(nonlin, bool):
        raise TypeError(
            f"nonlin is True (ReLU) or False (linear), got {type(nonlin).__name__} "
            f"{nonlin!r:.40}; to name an activation write activation={nonlin!r:.40}"
        )
    return "relu" if nonlin else "linear"


def _choice(table: dict[str, Any], name: str, what: str) -> Any:
    if not isinstance(name, str):
        raise TypeError(
            f"{what} is a name, one of {', '.join(table)}; got {type(name).__name__} {name!r:.40}"
        )
    if name not in table:
        raise ValueError(f"unknown {what} {name!r}; choose one of {', '.join(table)}")
    return table[name]


def as_inputs(x: Sequence[Value | float] | np.ndarray, nin: int, who: str) -> list[Value]:
    """``x`` as a list of ``nin`` Values, or a clear error naming both sizes."""
    if isinstance(x, (Value, int, float)):
        raise TypeError(f"{who} takes a list of {nin} inputs, got a single {type(x).__name__}")
    np = sys.modules.get("numpy")  # not loaded: x cannot be an array
    if np is not None and isinstance(x, np.ndarray):
        if x.ndim > 1:
            raise ValueError(
                f"{who} takes one sample, {nin} numbers, got an array of shape {x.shape}: "
                f"for a batch, call it once per row, [model(x) for x in X]"
            )
        items = list(x.ravel())
    else:
        items = list(x)
    if len(items) != nin:
        raise ValueError(f"{who} expects {nin} inputs, got {len(items)}{_batch_hint(items)}")
    try:
        return [
            v if isinstance(v, Value) else Value(v, label=f"x[{i}]") for i, v in enumerate(items)
        ]
    except TypeError:
        raise _not_a_number(items, nin, who) from None


def _batch_hint(items: list[Any]) -> str:
    """Advice when ``items`` looks like a batch of samples rather than one sample."""
    if items and all(isinstance(row, (list, tuple)) or hasattr(row, "ndim") for row in items):
        return f" (a batch of {len(items)} samples? call it once per sample: [model(x) for x in X])"
    return ""


def _not_a_number(items: list[Any], nin: int, who: str) -> TypeError | ValueError:
    """The error for the first input that is neither a Value nor a real number."""
    for i, v in enumerate(items):
        try:
            if not isinstance(v, Value):
                Value(v)
        except TypeError:
            if isinstance(v, (list, tuple)) or hasattr(v, "ndim"):
                return ValueError(
                    f"{who} takes one sample, {nin} numbers, but input {i} holds "
                    f"{len(v)}: for a batch, call it once per sample, [model(x) for x in X]"
                )
            return TypeError(
                f"{who}: input {i} is {type(v).__name__} {v!r:.40}; each input is a number "
                "or a Value"
            )
    return TypeError(f"{who}: the inputs must be numbers or Values")


def _size(n: Any, name: str, who: str, example: str) -> int:
    """``n`` as an int, if it is a whole number >= 1 (an int or a numpy integer)."""
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(
            f"{who}: {name} must be a whole number >= 1, as in {example}; "
            f"got {type(n).__name__} {n!r:.40}"
        )
    if n < 1:
        raise ValueError(f"{who}: {name} must be a whole number >= 1, as in {example}; got {n}")
    return int(n)


def _matrix(values: Any, shape: tuple[int, ...], what: str) -> np.ndarray:
    import numpy as np

    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{what} must be numbers: {err}") from None
    if array.shape != shape:
        raise ValueError(f"{what} must have shape {shape}, got {array.shape}")
    if not np.isfinite(array).all():
        raise ValueError(f"{what} must be finite")
    return array


class Neuron(Module):
    """``activation(Σ wᵢ·xᵢ + b)``; the sum is one fused ``dot`` node.

    ``Neuron(nin, nonlin=True)`` is micrograd's: ReLU (or linear with
    ``nonlin=False``), weights ``random.uniform(-1, 1)`` from Python's ``random``,
    bias 0. ``activation=`` names any activation; ``init=``/``rng=`` draw the
    weights from numpy instead, ``weights=`` gives them.
    """

    def __init__(
        self,
        nin: int,
        nonlin: bool = True,
        *,
        activation: str | None = None,
        bias: bool = True,
        weights: Sequence[float] | None = None,
        init: str | None = None,
        rng: Rng = None,
    ) -> None:
        nin = _size(nin, "nin (the number of inputs)", "Neuron", "Neuron(3)")
        self.nin = nin
        self.activation = _activation(nonlin, activation)
        self._act = ACTIVATIONS[self.activation]
        if weights is not None:
            start = _matrix(weights, (nin,), "weights")
        elif init is None and rng is None:
            start = [random.uniform(-1, 1) for _ in range(nin)]  # micrograd's draw, in its order
        else:
            start = _choice(INITS, init or "uniform", "init")(generator(rng), nin, 1)[0]
        self.w = [Value(float(v)) for v in start]
        self.b = Value(0.0) if bias else None
        self.name_parameters()

    def __call__(self, x: Sequence[Value | float]) -> Value:
        return self.forward(as_inputs(x, self.nin, "Neuron"))

    def forward(self, xs: list[Value]) -> Value:
        """The output for ``nin`` Values, already checked by the caller."""
        out = dot_of_values(self.w, xs)
        if self.b is not None:
            out = out + self.b
        return self._act(out)

    def parameters(self) -> list[Value]:
        return [*self.w, self.b] if self.b is not None else list(self.w)

    def named_parameters(self) -> Iterator[tuple[str, Value]]:
        for i, w in enumerate(self.w):
            yield f"w{i}", w
        if self.b is not None:
            yield "b", self.b

    def __repr__(self) -> str:
        bias = "" if self.b else ", bias=False"
        return f"Neuron({self.nin}, activation={self.activation!r}{bias})"


class Layer(Module):
    """``nout`` neurons, each seeing all ``nin`` inputs.

    ``Layer(nin, nout, nonlin=True)`` is micrograd's (each neuron draws its own
    weights from Python's ``random``); ``activation=``, ``init=`` and ``rng=`` as
    for ``Neuron``, numpy drawing the whole (nout, nin) matrix at once.
    """

    def __init__(
        self,
        nin: int,
        nout: int,
        *,
        nonlin: bool = True,
        activation: str | None = None,
        bias: bool = True,
        init: str | None = None,
        rng: Rng = None,
    ) -> None:
        nin = _size(nin, "nin (the number of inputs)", "Layer", "Layer(3, 4)")
        nout = _size(nout, "nout (the number of neurons)", "Layer", "Layer(3, 4)")
        activation = _activation(nonlin, activation)
        if init is None and rng is None:
            rows: Sequence[Any] = [None] * nout
        else:
            rows = _choice(INITS, init or "uniform", "init")(generator(rng), nin, nout)
        self.nin, self.nout = nin, nout
        self.neurons = [Neuron(nin, activation=activation, bias=bias, weights=row) for row in rows]
        self.name_parameters()

    def __call__(self, x: Sequence[Value | float]) -> Value | list[Value]:
        out = self.forward(as_inputs(x, self.nin, "Layer"))
        return out[0] if len(out) == 1 else out

    def forward(self, xs: list[Value]) -> list[Value]:
        """Every neuron's output for ``nin`` Values, already checked by the caller."""
        return [n.forward(xs) for n in self.neurons]

    def set_weights(self, weights: Any, biases: Any = None) -> None:
        """Set weights from a (nout, nin) array or nested list, biases from (nout,)."""
        w = _matrix(weights, (self.nout, self.nin), "weights")
        has_bias = self.neurons[0].b is not None
        if biases is not None and not has_bias:
            raise ValueError("this layer has no biases; pass biases=None")
        b = _matrix(biases, (self.nout,), "biases") if biases is not None else None
        for j, neuron in enumerate(self.neurons):
            for i, p in enumerate(neuron.w):
                p.data = float(w[j, i])
            if b is not None:
                neuron.b.data = float(b[j])

    def named_children(self) -> Iterator[tuple[str, Module]]:
        for j, neuron in enumerate(self.neurons):
            yield f"neurons.{j}", neuron

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(map(repr, self.neurons))}]"


class MLP(Module):
    """Layers of sizes ``nouts`` on ``nin`` inputs: ``MLP(2, [16, 16, 1])``.

    Every layer but the last uses ``activation`` (ReLU by default); the last uses
    ``output_activation`` (linear by default), as micrograd's package does. The
    lecture's network is tanh throughout: write ``activation="tanh"`` to train its
    loop (ReLU there mostly stays at loss 4.0), and ``output_activation="tanh"``
    too for exactly its network. By default the weights are micrograd's:
    ``random.seed(1337); MLP(2, [16, 16, 1])`` holds micrograd 0.1.0's. ``rng=``
    (a seed or numpy Generator) or ``init=`` draw them with numpy instead.
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        *,
        activation: str = "relu",
        output_activation: str = "linear",
        bias: bool = True,
        init: str | None = None,
        rng: Rng = None,
    ) -> None:
        if isinstance(nouts, str) or not isinstance(nouts, Sequence):
            raise TypeError(
                f"MLP: nouts must be a list of layer sizes, e.g. MLP(2, [16, 16, 1]); got "
                f"{type(nouts).__name__} {nouts!r:.40} (for one output neuron write [1])"
            )
        if not nouts:
            raise ValueError("nouts must list at least one layer size, e.g. [16, 16, 1]")
        nin = _size(nin, "nin (the number of inputs)", "MLP", "MLP(2, [16, 16, 1])")
        nouts = [
            _size(n, f"nouts[{i}] (a layer's number of neurons)", "MLP", "MLP(2, [16, 16, 1])")
            for i, n in enumerate(nouts)
        ]
        for name in (activation, output_activation):
            _choice(ACTIVATIONS, name, "activation")
        gen = None if init is None and rng is None else generator(rng)
        sizes = [nin, *nouts]
        self.nin, self.nouts = nin, list(nouts)
        self.activation, self.output_activation = activation, output_activation
        self.bias = bias
        self.layers = [
            Layer(
                sizes[i],
                sizes[i + 1],
                activation=output_activation if i == len(nouts) - 1 else activation,
                bias=bias,
                init=init,
                rng=gen,
            )
            for i in range(len(nouts))
        ]
        self.name_parameters()

    def __call__(self, x: Sequence[Value | float]) -> Value | list[Value]:
        out = as_inputs(x, self.nin, "MLP")
        for layer in self.layers:
            out = layer.forward(out)
        return out[0] if len(out) == 1 else out

    def architecture(self) -> dict[str, Any]:
        """What it takes to rebuild this model (without its weights)."""
        return {
            "nin": self.nin,
            "nouts": list(self.nouts),
            "activation": self.activation,
            "output_activation": self.output_activation,
            "bias": self.bias,
        }

    def set_weights(self, weights: Sequence[Any], biases: Sequence[Any] | None = None) -> None:
        """One (nout, nin) weight array per layer, and optionally one bias vector each."""
        if len(weights) != len(self.layers):
            raise ValueError(f"{len(self.layers)} layers need {len(self.layers)} weight arrays")
        if biases is not None and not self.bias:
            raise ValueError("this model has no biases; pass biases=None")
        if biases is not None and len(biases) != len(self.layers):
            raise ValueError(f"{len(self.layers)} layers need {len(self.layers)} bias vectors")
        checked = [
            (
                _matrix(w, (layer.nout, layer.nin), f"layer {i} weights"),
                None if biases is None else _matrix(biases[i], (layer.nout,), f"layer {i} biases"),
            )
            for i, (layer, w) in enumerate(zip(self.layers, weights, strict=True))
        ]
        for layer, (w, b) in zip(self.layers, checked, strict=True):
            layer.set_weights(w, b)

    def named_children(self) -> Iterator[tuple[str, Module]]:
        for i, layer in enumerate(self.layers):
            yield f"layers.{i}", layer

    def save(self, path: str) -> str:
        """Write architecture and weights as JSON, atomically; return the path."""
        from nn.saving import save

        return save(self, path)

    @classmethod
    def load(cls, path: str) -> MLP:
        """A new model from a file ``save`` wrote."""
        from nn.saving import load

        return load(path)

    def restore(self, path: str) -> None:
        """Load weights from a file ``save`` wrote for a model of this architecture."""
        from nn.saving import restore

        restore(self, path)

    def __repr__(self) -> str:
        sizes = ", ".join(str(n) for n in self.nouts)
        return f"MLP({self.nin}, [{sizes}], activation={self.activation!r}, " + (
            f"output_activation={self.output_activation!r}, {len(self.parameters())} parameters)"
        )
