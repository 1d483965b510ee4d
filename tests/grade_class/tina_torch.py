# ruff: noqa  (a learner's submission for the grader's tests, kept as a learner wrote it)
import torch

import math

BUG = {
    'assign': False,
    'sub_sign': False,
    'mul_no_upstream': False,
    'tanh_of_input': False,
    'recursive': False,
    'keeps_inner_grads': False,
    'power': False,
    'relu_output': False,
    'exp_as_one': False,
    'no_visited': False,
    'endless_recursion': False,
}


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
        out = Value(self.data**k, (self,), f"**{k}")

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
