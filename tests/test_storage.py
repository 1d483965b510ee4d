"""A Value's storage: the compiled autograd._node and the plain-slots fallback.

Both must give the same numbers bit for bit (everything but the storage is the same
Python), free long graphs without recursing, and let the cycle collector reclaim
the cycles that create_graph makes.
"""

from __future__ import annotations

import copy
import gc
import importlib.util
import math
import os
import pickle
import random
import shutil
import subprocess
import sys
import sysconfig
import textwrap
import weakref
from pathlib import Path

import numpy as np
import pytest

from autograd import OPS, Value, storage, topo_order, total
from autograd.backward import fresh_zero, inner_order_in_python
from autograd.graph import MANY
from tests.helpers import lecture_demo_loss

ROOT = Path(__file__).resolve().parents[1]
BUILT = importlib.util.find_spec("autograd._node") is not None


def _can_compile() -> bool:
    compiler = (sysconfig.get_config_var("CC") or "").split()
    headers = Path(sysconfig.get_paths()["include"], "Python.h")
    return bool(compiler) and shutil.which(compiler[0]) is not None and headers.exists()


def test_the_compiled_storage_is_built_where_a_compiler_is():
    """`pip install -e .` builds autograd._node; where a C compiler and Python's headers
    exist, a missing build is a broken install, not a fallback to accept quietly."""
    pure = os.environ.get("CHAINRULE_PURE_PYTHON", "") not in ("", "0")
    if BUILT:
        assert storage.COMPILED == (not pure)
        return
    assert not storage.COMPILED
    assert not _can_compile(), (
        "autograd._node was not built, though a C compiler is here: run pip install -e . "
        "again and read its log"
    )


# Everything a user reads off a graph: values and grads of a random graph of the
# common ops, a second derivative, micrograd's demo step on the lecture's code.
_PROGRAM = textwrap.dedent(
    """
    import random
    from autograd import Value, storage, total
    from tests.helpers import lecture_demo_loss

    print(storage.COMPILED)
    rng = random.Random(7)
    xs = [Value(rng.uniform(-2, 2)) for _ in range(6)]
    nodes = list(xs)
    for _ in range(400):
        a, b = rng.choice(nodes), rng.choice(nodes)
        kind = rng.randrange(9)
        if kind == 0: out = a + b
        elif kind == 1: out = a * b
        elif kind == 2: out = a - 3
        elif kind == 3: out = a.tanh()
        elif kind == 4: out = (a * 0.5).relu() + 1
        elif kind == 5: out = a / (b * b + 1.0)
        elif kind == 6: out = (a * 0.1).exp()
        elif kind == 7: out = total([a, b, a * b])
        else: out = -a + 2 * b ** 2
        nodes.append(out * 0.3)
    root = total(nodes[-50:])
    root.backward()
    print([(n.data, n.grad) for n in nodes])
    x = Value(0.7)
    y = (x * x * x).tanh() + x.exp()
    y.backward(create_graph=True)
    first = x.grad
    x.zero_grad()
    first.backward()
    print(first.data, x.grad)
    model, loss = lecture_demo_loss(20)
    loss.backward()
    print(loss.data, [(p.data, p.grad) for p in model.parameters()])
    for i, p in enumerate(model.parameters()):  # micrograd's zero_grad writes an int 0
        p.grad = [0, 3, -(2**60), 2**70][i % 4]
    loss.backward()
    print([p.grad for p in model.parameters()])

    import nn
    net = nn.MLP(3, [5, 4, 1], rng=2)  # each neuron one dot node
    out = total([net([0.3, -1.2, 2.0]), net((0.1, 0.2, 0.3))])
    out.backward()
    print(out.data, [(p.data, p.grad) for p in net.parameters()])

    # the replay and an optimizer read and write many Values at once
    from autograd import trace
    from nn import Adam
    w = [Value(0.1 * i - 0.3) for i in range(8)]
    b = Value(0.2)
    tape = trace(lambda x, y: (total([(wi * x + b).tanh() for wi in w]) - y) ** 2, 0.0, 0.0)
    opt = Adam([*w, b], lr=0.01)
    for _ in range(3):
        opt.zero_grad()
        out = tape.forward([0.5, -1.0, 2.0], [1.0, 0.0, -1.0])
        tape.backward()
        opt.step()
    w[0].grad, w[1].grad = 0, 2**70  # ints: added to as Python adds
    tape.forward([0.5], [1.0])
    tape.backward()
    print(out.tolist(), [(p.data, p.grad) for p in [*w, b]])
    w[2].grad = Value(1.0)  # not a number: the slow way, and its message
    try:
        tape.backward()
        opt.step()
    except (TypeError, ValueError) as err:
        print(type(err).__name__, err)

    # ops the compiled walk leaves to Python's loop: an int rule, a failing rule
    from autograd.ops import define_op
    define_op("twice", lambda a: 2.0 * a, lambda out, a: (2,), "2")
    define_op("picky", lambda a: a + 1.0, lambda out, a: (1.0 / (a - a),), "1")
    define_op("short", lambda a, b: a + b, lambda out, a, b: (1.0,), "1")
    x = Value(0.4)
    y = (Value.apply("twice", x * x) * x.exp()).tanh() + x
    y.backward()
    print(y.data, x.grad)
    for name, args in (("picky", (x,)), ("short", (x, x * 2))):
        try:
            (Value.apply(name, *args) * x).backward()
        except (ArithmeticError, ValueError, TypeError) as err:
            print(type(err).__name__, err, x.grad)
    """
)


def _run(pure: bool) -> list[str]:
    env = {**os.environ, "CHAINRULE_PURE_PYTHON": "1" if pure else "0"}
    done = subprocess.run(
        [sys.executable, "-c", _PROGRAM], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=120, check=True,
    )
    return done.stdout.splitlines()


def test_both_storages_give_the_same_numbers():
    compiled, pure = _run(pure=False), _run(pure=True)
    assert compiled[0] == str(BUILT) and pure[0] == "False"
    assert len(compiled) == 11
    assert compiled[1:] == pure[1:]  # reprs of every float: equal bit for bit


def _random_graph(seed: int) -> Value:
    rng = random.Random(seed)
    nodes = [Value(rng.uniform(-1, 1)) for _ in range(5)]
    for _ in range(300):
        picked = [rng.choice(nodes) for _ in range(rng.choice((1, 2, 2, 4)))]
        if len(picked) == 1:
            nodes.append(picked[0].tanh())
        elif len(picked) == 2:
            nodes.append(picked[0] * picked[1] if rng.random() < 0.5 else picked[0] + picked[1])
        else:
            nodes.append(total(picked))
    return total(nodes[-20:])


@pytest.mark.skipif(not storage.COMPILED, reason="the compiled storage is not in use (see above)")
@pytest.mark.parametrize("seed", [*range(5), "demo"])
def test_the_compiled_walk_is_the_python_walk(seed):
    from autograd._node import inner_order

    root = lecture_demo_loss(10)[1] if seed == "demo" else _random_graph(seed)
    first, second = fresh_zero(), fresh_zero()
    order, leaves = inner_order_in_python(root, first, MANY)
    compiled_order, compiled_leaves = inner_order(root, second, MANY)
    assert [id(n) for n in compiled_order] == [id(n) for n in order]
    assert compiled_leaves == leaves
    assert all(n.grad is second for n in order)
    assert all(n.grad is not second for n in leaves)
    assert order[-1] is root and len(set(map(id, order))) == len(order)


def test_a_long_chain_is_freed_without_recursing():
    x = Value(0.5)
    y = x
    for _ in range(300_000):
        y = y * 1.0 + 0.0
    y.backward()
    assert x.grad == 1.0
    del y  # 600,000 nodes, each holding the next: freed one after another, no crash


def test_a_long_chain_of_bare_nodes_is_freed_without_recursing():
    first = node = storage.Node()
    for _ in range(1_000_000):
        nxt = storage.Node()
        nxt._a = node
        node = nxt
    del first, nxt
    del node  # a million nodes, each holding the one before


def test_a_user_rule_runs_once_per_node_and_may_rewire_the_graph():
    from autograd.ops import define_op

    calls = []

    def rule(out, a, b, c):
        calls.append(out)
        node._a = tuple(reversed(node._a))  # the graph changes under the walk
        return (1, 1, 1)  # ints: Python's loop adds them

    define_op("three_way", lambda a, b, c: a + b + c, rule, "1")
    x = Value(0.5)
    node = Value.apply("three_way", x * 2, x * 3, x * 4)
    (node * 2).backward()
    assert len(calls) == 1 and x.grad == 2 * (2 + 3 + 4)


def test_many_values_are_read_and_written_as_python_would():
    import numpy as np

    values = [Value(1.5), Value(-2.0), Value(0.25)]
    values[1].grad = 3  # an int, added to as int + float adds
    storage.set_numbers(values, "grad", np.array([0.5, 0.25, 1e300]), add=True)
    assert [v.grad for v in values] == [0.5, 3.25, 1e300]
    assert storage.numbers(values, "data").tolist() == [1.5, -2.0, 0.25]
    storage.set_numbers(values, "grad", 0.0)  # zero_grad's one float for all
    assert [v.grad for v in values] == [0.0, 0.0, 0.0] and type(values[2].grad) is float
    storage.set_numbers(values, "data", np.array([2**60 + 1, 7, 9]))  # ints stay ints
    assert [v.data for v in values] == [2**60 + 1, 7, 9] and type(values[1].data) is int


def test_a_number_read_from_a_value_keeps_it_when_the_value_is_written_in_bulk():
    import numpy as np

    values = [Value(1.0), Value(2.0)]
    storage.set_numbers(values, "data", np.array([0.5, 0.75]))  # new floats, held once
    storage.set_numbers(values, "grad", np.array([4.0, 8.0]), add=True)
    data, grad = values[0].data, values[1].grad  # a second holder of each float
    storage.set_numbers(values, "data", np.array([-1.0, -2.0]))
    storage.set_numbers(values, "grad", np.array([1.0, 1.0]), add=True)
    storage.set_numbers(values, "grad", 0.0)
    assert (data, grad) == (0.5, 8.0)
    assert [v.data for v in values] == [-1.0, -2.0] and [v.grad for v in values] == [0.0, 0.0]
    storage.set_numbers(values, "grad", np.array([3.0, 5.0]), add=True)  # each its own float
    assert [v.grad for v in values] == [3.0, 5.0]


def test_the_cycles_of_create_graph_are_collected():
    # x.grad is a Value made from x: a cycle, which only the collector frees
    gone = []
    for _ in range(50):
        x = Value(0.3)
        y = (x * x).tanh() * x
        y.backward(create_graph=True)
        gone += [weakref.ref(x), weakref.ref(y), weakref.ref(x.grad)]
        del x, y
    gc.collect()
    assert [ref for ref in gone if ref() is not None] == []


@pytest.mark.skipif(not storage.COMPILED, reason="plain instances are always tracked")
def test_the_nodes_ops_make_stay_out_of_the_collector():
    x = Value(1.0)
    y = x * 2 + 1
    assert not gc.is_tracked(y) and not gc.is_tracked(y._a)
    assert gc.is_tracked(x)  # a user's own Value: see the next test


class _Holder:
    """An object that refers back to the Value it is stored in."""


@pytest.mark.skipif(storage.COMPILED, reason="compiled: grad refuses such an object (below)")
def test_a_cycle_through_a_plain_values_grad_is_collected():
    for made in (False, True):
        v = Value(1.0) * 2.0 if made else Value(1.0)
        holder = _Holder()
        v.grad = holder
        holder.v = v
        gone = weakref.ref(v)
        del v, holder
        gc.collect()
        assert gone() is None


@pytest.mark.skipif(not storage.COMPILED, reason="plain Values' grads hold anything")
@pytest.mark.parametrize("made", [False, True])
def test_compiled_grad_refuses_an_object_a_cycle_could_go_through(made):
    v = Value(1.0) * 2.0 if made else Value(1.0, label="v")
    shown = r"a Value \(data=2\.0\)" if made else "Value 'v'"
    with pytest.raises(TypeError, match=f"cannot set grad of {shown} to _Holder"):
        v.grad = _Holder()
    with pytest.raises(TypeError, match="to dict"):
        v.grad = {"g": 1.0}
    assert v.grad == 0.0 and type(v.grad) is float  # untouched


@pytest.mark.parametrize("number", [3, True, np.float64(0.25), np.int64(-2), 1.5])
def test_grad_keeps_a_number_as_it_is_given(number):
    v = Value(1.0) * 2.0
    v.grad = number
    assert v.grad is number or (v.grad == number and type(v.grad) is type(number))


@pytest.mark.parametrize("made", [False, True])
def test_a_value_set_as_a_grad_by_hand_is_freed_with_its_node(made):
    # v.grad built from v itself: v -> grad -> ... -> v, through nodes ops made
    gone = []
    for i in range(50):
        x = Value(0.5 + i)
        v = x * 3.0 if made else x
        v.grad = (v * v).tanh() + 1.0
        assert v.grad.data == math.tanh(v.data**2) + 1.0
        gone += [weakref.ref(x), weakref.ref(v), weakref.ref(v.grad)]
        del x, v
    gc.collect()
    assert [ref for ref in gone if ref() is not None] == []


@pytest.mark.parametrize("made", [False, True])
def test_data_refuses_an_object_so_no_cycle_goes_through_it(made):
    v = Value(1.0) * 2.0 if made else Value(1.0)  # an op's node is out of the collector
    with pytest.raises(TypeError, match=r"cannot set data of a Value \(data=(1|2)\.0\) to _Holder"):
        v.data = _Holder()
    assert v.data in (1.0, 2.0)


def test_a_label_lives_in_a_field_of_its_own():
    x = Value(0.5, label="x")
    y = x.tanh()
    assert y.label == "" and x._fn is None
    y.label = "y"
    assert (x._label, y._label, y.label) == ("x", "y", "y")
    assert y._fn is OPS["tanh"]  # the table's own op, not a copy carrying the name
    y.label = ""
    assert y.label == "" and y.op == "tanh"
    with pytest.raises(TypeError, match="a label is a str, got int 3"):
        y.label = 3


def test_a_value_can_be_weakly_referenced():
    x = Value(2.0)
    y = x * 3
    refs = weakref.ref(x), weakref.ref(y)
    assert refs[0]() is x and refs[1]() is y
    held = weakref.WeakSet([x, y])
    assert len(held) == 2 and x in held and y in held
    del y
    assert refs[1]() is None  # freed by reference counting, at once
    del x
    assert refs[0]() is None


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_every_pickle_protocol_keeps_a_leaf_and_a_made_node(protocol):
    x = Value(2.0, label="x")
    x.grad = 0.25
    leaf = pickle.loads(pickle.dumps(x, protocol))
    assert (type(leaf), leaf.data, leaf.grad, leaf.label, leaf.is_leaf) == (
        Value, 2.0, 0.25, "x", True,
    )
    y = x**2
    y.label = "y"
    made = pickle.loads(pickle.dumps(y, protocol))
    assert (made.data, made.label, made.op, made.params) == (4.0, "y", "pow", {"k": 2})
    (base,) = made.parents
    assert base.label == "x" and base is not x
    base.grad = 0.0
    made.backward()
    assert base.grad == 4.0 and x.grad == 0.25  # 2·x on the copy, the original untouched


@pytest.mark.skipif(not storage.COMPILED, reason="the plain class has no module to initialise")
def test_the_compiled_module_initialises_in_phases_with_a_type_of_its_own():
    """Each load of autograd._node (PEP 489) makes its own Node type, a heap type."""
    heap_type = 1 << 9  # Py_TPFLAGS_HEAPTYPE
    spec = importlib.util.find_spec("autograd._node")
    again = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(again)
    assert again.Node is not storage.Node and again.Node.__flags__ & heap_type
    assert storage.Node.__flags__ & heap_type
    node = again.new(again.Node)
    assert not gc.is_tracked(node) and again.Node.__module__ == "autograd._node"
    with pytest.raises(TypeError, match="new\\(\\) takes a subclass of Node"):
        again.new(Value)  # a Value is a Node of the first load, not of this one


def test_copies_keep_the_graph():
    v = Value(2.0, label="v")
    s = total([v, v * 3, v])
    for copied in (copy.copy(s), copy.deepcopy(s)):
        assert copied.data == 10.0 and copied.op == s.op
        assert copied._b is MANY
    deep = copy.deepcopy(s)
    assert deep.parents[0] is deep.parents[2] and deep.parents[0] is not v
    assert deep.parents[0].label == "v"
    deep.backward()
    assert deep.parents[0].grad == 5.0 and v.grad == 0.0  # d(v + 3v + v)/dv, on the copy


def test_a_copied_model_computes_the_same():
    import nn

    model = nn.MLP(2, [4, 1])
    twin = copy.deepcopy(model)
    assert [p.data for p in twin.parameters()] == [p.data for p in model.parameters()]
    assert twin([0.5, -1.5]).data == model([0.5, -1.5]).data
    twin.parameters()[0].data += 1.0
    assert twin.parameters()[0].data != model.parameters()[0].data



@pytest.mark.skipif(not storage.COMPILED, reason="plain instances are the collector's")
def test_the_nodes_ops_make_do_not_count_toward_a_collection():
    def chain(n: int) -> Value:
        y = Value(0.5)
        for _ in range(n):
            y = y * 1.0000001
        return y

    labelled = chain(10)
    labelled.label = "kept"
    ref = weakref.ref(labelled)
    del labelled
    assert ref() is None
    collections = []
    gc.callbacks.append(lambda phase, info: collections.append(phase))
    try:
        made = chain(5000)  # 10,000 nodes: counted, they would set off 14 young collections
    finally:
        gc.callbacks.pop()
    assert collections == []
    assert made.data == chain(5000).data and made.grad == 0.0
    assert {n.label for n in topo_order(made)} == {""}  # every field starts empty
    assert weakref.ref(made)() is made and not gc.is_tracked(made)
    storage.track(made)  # and the collector takes one when handed it
    assert gc.is_tracked(made)


def test_a_hessian_loop_frees_every_graph_it_makes():
    # each round: y = tanh(x·x)·x, its gradient as a Value (a cycle through x.grad),
    # then the second derivative; every node of the round is gone after a collection
    refs = []
    for i in range(200):
        x = Value(0.3 + i / 1000)
        y = (x * x).tanh() * x
        y.backward(create_graph=True)
        first = x.grad
        x.grad = 0.0
        first.backward()
        t = math.tanh(x.data**2)
        s = 1 - t * t  # tanh' at x²; y'' = 6x·s - 8x³·t·s  (by hand)
        expected = 6 * x.data * s - 8 * x.data**3 * t * s
        assert x.grad == pytest.approx(expected, rel=1e-12)
        refs += [weakref.ref(x), weakref.ref(y), weakref.ref(first), weakref.ref(y._a)]
        del x, y, first
    gc.collect()
    assert sum(ref() is not None for ref in refs) == 0


@pytest.mark.skipif(not storage.COMPILED, reason="made() is the compiled storage's")
def test_made_fills_a_node_or_leaves_a_result_that_is_not_a_finite_float_to_the_op():
    a, b = Value(2.0), Value(-3.0)
    node = storage.made(Value, 5.5, OPS["add"], a, b)
    assert (node.data, node.grad, node._fn, node.parents) == (5.5, 0.0, OPS["add"], (a, b))
    assert not gc.is_tracked(node)
    for result in (math.inf, -math.inf, math.nan, 3, True, "1.0"):
        assert storage.made(Value, result, OPS["add"], a, b) is None
    # the ops go the general way for such a result, and it names the op
    with pytest.raises(ZeroDivisionError, match="div"):
        a / Value(0.0)
    with pytest.raises(OverflowError):
        Value(1e308) * Value(10.0)
