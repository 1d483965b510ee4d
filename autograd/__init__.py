"""chainrule's engine: scalar Values that record their graph, and backward over it.

The scalar engine needs only the standard library; ``trace`` and ``Tape`` (the
batched numpy replay, ``autograd.tape``) load numpy when first used.
"""

from autograd.compare import CompareReport, compare
from autograd.describe import Description, describe, graph_text
from autograd.diagnose import BUG_CLASSES, Diagnosis
from autograd.gradcheck import GradcheckReport, NodeCheckReport, check_nodes, gradcheck
from autograd.ops import OPS, Op, define_op
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


# The tools below load when first named, so that ``import autograd`` (and ``import
# nn``) costs the engine and little else. compare, describe and gradcheck are imported
# above: each shares its name with its module, which importing it would put in its place.
_LAZY = {
    **dict.fromkeys(("trace", "Tape", "TapeMismatch"), "tape"),
    **dict.fromkeys(("EngineReport", "check_engine"), "engine_check"),
    **dict.fromkeys(("Dual", "cost", "forward_steps", "jvp"), "forward"),
    "hessian": "higher",
    **dict.fromkeys(("Step", "Stepper"), "stepper"),
    **dict.fromkeys(("Timeline", "backward_timeline"), "timeline"),
}


def __getattr__(name: str) -> object:
    if name not in _LAZY:
        raise AttributeError(f"module 'autograd' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f"autograd.{_LAZY[name]}"), name)
    globals()[name] = value
    return value
