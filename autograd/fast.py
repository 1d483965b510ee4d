"""The node-building block of the ops a training loop runs a million times, written once.

``+ - * /``, ``-x``, ``tanh`` and ``relu`` build their node in place, without a call to
a helper (a call costs as much as the rest of the node). So the block below is compiled
once per op with that op's forward written in, as ``dataclasses`` writes an
``__init__``: ``stamped("binary", "__add__", "_ADD", "self._data + other._data",
globals())``. Every name the block reads (the op, ``"_ADD"``, and ``Value``, ``_new``,
``_made``, ``_as_value``, ``defers``, ``_binary``, ``_unary``, ``_paused``,
``records_here``) is a global of the namespace given, ``autograd.value``'s, so the
method runs exactly as if it were written there. On the compiled storage one call,
``_made`` (``storage.made``), checks the result is a finite float and fills the node's
five fields; on the plain class the block writes them itself. A constant to wrap, a
result that is not finite or an error to explain goes the general way, ``_binary``
(``_unary``). 1e999 is inf, a constant the compiler folds.
"""

from __future__ import annotations

import linecache
from collections.abc import Callable
from typing import Any

__all__ = ["stamped"]

_CONVERT = """\
def {name}(self, other: "Value | float") -> "Value":
    if type(other) is not Value:
        try:
            other = _as_value(other)
        except TypeError:
            if defers(other):
                return NotImplemented
            raise
"""

_UNARY = 'def {name}(self) -> "Value":\n'

# the compiled storage's node in one call; doubled braces outlive the format below
_MADE = """\
    if not _paused or records_here():
        node = _made(Value, {{forward}}, {{op}}, self, {second})
    else:
        node = _made(Value, {{forward}}, None, None, None)
    if node is not None:
        return node
    return {general}
"""

_TEMPLATES = {
    ("binary", False): _CONVERT + """\
    out = {forward}
    if -1e999 < out < 1e999:
        node = _new(Value)
        node._data = out
        node._grad = 0.0
        if not _paused or records_here():
            node._fn, node._a, node._b = {op}, self, other
        else:
            node._fn = node._a = node._b = None
        return node
    return _binary({op}, self, other)
""",
    ("binary", True): _CONVERT + _MADE.format(second="other", general="_binary({op}, self, other)"),
    ("unary", False): _UNARY + """\
    node = _new(Value)
    node._data = {forward}
    node._grad = 0.0
    node._b = None
    if not _paused or records_here():
        node._fn, node._a = {op}, self
    else:
        node._fn = node._a = None
    return node
""",
    ("unary", True): _UNARY + _MADE.format(second="None", general="_unary({op}, self)"),
}


def stamped(
    kind: str, name: str, op: str, forward: str, namespace: dict[str, Any]
) -> Callable[..., Any]:
    """The method ``name``: the ``kind`` ("binary" or "unary") of block with the op (a
    global of ``namespace``) and ``forward`` written in, its other names read from
    ``namespace`` too; the block that calls ``_made`` where the namespace has one."""
    if op not in namespace:
        raise NameError(f"stamped {name}: the op {op!r} is not a global of the namespace")
    template = _TEMPLATES[kind, namespace.get("_made") is not None]
    source = template.format(name=name, op=op, forward=forward)
    filename = f"<chainrule: Value.{name}>"  # a traceback shows the line: linecache has it
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    scope: dict[str, Any] = {}
    exec(compile(source, filename, "exec"), namespace, scope)
    method = scope[name]
    method.__qualname__ = f"Value.{name}"
    return method
