"""What an op is: the ``Op`` entry, ``define_op`` for your own, and the table ``OPS`` they fill.

An entry holds everything about one op, once per interpretation: its forward on
floats, its forward on arrays (numpy; the replay and the ONNX export run it), its
local derivatives (one rule for floats, Values, arrays and ONNX symbols alike) and
their text for people. The built-in entries are in ``autograd.ops``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache, partial
from itertools import chain
from typing import Any

__all__ = [
    "BOUND_KEPT",
    "OPS",
    "Kink",
    "Op",
    "bound",
    "define_op",
    "fixed_rule",
    "from_table",
    "is_array",
    "partners_rule",
    "primal",
]


def is_array(x: Any) -> bool:
    """True for a numpy array (or an ONNX symbol standing for one): the rules' array path."""
    return hasattr(x, "ndim")


def primal(x: Any) -> float:
    """The plain float behind ``x`` (a Value's data, or ``x`` itself)."""
    return x if is_array(x) or not hasattr(x, "data") else x.data


@dataclass(frozen=True)
class Kink:
    """Where an op has a corner or a jump, and the derivative taken there.

    ``at(*inputs, **params)`` is True exactly at the kink; ``where`` says where it is,
    in the rules' names, and ``convention`` which value (PyTorch's) the rule gives
    there, naming the op's params in braces: ``{slope}``.
    """

    at: Callable[..., bool]
    where: str
    convention: str


@dataclass(frozen=True, eq=False)
class Op:
    """One differentiable operation.

    ``forward(*inputs, **params)`` gives the output; ``local_grads(out, *inputs,
    **params)`` gives ∂out/∂input for each input. ``rules`` and ``inputs`` name
    those partials for people, one per input slot, repeating for n-ary ops.
    ``micrograd`` is micrograd's ``_op`` string for it (``symbol`` if not given),
    with the params written in: ``**{k}`` gives ``**2``. ``array`` is the forward on
    numpy arrays, one per input (an op of any number of inputs gets them stacked,
    ``xs[j]`` the j-th), or the name of a numpy function; None: one number at a time.
    """

    name: str
    forward: Callable[..., float]
    local_grads: Callable[..., Sequence[Any]]
    formula: str
    rules: tuple[str, ...]
    inputs: tuple[str, ...] = ("a", "b")
    symbol: str = ""
    arity: int | None = None
    builtin: bool = False
    params: dict[str, float] = field(default_factory=dict)
    micrograd: str = ""
    kink: Kink | None = None
    array: str | Callable[..., Any] | None = None

    origin: tuple | None = None  # set only on the copies that ``from_rule`` makes

    def __post_init__(self) -> None:
        if not self.symbol:
            object.__setattr__(self, "symbol", self.name)
        if not self.micrograd:
            object.__setattr__(self, "micrograd", self.symbol)
        self.__dict__.update(_callables(self))

    def from_rule(self, origin: tuple) -> Op:
        """This op carrying where a node ``create_graph`` made came from: (kind, the op
        whose rule it is, slot), which ``autograd.explain.describe.origin`` writes out. It
        costs the node no slot; ``table_entry`` leads back to the table's entry."""
        fields = self.__dict__.copy()  # a copy, then one key: half the time of update()
        fields["origin"] = origin
        copy = object.__new__(Op)
        object.__setattr__(copy, "__dict__", fields)
        return copy

    def bind(self, **params: float) -> Op:
        """This op with its constant parameters (an exponent, a slope) filled in."""
        if not params:
            return self
        return bound(self, *chain.from_iterable(sorted(params.items())))

    def array_function(self) -> Callable[..., Any] | None:
        """The array form as a function (a numpy function when ``array`` names one), its
        params not filled in; None for an op that has none."""
        form = self.array
        if isinstance(form, str):
            import numpy

            return getattr(numpy, form)
        return form

    def on_arrays(self, *inputs: Any) -> Any:
        """The forward on arrays (or ONNX symbols), one per input, params filled in."""
        form = self.array_function()
        if form is None:
            raise ValueError(f"op {self.name!r} has no array form: give define_op(..., array=fn)")
        if self.arity is None:
            import numpy

            if all(isinstance(x, numpy.ndarray) for x in inputs):
                return form(numpy.stack(inputs), **self.params)
            stacked = numpy.empty(len(inputs), dtype=object)  # ONNX symbols, one per input
            for j, x in enumerate(inputs):
                stacked[j] = x
            return form(stacked, **self.params)
        return form(*inputs, **self.params)

    def input_name(self, slot: int) -> str:
        """How the rules name the input in ``slot`` (``a``, ``b``, ``xᵢ`` ...)."""
        return self.inputs[slot % len(self.inputs)]

    def rule(self, slot: int) -> str:
        """The human-readable local derivative toward the input in ``slot``."""
        return self.rules[slot % len(self.rules)]

    def kink_at(self, *inputs: float) -> Kink | None:
        """The op's kink if ``inputs`` sit exactly on it, else None."""
        kink = self.kink
        return kink if kink is not None and kink.at(*inputs, **self.params) else None

    def describe(self) -> str:
        """``formula`` with its parameters written in, e.g. ``a**k (k=2)``."""
        if not self.params:
            return self.formula
        values = ", ".join(f"{k}={v:g}" for k, v in self.params.items())
        return f"{self.formula} ({values})"

    def __reduce__(self) -> tuple:
        """Pickled by name, params and origin: unpickled from the table of the process that
        loads it (a user op must be defined there first)."""
        return from_table, (self.name, dict(self.params), self.origin)

    def __repr__(self) -> str:
        return f"<op {self.name}: {self.describe()}>"


def from_table(name: str, params: dict[str, float], origin: tuple | None) -> Op:
    """The op ``Op.__reduce__`` wrote: the table's entry, bound, with its origin."""
    op = OPS.get(name)
    if op is None:
        raise ValueError(
            f"unpickling a Value made by op {name!r}, which this process's table does not have: "
            f"define it (define_op({name!r}, ...)) before loading"
        )
    op = op.bind(**params)
    return op if origin is None else op.from_rule(origin)


# The bound ops made last are kept, up to BOUND_KEPT: the same exponent gives the same
# op (the tape groups nodes by op), and a stream of distinct ones (x**(2+i*1e-7)) holds
# no memory once its Values are gone. lru_cache is thread-safe; typed, so that the
# int 2 and the float 2.0 (micrograd's '**2' and '**2.0') are different ops.
BOUND_KEPT = 256


@lru_cache(maxsize=BOUND_KEPT, typed=True)
def bound(op: Op, *names_and_values: Any) -> Op:
    """``op`` with the params ``name, value, ...`` (sorted by name) filled in, made once."""
    params = dict(zip(names_and_values[::2], names_and_values[1::2], strict=True))
    made = object.__new__(Op)  # as dataclasses.replace would, in half its time
    plain = op.table_entry.__dict__
    made.__dict__.update(plain, params=params, micrograd=_written_in(plain["micrograd"], params))
    made.__dict__.update(_callables(made))
    return made


def _callables(op: Op) -> dict[str, Any]:
    """``run`` and ``grads`` (forward and local_grads, params filled in), ``table_entry``."""
    if not op.params:
        return {"run": op.forward, "grads": op.local_grads, "table_entry": op}
    return {
        "run": partial(op.forward, **op.params),
        "grads": partial(op.local_grads, **op.params),
        "table_entry": op,
    }


def _written_in(template: str, params: dict[str, float]) -> str:
    """``template`` with the params' values in place of ``{name}``, as micrograd writes them."""
    for name, value in params.items():
        template = template.replace("{" + name + "}", str(value))
    return template


OPS: dict[str, Op] = {}


def define_op(
    name: str,
    forward: Callable[..., float],
    local_grads: Callable[..., Sequence[Any]],
    rule: str | Sequence[str],
    *,
    formula: str = "",
    inputs: Sequence[str] = (),
    symbol: str = "",
    arity: int | None = None,
    array: Callable[..., Any] | None = None,
) -> Op:
    """Add a user op to the table (or replace an earlier user op of that name).

    ``forward(*inputs, **params)`` returns a float; ``local_grads(out, *inputs,
    **params)`` returns one partial derivative per input; ``rule`` says the same
    in words (one string per input, or one for all). ``array`` is the forward on
    numpy arrays (``np.tanh``-like; an op of any number of inputs gets them stacked):
    with it ``trace`` replays the op at array speed and ``Tape.to_onnx`` exports it.
    """
    existing = OPS.get(name)
    if existing is not None and existing.builtin:
        raise ValueError(f"op {name!r} is built in; pick another name for your op")
    if not callable(forward) or not callable(local_grads):
        raise TypeError(f"op {name!r}: forward and local_grads must be functions")
    if array is not None and not callable(array):
        raise TypeError(f"op {name!r}: array must be a function of numpy arrays, got {array!r:.60}")
    rules = (rule,) if isinstance(rule, str) else tuple(rule)
    if arity is None:
        arity = _count_inputs(forward)
    if not inputs:
        inputs = ("a",) if arity == 1 else ("a", "b", "c", "d")[: arity or 2]
    op = Op(
        name,
        forward,
        local_grads,
        formula or f"{name}({', '.join(inputs)})",
        rules,
        tuple(inputs),
        symbol or name,
        arity,
        array=array,
    )
    OPS[name] = op
    return op


def _count_inputs(forward: Callable[..., float]) -> int | None:
    """How many positional inputs ``forward`` takes, or None if it takes ``*args``."""
    try:
        parameters = inspect.signature(forward).parameters.values()
    except (TypeError, ValueError):
        return None
    count = 0
    for p in parameters:
        if p.kind is p.VAR_POSITIONAL:
            return None
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty:
            count += 1
    return count


_PROBES = (0.37, -2.9, 1e-3, 7.5e6, -0.0)


def fixed_rule(op: Op, arity: int) -> tuple[float, ...] | None:
    """The local derivatives of a built-in op whose rule gives the same floats wherever
    it is run (add's 1.0 and 1.0), checked at five points; else None. A check of an op
    known to have this form, not a detector: max's rule, say, is constant over a region."""
    try:
        at = {tuple(op.grads(x, *(x * (j + 1.5) for j in range(arity)))) for x in _PROBES}
    except (TypeError, ValueError, ArithmeticError):
        return None
    (first, *rest) = at
    fixed = not rest and all(type(d) is float for d in first)
    return first if op.builtin and fixed else None


def step_rule(op: Op) -> tuple[float, float] | None:
    """(above, elsewhere): the local derivative of a built-in one-input op whose rule gives
    ``above`` wherever its input is above 0 and ``elsewhere`` wherever it is not (relu's
    1.0 and 0.0), checked at five points and at 0; else None. A check of an op known to
    have this form, as ``fixed_rule`` is."""
    try:
        at = {(x > 0, tuple(op.grads(op.run(x), x))) for x in (*_PROBES, 0.0)}
    except (TypeError, ValueError, ArithmeticError):
        return None
    sides = dict(at)
    if len(at) != 2 or len(sides) != 2 or not op.builtin:
        return None
    above, elsewhere = sides[True], sides[False]
    if len(above) != 1 or len(elsewhere) != 1 or {type(above[0]), type(elsewhere[0])} != {float}:
        return None
    return above[0], elsewhere[0]


def partners_rule(op: Op, arity: int) -> bool:
    """True when a built-in op's rule gives each input its partner's value (mul's b and a),
    checked at five points of distinct inputs; a check of an op known to have this form."""
    for x in _PROBES[:4]:
        inputs = [x * (j + 1.5) for j in range(arity)]
        try:
            rule = list(op.grads(x, *inputs))
        except (TypeError, ValueError, ArithmeticError):
            return False
        if rule != [inputs[j ^ 1] for j in range(arity)]:
            return False
    return op.builtin
