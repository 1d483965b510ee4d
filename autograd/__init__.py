"""chainrule's engine: scalar Values that record their graph, and backward over it.

The scalar engine needs only the standard library; ``trace`` and ``Tape`` (the
batched numpy replay, ``autograd.replay.tape``) load numpy when first used.
"""

import os as _os
import sys as _sys
import warnings as _warnings

from autograd.backward import grad, topo_order
from autograd.ops import OPS, Op, define_op
from autograd.recording import is_recording, no_grad
from autograd.value import Value, dot, total


def _warm_up() -> None:
    """Two backwards and zero_grads of a small graph. CPython 3.11 runs a function's loops
    specialized (its attribute and call caches) only from a call after the one in which
    the function warmed up: the first backward of a graph of 200,000 nodes would walk it
    at half speed from start to end, and so would the first topo_order (3.10 has no such
    penalty; 3.12 specializes at once)."""
    x = Value(0.5)
    for _ in range(2):
        y = x
        for _ in range(4):
            y = (y * x + 1.0).tanh()
        y.backward()
        y.zero_grad()  # topo_order: zero_grad's walk, grad()'s and the tools'


if _sys.version_info[:2] == (3, 11):
    _warm_up()

# HIPS autograd (pip's package `autograd`) installs a package of the same name: pip puts
# both into one folder, whose __init__.py is the one installed last. Where it is ours, say so.
if _os.path.exists(_os.path.join(_os.path.dirname(__file__), "differential_operators.py")):
    _warnings.warn(
        f"HIPS autograd (pip's package `autograd`) and chainrule are installed into one folder, "
        f"{_os.path.dirname(__file__)}: both name their package autograd, and uninstalling "
        "either one deletes files of the other. Run `pip uninstall -y autograd chainrule`, then "
        "reinstall chainrule alone; keep HIPS autograd in a virtual environment of its own",
        stacklevel=2,
    )

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
    "lift",
    "Lifted",
    "no_grad",
    "topo_order",
    "total",
    "trace",
    "Tape",
    "TapeMismatch",
]


# The tools below load when first named, so that ``import autograd`` (and ``import
# nn``) costs the engine and little else.
_LAZY = {
    **dict.fromkeys(("CompareReport", "compare"), "check.compare"),
    **dict.fromkeys(("Description", "describe", "graph_text"), "explain.describe"),
    **dict.fromkeys(("BUG_CLASSES", "Diagnosis"), "explain.diagnose"),
    **dict.fromkeys(("GradcheckReport", "NodeCheckReport", "check_nodes"), "check.gradcheck"),
    "gradcheck": "check.gradcheck",
    **dict.fromkeys(("trace", "Tape", "TapeMismatch"), "replay.tape"),
    **dict.fromkeys(("lift", "Lifted"), "replay.lift"),
    **dict.fromkeys(("EngineReport", "check_engine"), "check.engine_check"),
    **dict.fromkeys(("Dual", "cost", "forward_steps", "jvp"), "explain.forward"),
    "hessian": "check.higher",
    **dict.fromkeys(("Step", "Stepper"), "explain.stepper"),
    **dict.fromkeys(("Timeline", "backward_timeline"), "explain.timeline"),
}


def __getattr__(name: str) -> object:
    if name not in _LAZY:
        raise AttributeError(f"module 'autograd' has no attribute {name!r}")
    import importlib

    try:
        module = importlib.import_module(f"autograd.{_LAZY[name]}")
    except ModuleNotFoundError as err:
        if err.name != "numpy":
            raise
        raise ModuleNotFoundError(
            f"autograd.{name} needs numpy (the batched replay runs on arrays); install it "
            f"with `pip install numpy`. The scalar engine and its tools run without it.",
            name="numpy",
        ) from err
    value = getattr(module, name)
    globals()[name] = value
    return value

