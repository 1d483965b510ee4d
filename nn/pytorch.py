"""The same model in PyTorch and back: ``to_torch(model)``, ``to_torch(loss)``, ``from_torch``.

torch is optional (``pip install "chainrule[torch]"``) and loaded only when one of
these is called, so ``import nn`` never imports it.
"""

from __future__ import annotations

from typing import Any

from nn.layers import MLP, Layer, Neuron
from nn.losses import LOSSES, Loss

__all__ = ["from_torch", "to_torch"]

# Each activation's PyTorch module class and its arguments; "linear" has none.
_TORCH_ACTIVATIONS: dict[str, tuple[str, dict[str, Any]]] = {
    "relu": ("ReLU", {}),
    "leaky_relu": ("LeakyReLU", {"negative_slope": 0.01}),  # Value.leaky_relu's default
    "tanh": ("Tanh", {}),
    "sigmoid": ("Sigmoid", {}),
    "gelu": ("GELU", {}),  # exact: x·Φ(x), with erf
    "silu": ("SiLU", {}),
    "swish": ("SiLU", {}),
}

# Each loss as the torch.nn.functional call that computes it, as a mean over the batch.
_TORCH_LOSSES = {
    "mse": "mse_loss",
    "l1": "l1_loss",
    "bce": "binary_cross_entropy",
    "bce_with_logits": "binary_cross_entropy_with_logits",
    "softmax_cross_entropy": "cross_entropy",
    "hinge": None,  # torch has no binary hinge: mean(relu(1 - y·s)) with its own ops
}


def _torch() -> Any:
    try:
        import torch
    except ImportError:
        raise ImportError(
            "PyTorch is not installed, and nn.to_torch / nn.from_torch need it: "
            "pip install 'chainrule[torch]' (which pins torch==2.13.0)"
        ) from None
    return torch


def to_torch(obj: MLP | Layer | Neuron | Loss, dtype: Any = None) -> Any:
    """The same model as a ``torch.nn.Sequential`` (float64 unless ``dtype``), or the same loss.

    A model becomes Linear layers, each followed by its activation's module (none
    for "linear"), holding copies of the weights. A loss becomes a module called
    ``loss(outputs, targets)`` that takes the targets as chainrule's loss does.
    """
    torch = _torch()
    dtype = torch.float64 if dtype is None else dtype
    if isinstance(obj, Loss):
        return _torch_loss(torch, obj)
    if isinstance(obj, Neuron):
        layers = [([obj], obj.activation)]
    elif isinstance(obj, Layer):
        layers = [(obj.neurons, obj.neurons[0].activation)]
    elif isinstance(obj, MLP):
        layers = [(layer.neurons, layer.neurons[0].activation) for layer in obj.layers]
    else:
        raise TypeError(f"to_torch takes an MLP, Layer, Neuron or Loss, got {type(obj).__name__}")
    for _, activation in layers:
        if activation != "linear" and activation not in _TORCH_ACTIVATIONS:
            raise ValueError(f"to_torch: no PyTorch module for the activation {activation!r}")
    modules = []
    for neurons, activation in layers:
        bias = neurons[0].b is not None
        linear = torch.nn.Linear(neurons[0].nin, len(neurons), bias=bias, dtype=dtype)
        with torch.no_grad():
            linear.weight.copy_(torch.tensor([[w.data for w in n.w] for n in neurons], dtype=dtype))
            if bias:
                linear.bias.copy_(torch.tensor([n.b.data for n in neurons], dtype=dtype))
        modules.append(linear)
        if activation != "linear":
            name, kwargs = _TORCH_ACTIVATIONS[activation]
            modules.append(getattr(torch.nn, name)(**kwargs))
    return torch.nn.Sequential(*modules)


def _torch_loss(torch: Any, loss: Loss) -> Any:
    if loss.name not in _TORCH_LOSSES or LOSSES.get(loss.name) is not loss:
        raise ValueError(f"to_torch: no PyTorch form for the loss {loss.name!r}")
    functional = _TORCH_LOSSES[loss.name]
    compute = getattr(torch.nn.functional, functional) if functional else _hinge

    class ChainruleLoss(torch.nn.Module):
        """chainrule's loss in PyTorch: outputs (N,) or (N, 1) for one output per sample."""

        def forward(self, outputs: Any, targets: Any) -> Any:
            if loss.name == "softmax_cross_entropy":
                kind = outputs.dtype if _is_soft(targets) else torch.long
                return compute(outputs, torch.as_tensor(targets, dtype=kind))
            if outputs.dim() == 2 and outputs.shape[1] == 1:
                outputs = outputs[:, 0]
            return compute(outputs, torch.as_tensor(targets, dtype=outputs.dtype))

        def extra_repr(self) -> str:
            return f"{loss.name}: torch.nn.functional.{functional or 'relu(1 - y·s).mean()'}"

    return ChainruleLoss()


def _is_soft(targets: Any) -> bool:
    """Soft labels (a probability vector per sample) rather than class indices."""
    shape = getattr(targets, "shape", None)
    if shape is not None:
        return len(shape) == 2
    return any(not isinstance(t, (int, float)) for t in targets)


def _hinge(scores: Any, targets: Any) -> Any:
    return (1 - scores * targets).relu().mean()


def from_torch(module: Any) -> MLP:
    """An MLP with the weights of a ``torch.nn.Sequential`` of Linear layers and activations.

    Each Linear may be followed by one supported activation (ReLU, LeakyReLU with
    slope 0.01, Tanh, Sigmoid, exact GELU, SiLU) or Identity; every hidden layer
    must share one activation, as in an MLP. Anything else is refused by name.
    """
    torch = _torch()
    if isinstance(module, torch.nn.Linear):
        parts = [("module", module)]
    elif isinstance(module, torch.nn.Sequential):
        parts = list(_flat(module, ""))
    else:
        raise TypeError(
            f"from_torch reads a torch.nn.Sequential of Linear layers and activations, got "
            f"{type(module).__name__}; write the model as nn.Sequential(Linear, ReLU, ...)"
        )
    layers: list[list[Any]] = []  # [name, Linear, activation name or None]
    for name, part in parts:
        if isinstance(part, torch.nn.Linear):
            layers.append([name, part, None])
            continue
        activation = _activation_of(part, name)
        if activation is None:
            continue  # Identity
        if not layers or layers[-1][2] is not None:
            where = "the start" if not layers else f"layer {layers[-1][0]}'s activation"
            raise ValueError(
                f"from_torch: layer {name} ({part}) follows {where}; an MLP has one "
                "activation after each Linear layer"
            )
        layers[-1][2] = activation
    if not layers:
        raise ValueError("from_torch: the module has no Linear layer")
    return _mlp(layers)


def _flat(module: Any, prefix: str) -> Any:
    """(dotted name, module) for each module of a Sequential, nested ones opened."""
    for name, child in module.named_children():
        if type(child).__name__ == "Sequential":
            yield from _flat(child, f"{prefix}{name}.")
        else:
            yield f"{prefix}{name}", child


def _activation_of(part: Any, name: str) -> str | None:
    """The activation's name for a torch module, None for Identity, or a clear refusal."""
    kind = type(part).__name__
    if kind == "Identity":
        return None
    if kind == "LeakyReLU" and part.negative_slope != 0.01:
        raise ValueError(
            f"from_torch: layer {name} ({part}) has slope {part.negative_slope}; "
            "chainrule's leaky_relu activation has slope 0.01"
        )
    if kind == "GELU" and part.approximate != "none":
        raise ValueError(
            f"from_torch: layer {name} ({part}) is the tanh approximation; "
            "chainrule's gelu is the exact x·Φ(x) (GELU(approximate='none'))"
        )
    for activation, (torch_kind, _) in _TORCH_ACTIVATIONS.items():
        if torch_kind == kind and type(part).__module__.startswith("torch.nn"):
            return activation
    supported = sorted({k for k, _ in _TORCH_ACTIVATIONS.values()} | {"Identity"})
    raise ValueError(
        f"from_torch: layer {name} ({part}) is not a Linear layer nor a supported activation "
        f"({', '.join(supported)}); chainrule's MLP has no {kind}"
    )


def _mlp(layers: list[list[Any]]) -> MLP:
    first = layers[0][1]
    for (name, linear, _), (prev_name, prev, _) in zip(layers[1:], layers, strict=False):
        if linear.in_features != prev.out_features:
            raise ValueError(
                f"from_torch: layer {name} ({linear}) takes {linear.in_features} inputs but "
                f"layer {prev_name} gives {prev.out_features}"
            )
    with_bias = first.bias is not None
    for name, linear, _ in layers:
        if (linear.bias is not None) != with_bias:
            raise ValueError(
                f"from_torch: layer {name} ({linear}) differs from layer {layers[0][0]} in "
                "having a bias; an MLP's layers all have biases or none do"
            )
    hidden = [(name, act or "linear") for name, _, act in layers[:-1]]
    for name, activation in hidden[1:]:
        if activation != hidden[0][1]:
            raise ValueError(
                f"from_torch: layer {name}'s activation {activation} differs from layer "
                f"{hidden[0][0]}'s {hidden[0][1]}; an MLP's hidden layers share one activation"
            )
    model = MLP(
        first.in_features,
        [linear.out_features for _, linear, _ in layers],
        activation=hidden[0][1] if hidden else "relu",
        output_activation=layers[-1][2] or "linear",
        bias=with_bias,
        rng=0,
    )
    weights = [linear.weight.detach().double().cpu().numpy() for _, linear, _ in layers]
    biases = (
        [linear.bias.detach().double().cpu().numpy() for _, linear, _ in layers]
        if with_bias
        else None
    )
    model.set_weights(weights, biases)
    return model
