"""The graph a Value records, backward over it, and the errors it raises."""

import gc
import math
import sys

import numpy as np
import pytest

from autograd import OPS, Value, define_op, dot, grad, is_recording, no_grad, topo_order


def test_diamond():
    a = Value(3.0)
    b = a * 2  # b = 6
    c = b * b + b  # dc/db = 2b + 1 = 13, dc/da = 26
    c.backward()
    assert c.data == 42.0
    assert b.grad == 13.0
    assert a.grad == 26.0


def test_shared_parent_is_kept_twice():
    a = Value(-3.0)
    b = a * a
    assert b.parents == (a, a)
    assert b.local_grads() == (-3.0, -3.0)
    b.backward()
    assert a.grad == -6.0


def test_backward_twice_adds_at_leaves_only():
    a = Value(3.0)
    b = a + a
    c = b * b
    c.backward()
    assert (a.grad, b.grad) == (24.0, 12.0)
    c.backward()
    assert (a.grad, b.grad) == (48.0, 12.0)


def test_backward_from_a_leaf_accumulates():
    a = Value(2.0)
    a.backward()
    a.backward()
    assert a.grad == 2.0


def test_zero_grad_resets_the_whole_graph():
    a, b = Value(2.0), Value(5.0)
    c = (a * b).tanh() + a
    c.backward()
    assert a.grad != 0 and b.grad != 0
    c.zero_grad()
    assert all(node.grad == 0.0 for node in topo_order(c))
    c.backward()
    assert math.isclose(b.grad, 2.0 * (1 - math.tanh(10.0) ** 2))


def test_long_chain_backpropagates_with_default_recursion_limit():
    assert sys.getrecursionlimit() <= 10_000
    n = 1_000_000
    x = Value(0.5)
    y = x
    for _ in range(n):
        y = y * 1.000001
    y.backward()
    assert math.isclose(y.data, 0.5 * 1.000001**n, rel_tol=1e-9)
    assert math.isclose(x.grad, 1.000001**n, rel_tol=1e-9)
    del y  # freeing a million-deep chain must not overflow the C stack either


def test_mixed_number_operands_keep_their_order():
    a = Value(4.0)
    cases = {
        "2 - a": (2 - a, -2.0, -1.0),
        "a - 2": (a - 2, 2.0, 1.0),
        "2 / a": (2 / a, 0.5, -2 / 16),
        "a / 2": (a / 2, 2.0, 0.5),
        "2 ** a": (2**a, 16.0, 16 * math.log(2)),
        "a ** 2": (a**2, 16.0, 8.0),
        "-a": (-a, -4.0, -1.0),
        "3 * a + 1": (3 * a + 1, 13.0, 3.0),
    }
    for text, (out, data, slope) in cases.items():
        a.grad = 0.0
        out.backward()
        assert out.data == data, text
        assert math.isclose(a.grad, slope), text


def test_written_out_arithmetic_equals_the_op_table():
    # add, sub, mul, div, neg, relu, tanh, dot and pow fill their nodes in place: each
    # must give the table's forward, record the table's op, and refuse what it refuses.
    samples = [0.0, -0.0, 1.0, -2.5, 3e-320, 1e150, -7.25, 0.1]
    binary = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b}
    binary["div"] = lambda a, b: a / b
    for name, apply in binary.items():
        for x in samples:
            for y in samples:
                if name == "div" and not 1e-300 < abs(y) < 1e100:  # 0, or a quotient past 1e308
                    continue
                out = apply(Value(x), Value(y))
                assert out.data == OPS[name].forward(x, y) and out.op == name
                assert out.parents[0].data == x and out.parents[1].data == y
                flipped = apply(x, Value(y))  # the constant comes first, as written
                assert flipped.data == OPS[name].forward(x, y) and flipped.parents[0].data == x
    for x in samples:
        for name, apply in {"neg": Value.__neg__, "relu": Value.relu, "tanh": Value.tanh}.items():
            out = apply(Value(x))
            assert out.data == OPS[name].forward(x) and out.op == name and out.grad == 0.0
    for x in samples:  # pow fills its node in place above 0; below, the general way
        for k in (2, -1, 0.5, -0.5, 3, 2.0, 0, 7.3):
            if abs(x) < 1e-300 and k < 0 or x < 0 and not float(k).is_integer() or abs(x) > 1e100:
                continue
            out = Value(x) ** k
            assert out.data == OPS["pow"].forward(x, k=k) and out.op == "pow"
            assert out.params == {"k": k} and out.parents[0].data == x
    with pytest.raises(OverflowError, match=r"pow\(1e\+150\)"):
        Value(1e150) ** 3
    with pytest.raises(OverflowError, match=r"add\(1e\+308, 1e\+308\)"):
        Value(1e308) + 1e308
    with pytest.raises(OverflowError, match=r"sub\(-1e\+308, 1e\+308\)"):
        -1e308 - Value(1e308)
    ws, xs = [0.1, -2.5, 3e-320, 7.0], [1e150, 0.3, -0.0, 1 / 3]
    pairs = [v for pair in zip(ws, xs, strict=True) for v in pair]
    fused = dot([Value(w) for w in ws], [Value(x) for x in xs])
    assert fused.data == OPS["dot"].forward(*pairs) and [p.data for p in fused.parents] == pairs
    with pytest.raises(OverflowError, match=r"dot\(1e\+300, 1e\+300"):
        dot([Value(1e300)], [Value(1e300)])
    with pytest.raises(ZeroDivisionError, match=r"div\(1.0, 0.0\)"):
        Value(1.0) / 0
    with pytest.raises(OverflowError, match=r"div\(1e\+300, 1e-300\)"):
        1e300 / Value(1e-300)
    with no_grad():
        assert all(v.is_leaf for v in (Value(1.0) + 2, 3 * Value(1.0), -Value(1.0), 1 / Value(2)))
        assert (Value(2.0) ** 2).is_leaf and (Value(-2.0) ** 2).is_leaf
        assert dot([Value(1.0)], [Value(2.0)]).is_leaf


def test_int_constants_become_the_same_leaves_as_floats():
    v = Value(1.5)
    for out, constant in ((0 + v, 0.0), (1 - v, 1.0), (v * 3, 3.0), (2**60 + v, 2.0**60)):
        leaf = next(p for p in out.parents if p is not v)
        assert leaf.is_leaf and type(leaf.data) is float and leaf.data == constant
    total = sum([v, v * 2])  # sum() starts from the int 0
    total.backward()
    assert total.data == 4.5 and v.grad == 3.0
    assert (v**2).op_spec is (Value(3.0) ** 2).op_spec  # one bound op per exponent
    assert (v**2)._op == "**2" and (v**2.0)._op == "**2.0"


def test_value_exponent():
    a, b = Value(2.0), Value(3.0)
    c = a**b
    c.backward()
    assert c.data == 8.0
    assert a.grad == 12.0
    assert math.isclose(b.grad, 8 * math.log(2))


def test_node_fields_read_the_op_table():
    x = Value(0.5, label="x")
    y = x.tanh()
    assert y.op == "tanh" and y.op_spec is OPS["tanh"] and y.parents == (x,)
    assert x.is_leaf and not y.is_leaf and x.op == ""
    assert y.local_grads() == (1 - math.tanh(0.5) ** 2,)
    z = x**3
    assert z.op == "pow" and z.params == {"k": 3.0}
    assert z.local_grads() == (3 * 0.25,)


def test_numpy_scalars_on_either_side():
    a = Value(np.float32(1.5))
    b = np.float64(2.0) * a + np.int64(1)
    assert isinstance(b, Value) and b.data == 4.0
    assert type(b.data) is float


@pytest.mark.parametrize("bad", ["3", [1.0], None, 1 + 2j, np.array([1.0, 2.0]), {}])
def test_bad_constructor_input_names_what_was_given(bad):
    with pytest.raises(TypeError, match=type(bad).__name__):
        Value(bad)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_data_is_refused(bad):
    with pytest.raises(ValueError, match="finite"):
        Value(bad)


def test_bad_operands_are_refused():
    with pytest.raises(TypeError, match="str"):
        Value(1.0) + "2"
    with pytest.raises(TypeError, match="exponent"):
        Value(1.0) ** "2"


@pytest.mark.parametrize(
    ("make", "error", "words"),
    [
        (lambda: Value(0.0).log(), ValueError, r"log\(0.0\).*positive"),
        (lambda: Value(-2.0).log(), ValueError, r"log\(-2.0\)"),
        (lambda: Value(1.0) / 0, ZeroDivisionError, r"div\(1.0, 0.0\).*division by zero"),
        (lambda: 1 / Value(0.0), ZeroDivisionError, "div"),
        (lambda: Value(-4.0).sqrt(), ValueError, r"sqrt\(-4.0\)"),
        (lambda: Value(710.0).exp(), OverflowError, r"exp\(710.0\).*largest float"),
        (lambda: Value(-8.0) ** (1 / 3), ValueError, r"pow\(-8.0\).*non-integer"),
        (lambda: Value(0.0) ** -1, ZeroDivisionError, "pow"),
        (lambda: Value(-8.0) ** Value(0.5), ValueError, "vpow"),
        (lambda: Value(1e308) * 10, OverflowError, r"mul\(1e\+308, 10.0\)"),
        (lambda: Value(1.0).leaky_relu("x"), TypeError, "slope"),
    ],
)
def test_domain_errors_name_the_op_and_the_value(make, error, words):
    with pytest.raises(error, match=words):
        make()


def test_derivative_errors_name_the_op():
    y = Value(-2.0) ** Value(2.0)  # fine forward, but d/d(exponent) needs log(-2)
    assert y.data == 4.0
    with pytest.raises(ValueError, match="positive base"):
        y.backward()
    with pytest.raises(ZeroDivisionError, match="derivative of sqrt"):
        Value(0.0).sqrt().backward()


def test_stable_at_extremes():
    for x in (-1000.0, 1000.0):
        t, s = Value(x).tanh(), Value(x).sigmoid()
        assert t.data == math.copysign(1.0, x)
        assert s.data == (1.0 if x > 0 else 0.0)
        t.backward()
        s.backward()
        assert t.parents[0].grad == 0.0 and s.parents[0].grad == 0.0


def test_relu_and_abs_at_zero_have_zero_gradient():
    for name in ("relu", "abs"):
        x = Value(0.0)
        Value.apply(name, x).backward()
        assert x.grad == 0.0


def test_no_grad_records_nothing():
    w = Value(2.0)
    with no_grad():
        assert not is_recording()
        y = w * 3 + 1
    assert is_recording()
    assert y.is_leaf and y.data == 7.0
    with no_grad():
        w.data -= 0.1 * y.data
    assert math.isclose(w.data, 1.3)


def test_no_grad_restores_state_after_an_error():
    with pytest.raises(ZeroDivisionError):
        with no_grad():
            Value(1.0) / 0
    assert is_recording()


def test_user_op_is_used_like_a_builtin():
    cube = define_op("test_cube", lambda a: a**3, lambda out, a: (3 * a * a,), "3a²", formula="a³")
    try:
        x = Value(2.0)
        y = Value.apply("test_cube", x) + x
        y.backward()
        assert y.data == 10.0 and x.grad == 13.0
        assert y.parents[0].op == "test_cube" and cube.rule(0) == "3a²"
        assert OPS["test_cube"] is cube
        with pytest.raises(TypeError, match="takes 1 input"):
            Value.apply("test_cube", x, x)
    finally:
        del OPS["test_cube"]


def test_unknown_op_is_named():
    with pytest.raises(KeyError, match="no op named 'sine'"):
        Value.apply("sine", 1.0)


def test_grad_leaves_dot_grad_untouched():
    x, y = Value(3.0), Value(-2.0)
    f = x * x * y
    dx, dy = grad(f, [x, y])
    assert (dx, dy) == (-12.0, 9.0)
    assert x.grad == 0.0 and y.grad == 0.0


def test_second_derivative_through_create_graph():
    x = Value(-4.0)
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    y.backward(create_graph=True)
    dydx = x.grad
    assert isinstance(dydx, Value) and dydx.data == 46.0
    dydx.zero_grad()
    dydx.backward()
    assert x.grad == -44.0


def test_graph_frees_without_the_cycle_collector():
    gc.collect()
    gc.disable()
    try:
        x = Value(1.0)
        y = x
        for _ in range(1000):
            y = (y * 0.5).tanh() + x
        y.backward()
        del x, y
        assert gc.collect() == 0  # nothing was left for the cycle collector
    finally:
        gc.enable()


def test_nodes_are_small():
    v = Value(1.0)
    assert not hasattr(v, "__dict__")
    # the GC header, the object header, six fields and the weak reference list
    assert sys.getsizeof(v) <= 88


def test_under_116_bytes_per_node_after_forward_and_under_141_after_backward():
    from benchmarks.memory import bytes_per_node, chain_of_tanh

    nodes, after_forward, after_backward = bytes_per_node(chain_of_tanh, 100_000)
    assert nodes == 100_001
    assert after_forward < 116  # a Value (with its label and weak reference fields) and its float
    assert after_backward < 141  # and the float of its gradient


def test_labels_name_leaves_and_op_nodes_without_changing_the_op():
    x = Value(0.5, label="x")
    y = x.tanh()
    z = y * x
    y.label = "y"
    assert (x.label, y.label, z.label) == ("x", "y", "")
    assert y.op == "tanh" and y.op_spec is OPS["tanh"] and y.params == {}
    assert x.op == "" and x.op_spec is None and x.is_leaf
    k = (x**3).tanh() ** 2
    k.label = "k"
    assert k.op_spec is OPS["pow"].bind(k=2) and k.params == {"k": 2}
    z.backward()  # the labelled node still backpropagates through its op
    assert math.isclose(x.grad, math.tanh(0.5) + 0.5 * (1 - math.tanh(0.5) ** 2))
    assert "label='y'" in repr(y)
    y.label = ""
    x.label = ""
    assert y.label == x.label == "" and y.op_spec is OPS["tanh"]


def test_a_label_must_be_text():
    with pytest.raises(TypeError, match="a label is a str, got int 3"):
        Value(1.0).label = 3
    with pytest.raises(TypeError, match="a label is a str"):
        Value(1.0, label=None)  # type: ignore[arg-type]


def test_dot_takes_values_and_numbers_and_differentiates_each_pair():
    w, x = Value(0.5), Value(-2.0)
    out = dot([w, np.float64(3.0), 2], [x, x, w])  # 0.5·(-2) + 3·(-2) + 2·0.5 = -6
    assert out.data == -6.0 and out.op == "dot" and len(out.parents) == 6
    out.backward()
    assert w.grad == -2.0 + 2.0  # its partner x, and the constant 2 it is paired with
    assert x.grad == 0.5 + 3.0
    one = dot([w], [x])
    assert one.data == -1.0 and one.parents == (w, x)


@pytest.mark.parametrize(
    ("weights", "inputs", "error", "words"),
    [
        ([1.0, 2.0], [1.0], ValueError, "dot: 2 weights for 1 inputs"),
        ([], [], ValueError, "dot: no weights and inputs"),
        ([1.0], ["x"], TypeError, "takes a real number .* got str 'x'"),
    ],
)
def test_dot_refuses_bad_operands_by_name(weights, inputs, error, words):
    with pytest.raises(error, match=words):
        dot(weights, inputs)


def test_backward_reads_add_sub_and_mul_forms_from_the_op_table_only_where_they_hold():
    from autograd.ops import fixed_rule, partners_rule

    assert fixed_rule(OPS["add"], 2) == (1.0, 1.0) and fixed_rule(OPS["sub"], 2) == (1.0, -1.0)
    assert partners_rule(OPS["mul"], 2) and partners_rule(OPS["dot"], 6)
    for name in (
        "max",
        "min",
        "vpow",
        "atan2",
        "hypot",
        "div",
    ):  # forms that hold only here and there
        assert fixed_rule(OPS[name], 2) is None and not partners_rule(OPS[name], 2), name
    a, b = Value(3.0), Value(-2.0)
    out = (a * b - a) + b * b  # d/da = b - 1 = -3, d/db = a + 2b = -1
    out.backward()
    assert (a.grad, b.grad) == (-3.0, -1.0)


def test_backward_reads_neg_and_relu_forms_only_where_they_hold():
    from autograd.ops import bound, define_op, fixed_rule, step_rule

    assert fixed_rule(OPS["neg"], 1) == (-1.0,) and step_rule(OPS["relu"]) == (1.0, 0.0)
    assert step_rule(bound(OPS["leaky_relu"], "slope", 0.25)) == (1.0, 0.25)
    for name in ("tanh", "abs", "exp", "sigmoid"):  # no step (abs's: -1 below 0, 0 at 0)
        assert step_rule(OPS[name]) is None, name
    # a user's op of the same form is called node by node, not read once
    mine = define_op("step_of_mine", lambda a: max(a, 0.0), lambda out, a: (float(a > 0),),
                     "1 if a > 0 else 0", inputs=("a",))
    assert step_rule(mine) is None
    for x, slope in ((2.5, 1.0), (-1.5, 0.0), (0.0, 0.0), (-0.0, 0.0)):
        a = Value(x)
        y = -(a.relu() * 3.0)  # d/da = -3·relu'(a), relu'(0) = 0 as PyTorch's
        y.backward()
        assert a.grad == -3.0 * slope


# -- v.data = x, checked at the assignment (issue 26, item 18) ----------------------------


@pytest.mark.parametrize("made", [False, True])
@pytest.mark.parametrize(
    ("bad", "error", "shown"),
    [
        (float("nan"), ValueError, "to nan: a Value holds a finite number"),
        (float("-inf"), ValueError, "to -inf: a Value holds a finite number"),
        (np.float64("inf"), ValueError, "to inf: a Value holds a finite number"),
        (10**400, ValueError, "to 1000+: too large for a float"),
        ("1.5", TypeError, "to str '1.5': data is one real number"),
        ([1.0], TypeError, r"to list \[1.0\]: data is one real number"),
        (np.array([1.0, 2.0]), TypeError, r"to ndarray array\(\[1., 2.\]\)"),
        (None, TypeError, "to NoneType None"),
    ],
    ids=["nan", "-inf", "np-inf", "huge-int", "str", "list", "array", "None"],
)
def test_setting_data_to_a_non_number_or_non_finite_is_refused_at_once(made, bad, error, shown):
    x = Value(0.5) + 1.5 if made else Value(2.0)
    x.label = "x"
    with pytest.raises(error, match=f"cannot set data of Value 'x' {shown}"):
        x.data = bad
    assert x.data == 2.0  # untouched
    y = Value(3.0)
    with pytest.raises(error, match=r"data of a Value \(data=3.0\)"):
        y.data = bad


@pytest.mark.parametrize("number", [3, True, np.float32(1.5), np.int64(-4), 2.25, np.float64(0.1)])
def test_setting_data_to_a_real_number_keeps_it_as_a_float(number):
    x = Value(1.0) * 2.0
    x.data = number
    assert type(x.data) is float and x.data == float(number)
    assert (x * 2.0).data == 2 * float(number)


def test_topo_order_of_several_roots_lists_each_node_once_root_by_root():
    a, b, c, d = (Value(x, label=n) for x, n in [(1.0, "a"), (2.0, "b"), (3.0, "c"), (4.0, "d")])
    ab = a * b
    ab.label = "ab"
    first = ab + c
    first.label = "first"
    t = ab.tanh()
    t.label = "t"
    second = t * d
    second.label = "second"
    # by hand: the first root's walk, then what only the second reaches, parents first
    want = ["a", "b", "ab", "c", "first", "t", "d", "second"]
    assert [n.label for n in topo_order(first, second)] == want
    want = ["a", "b", "ab", "t", "d", "second", "c", "first"]
    assert [n.label for n in topo_order(second, first)] == want
    assert topo_order(first, first) == topo_order(first)
