"""chainrule's engine: scalar Values that record their graph, and backward over it."""

from autograd.ops import OPS, Op, define_op
from autograd.value import Value, grad, is_recording, no_grad, topo_order

__all__ = ["OPS", "Op", "Value", "define_op", "grad", "is_recording", "no_grad", "topo_order"]
