"""The lab's starting points: an engine to complete, and the lecture's first exercises.

Each exercise goes to the engine editor (``"engine"``) or to the cell (``"cell"``).
"""

from __future__ import annotations

__all__ = ["EXERCISES", "STARTER"]

STARTER = '''import math


class Value:
    """A number that remembers how it was made, and its gradient."""

    def __init__(self, data, _children=(), _op=""):
        self.data = data
        self.grad = 0.0
        self._backward = lambda: None
        self._prev = set(_children)
        self._op = _op

    def __repr__(self):
        return f"Value(data={self.data}, grad={self.grad})"

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward():
            # TODO: the chain rule for a product: each input's local derivative
            # times out.grad, added (+=) to its grad
            pass

        out._backward = _backward
        return out

    def __pow__(self, k):
        assert isinstance(k, (int, float)), "only int or float powers"
        out = Value(self.data**k, (self,), f"**{k}")

        def _backward():
            # TODO: d(x^k)/dx = k * x^(k-1)
            pass

        out._backward = _backward
        return out

    def tanh(self):
        t = math.tanh(self.data)
        out = Value(t, (self,), "tanh")

        def _backward():
            # TODO: d tanh(x)/dx = 1 - tanh(x)^2
            pass

        out._backward = _backward
        return out

    def backward(self):
        # every node after the nodes it is made from
        order, seen = [], set()
        stack = [(self, False)]
        while stack:
            node, done = stack.pop()
            if done:
                order.append(node)
            elif node not in seen:
                seen.add(node)
                stack.append((node, True))
                stack.extend((child, False) for child in node._prev)
        self.grad = 1.0
        for node in reversed(order):
            node._backward()

    def __neg__(self):
        return self * -1

    def __radd__(self, other):
        return self + other

    def __sub__(self, other):
        return self + (-other)

    def __rsub__(self, other):
        return other + (-self)

    def __rmul__(self, other):
        return self * other

    def __truediv__(self, other):
        return self * other**-1

    def __rtruediv__(self, other):
        return other * self**-1
'''

_DERIVATIVE = """# 1. The derivative of a function of one number, by nudging it
def f(x):
    return 3 * x**2 - 4 * x + 5

h = 0.0001
x = 3.0
print("f(3) =", f(x))
print("slope near 3:", (f(x + h) - f(x)) / h)  # by hand: 6x - 4 = 14
# try x = -3, and x = 2/3 where the slope is 0
"""

_THREE_INPUTS = """# 2. Nudge one input of d = a*b + c at a time: each slope is a partial derivative
h = 0.0001
a, b, c = 2.0, -3.0, 10.0
d1 = a * b + c
a += h
d2 = a * b + c
print("d1", d1, "d2", d2, "slope toward a", (d2 - d1) / h)  # by hand: b = -3
# now nudge b, then c, instead of a
"""

_LECTURE_GRAPH = """# 3. The lecture's graph, with chainrule's Value: backward, then explore it
from autograd import Value

a = Value(2.0, label="a")
b = Value(-3.0, label="b")
c = Value(10.0, label="c")
e = a * b; e.label = "e"
d = e + c; d.label = "d"
f = Value(-2.0, label="f")
L = d * f; L.label = "L"
L.backward()
print("dL/da =", a.grad, " dL/db =", b.grad, " dL/dc =", c.grad, " dL/df =", f.grad)
# "explore" below draws L: step the forward pass, then backward, one chain-rule step at a time
"""

_NEURON = """# 4. A neuron: o = tanh(x1*w1 + x2*w2 + b); which weight matters most?
from autograd import Value

x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
b = Value(6.8813735870195432, label="b")
n = x1 * w1 + x2 * w2 + b; n.label = "n"
o = n.tanh(); o.label = "o"
o.backward()
print("o =", round(o.data, 4), " dO/dw1 =", round(w1.grad, 4), " dO/dw2 =", round(w2.grad, 4))
# explore "o": why is dO/dw2 zero?
"""

_YOUR_ENGINE = """# 5. Use your engine (check it first: it is then the module my_engine)
from my_engine import Value

a, b = Value(2.0), Value(-3.0)
out = a * b + a.tanh()
out.backward()
print(out, a.grad, b.grad)  # chainrule says: a.grad = -2.929349, b.grad = 2.0
"""

EXERCISES = [
    {"title": "Your engine: complete *, ** and tanh", "target": "engine", "code": STARTER},
    {"title": "1. A derivative by nudging", "target": "cell", "code": _DERIVATIVE, "name": ""},
    {"title": "2. Three inputs, three slopes", "target": "cell", "code": _THREE_INPUTS, "name": ""},
    {"title": "3. The lecture's graph: L", "target": "cell", "code": _LECTURE_GRAPH, "name": "L"},
    {"title": "4. A neuron: o", "target": "cell", "code": _NEURON, "name": "o"},
    {"title": "5. Run your own engine", "target": "cell", "code": _YOUR_ENGINE, "name": ""},
]
