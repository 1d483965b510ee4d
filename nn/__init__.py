"""Neural networks made of Values: layers, losses, optimizers, training and saving."""

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
from nn.pytorch import from_torch, to_torch
from nn.saving import load, save
from nn.train import History, fit

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
