"""Neural networks made of Values: layers, losses, optimizers, training and saving."""

import autograd

if not hasattr(autograd, "Value"):  # another package named autograd is the one imported
    raise ImportError(
        f"`import autograd` found {autograd.__file__ or autograd.__path__}, which is not "
        "chainrule's engine: HIPS autograd (pip's package `autograd`) uses the same name, and "
        "Python imports that one. To use chainrule in this environment, run `pip uninstall "
        "autograd` (HIPS's), then reinstall chainrule (`pip install --force-reinstall -e .` in "
        "its folder); or keep HIPS autograd in a virtual environment of its own"
    )

from nn.data import make_moons, xor
from nn.functional import log_softmax, softmax
from nn.layers import ACTIVATIONS, INITS, MLP, Layer, Neuron
from nn.losses import (
    LOSSES,
    Loss,
    bce,
    bce_with_logits,
    hinge,
    l1,
    l2_penalty,
    mse,
    softmax_cross_entropy,
)
from nn.module import Module
from nn.optim import SGD, Adam, Optimizer, RMSprop

__all__ = [
    "ACTIVATIONS",
    "INITS",
    "LOSSES",
    "MLP",
    "SGD",
    "Adam",
    "History",
    "Layer",
    "Loss",
    "Module",
    "Neuron",
    "Optimizer",
    "RMSprop",
    "bce",
    "bce_with_logits",
    "fit",
    "from_torch",
    "hinge",
    "l1",
    "l2_penalty",
    "load",
    "log_softmax",
    "make_moons",
    "mse",
    "save",
    "softmax",
    "softmax_cross_entropy",
    "to_torch",
    "xor",
]

# fit, saving and the PyTorch bridge (numpy, tqdm, json, torch) are imported when
# first named, so that ``import nn`` costs only the layers, losses and optimizers.
_LAZY = {
    **dict.fromkeys(("History", "fit"), "nn.train"),
    **dict.fromkeys(("load", "save"), "nn.saving"),
    **dict.fromkeys(("from_torch", "to_torch"), "nn.pytorch"),
}


def __getattr__(name: str) -> object:
    if name not in _LAZY:
        raise AttributeError(f"module 'nn' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value
