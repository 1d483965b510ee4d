"""Engines a learner might write after micrograd's lecture: one correct, the rest with one
classic bug each. Written as a learner would, with closures, so that the checker meets
them as it will meet real ones. ``engine_source(**bug)`` is the text of such an engine
(a submission file); ``engine(**bug)`` runs it as a module of its own, registered the
way a notebook registers a cell, and returns its class ``Value``."""

from __future__ import annotations

import itertools
import linecache
import sys
import types

BUGS = (
    "assign",  # grad = instead of +=
    "sub_sign",  # sub's derivative toward b is +1
    "mul_no_upstream",  # mul forgets out.grad
    "tanh_of_input",  # 1 - x² instead of 1 - t²
    "recursive",  # micrograd's recursive topological sort
    "keeps_inner_grads",  # a second backward doubles inner grads
    "power",  # k·x^k instead of k·x^(k-1)
    "relu_output",  # relu's slope is its output
    "exp_as_one",  # exp's derivative written as 1
    "no_visited",  # topological sort without a visited set
    "endless_recursion",  # the recursive sort calls itself on the same node
)

TEMPLATE = """
import math

BUG = {bugs}


def acc(node, g):
    node.grad = g if BUG["assign"] else node.grad + g


class Value:
    # a scalar that remembers how it was made, as in the lecture

    def __init__(self, data, _children=(), _op=""):
        self.data = data
        self.grad = 0.0
        self._backward = lambda: None
        self._prev = set(_children)
        self._op = _op

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward():
            acc(self, out.grad)
            acc(other, out.grad)

        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward():
            up = 1.0 if BUG["mul_no_upstream"] else out.grad
            acc(self, other.data * up)
            acc(other, self.data * up)

        out._backward = _backward
        return out

    def __sub__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data - other.data, (self, other), "-")

        def _backward():
            acc(self, out.grad)
            acc(other, out.grad if BUG["sub_sign"] else -out.grad)

        out._backward = _backward
        return out

    def __pow__(self, k):
        out = Value(self.data**k, (self,), f"**{{k}}")

        def _backward():
            power = k if BUG["power"] else k - 1
            acc(self, k * self.data**power * out.grad)

        out._backward = _backward
        return out

    def tanh(self):
        t = math.tanh(self.data)
        out = Value(t, (self,), "tanh")

        def _backward():
            local = 1 - self.data**2 if BUG["tanh_of_input"] else 1 - t**2
            acc(self, local * out.grad)

        out._backward = _backward
        return out

    def exp(self):
        out = Value(math.exp(self.data), (self,), "exp")

        def _backward():
            local = 1.0 if BUG["exp_as_one"] else out.data
            acc(self, local * out.grad)

        out._backward = _backward
        return out

    def relu(self):
        out = Value(max(self.data, 0.0), (self,), "ReLU")

        def _backward():
            slope = out.data if BUG["relu_output"] else (out.data > 0)
            acc(self, slope * out.grad)

        out._backward = _backward
        return out

    def backward(self):
        if BUG["recursive"] or BUG["endless_recursion"]:
            topo = recursive_topo(self)
        else:
            topo = stack_topo(self)
        if not BUG["keeps_inner_grads"]:
            for v in topo:
                if v._prev:
                    v.grad = 0.0
        self.grad = 1.0
        for v in reversed(topo):
            v._backward()

    def __neg__(self):
        return self * -1

    def __radd__(self, other):
        return self + other

    def __rsub__(self, other):
        return Value(other) - self

    def __rmul__(self, other):
        return self * other

    def __truediv__(self, other):
        return self * other**-1

    def __rtruediv__(self, other):
        return other * self**-1


def recursive_topo(root):
    topo, visited = [], set()

    def build(v):
        if v not in visited:
            for child in v._prev:
                build(v if BUG["endless_recursion"] else child)  # the typo: v for child
            visited.add(v)
            topo.append(v)

    build(root)
    return topo


def stack_topo(root):
    topo, visited, stack = [], set(), [(root, False)]
    while stack:
        v, done = stack.pop()
        if done:
            topo.append(v)
        elif BUG["no_visited"] or v not in visited:
            visited.add(v)
            stack.append((v, True))
            stack.extend((c, False) for c in v._prev)
    return topo
"""

_made = itertools.count()


def engine_source(extra: str = "", **bugs: bool) -> str:
    """The text of an engine with the bugs asked for (none: correct), then ``extra``."""
    unknown = set(bugs) - set(BUGS)
    if unknown:
        raise ValueError(f"no such bug: {sorted(unknown)}")
    flags = "".join(f"\n    {name!r}: {bool(bugs.get(name))}," for name in BUGS)
    return TEMPLATE.format(bugs="{" + flags + "\n}") + extra


def from_source(source: str, name: str = "Value") -> type:
    """Run ``source`` as a fresh module, findable by inspect as a notebook cell is."""
    filename = f"<learner engine {next(_made)}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    module = types.ModuleType(f"learner_engine_{filename[16:-1]}")
    module.__file__ = filename
    sys.modules[module.__name__] = module
    exec(compile(source, filename, "exec"), module.__dict__)
    return getattr(module, name)


def engine(extra: str = "", **bugs: bool) -> type:
    """A Value class with the bugs asked for (none: a correct engine)."""
    return from_source(engine_source(extra, **bugs))
