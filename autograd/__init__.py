"""chainrule's engine: scalar Values that record their graph, and backward over it.

The scalar engine needs only the standard library; ``trace`` and ``Tape`` (the
batched numpy replay, ``autograd.tape``) load numpy when first used.
"""

from autograd.compare import CompareReport, compare
from autograd.describe import Description, describe, graph_text
from autograd.diagnose import BUG_CLASSES, Diagnosis
from autograd.engine_check import EngineReport, check_engine
from autograd.forward import Dual, cost, forward_steps, jvp
from autograd.gradcheck import GradcheckReport, NodeCheckReport, check_nodes, gradcheck
from autograd.higher import hessian
from autograd.ops import OPS, Op, define_op
from autograd.stepper import Step, Stepper
from autograd.timeline import Timeline, backward_timeline
from autograd.value import Value, dot, grad, is_recording, no_grad, topo_order, total

__all__ = [
    "BUG_CLASSES",
    "CompareReport",
    "Diagnosis",
    "EngineReport",
    "OPS",
    "Description",
    "Dual",
    "Timeline",
    "backward_timeline",
    "describe",
    "GradcheckReport",
    "NodeCheckReport",
    "Op",
    "Step",
    "Stepper",
    "Value",
    "check_engine",
    "check_nodes",
    "compare",
    "cost",
    "define_op",
    "dot",
    "forward_steps",
    "grad",
    "gradcheck",
    "graph_text",
    "hessian",
    "is_recording",
    "jvp",
    "no_grad",
    "topo_order",
    "total",
    "trace",
    "Tape",
    "TapeMismatch",
]


def __getattr__(name: str) -> object:
    if name in ("trace", "Tape", "TapeMismatch"):
        from autograd import tape

        return getattr(tape, name)
    raise AttributeError(f"module 'autograd' has no attribute {name!r}")
