"""Pickle, copy and deepcopy of deep graphs (issue 26, item 19's rest): no RecursionError
at any depth, every protocol, shared ancestors kept shared, the recursion limit untouched."""

import copy
import math
import pickle
import sys

import pytest

from autograd import Value
from nn import MLP, mse

PROTOCOLS = range(pickle.HIGHEST_PROTOCOL + 1)


def chain(start, n, factor=1.0001):
    x = start
    for _ in range(n):
        x = x * factor
    return x


@pytest.fixture(scope="module")
def deep():
    a = Value(0.5, label="a")
    return a, chain(a, 100_000)


@pytest.mark.parametrize("protocol", [0, pickle.HIGHEST_PROTOCOL])
def test_a_chain_of_100000_ops_pickles_and_keeps_its_derivative(deep, protocol):
    a, y = deep
    limit = sys.getrecursionlimit()
    again = pickle.loads(pickle.dumps(y, protocol))
    assert sys.getrecursionlimit() == limit
    assert again.data == y.data and again is not y
    node, steps = again, 0
    while not node.is_leaf:
        assert node.parents[1].data == 1.0001
        node, steps = node.parents[0], steps + 1
    assert steps == 100_000 and node.label == "a" and node is not a
    again.backward()
    assert node.grad == pytest.approx(math.exp(100_000 * math.log1p(1e-4)), rel=1e-9)


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_values_sharing_ancestors_unpickle_sharing_them(protocol):
    a, b = Value(0.5, label="a"), Value(-1.5, label="b")
    shared = (a * b).tanh()
    long = chain(shared, 4000)  # deeper than pickle could nest before
    outs = [shared + 1.0, long, shared * a, long.exp(), a]
    first, second, third, fourth, leaf = pickle.loads(pickle.dumps(outs, protocol))
    assert first.parents[0] is third.parents[0]  # the one tanh node
    assert third.parents[1] is leaf and fourth.parents[0] is second
    node = second
    while not node.is_leaf:
        node = node.parents[0]
    assert node is leaf  # the chain's end is the same leaf a
    fourth.backward()
    t = math.tanh(-0.75)
    scale = 1.0001**4000
    expected = math.exp(t * scale) * scale * (1 - t * t) * -1.5
    assert leaf.grad == pytest.approx(expected, rel=1e-9)
    assert a.grad == 0.0  # the original untouched


def test_deepcopy_and_copy_of_a_deep_chain():
    a = Value(0.25)
    y = chain(a, 20_000)
    twin = copy.deepcopy(y)
    assert twin.data == y.data and twin.parents[0] is not y.parents[0]
    shallow = copy.copy(y)
    assert shallow is not y and shallow.parents[0] is y.parents[0]
    assert pickle.loads(pickle.dumps(y)).data == y.data  # no mark left behind by either


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_an_mlp_its_loss_graph_and_grads_round_trip(protocol):
    model = MLP(2, [4, 4, 1], activation="tanh", rng=5)
    samples, targets = [[0.5, -1.0], [2.0, 0.25], [-1.5, 1.5]], [1.0, 0.0, -1.0]
    loss = mse([model(x) for x in samples], targets)
    loss.backward()
    model2, loss2 = pickle.loads(pickle.dumps((model, loss), protocol))
    grads = [p.grad for p in model.parameters()]
    assert [p.grad for p in model2.parameters()] == grads
    found = set()  # the copied loss's graph reaches the copied model's own parameters
    stack = [loss2]
    while stack:
        node = stack.pop()
        if id(node) not in found:
            found.add(id(node))
            stack.extend(node.parents)
    assert {id(p) for p in model2.parameters()} <= found
    model2.zero_grad()
    loss2.backward()
    assert [p.grad for p in model2.parameters()] == grads  # the same graph, bit for bit
