"""Every op in the table against central differences of its own forward function."""

import math

import pytest

from autograd import OPS, Value
from tests.helpers import close, numeric_partials, op_cases


@pytest.mark.parametrize("name", sorted(OPS))
def test_backward_matches_central_differences(name):
    cases = list(op_cases(name))
    assert len(cases) >= 3, f"op {name!r} has fewer than 3 sample points in its domain"
    for params, xs in cases:
        leaves = [Value(x) for x in xs]
        out = Value.apply(name, *leaves, **params)
        out.backward()
        expected = numeric_partials(OPS[name].bind(**params).run, xs)
        for slot, (leaf, want) in enumerate(zip(leaves, expected, strict=True)):
            assert close(leaf.grad, want), (name, params, xs, slot, leaf.grad, want)


@pytest.mark.parametrize("name", sorted(OPS))
def test_local_grads_on_values_equal_local_grads_on_floats(name):
    """create_graph feeds Values through the same rule: it must give the same numbers."""
    for params, xs in op_cases(name):
        node = Value.apply(name, *xs, **params)
        as_floats = node.local_grads()
        as_values = node.op_spec.grads(node, *node.parents)
        for f, v in zip(as_floats, as_values, strict=True):
            assert math.isclose(f, getattr(v, "data", v), rel_tol=1e-12, abs_tol=1e-300)


@pytest.mark.parametrize("name", sorted(OPS))
def test_every_op_explains_itself(name):
    op = OPS[name]
    assert op.formula and op.rules and op.symbol
    assert op.rule(0) and op.input_name(0)


def test_builtins_cannot_be_replaced():
    from autograd import define_op

    with pytest.raises(ValueError, match="built in"):
        define_op("tanh", math.tanh, lambda out, a: (1.0,), "1")


# -- the ops peers test: their corners, tails and refusals --------------------------


def _grads(build, *xs):
    leaves = [Value(x) for x in xs]
    out = build(*leaves)
    out.backward()
    return out.data, [leaf.grad for leaf in leaves]


def test_max_and_min_split_a_tie_in_half_as_torch_maximum_does():
    # torch 2.13: torch.maximum(a, b) and torch.minimum(a, b) at a = b give each 0.5
    assert _grads(Value.max, 1.5, 1.5) == (1.5, [0.5, 0.5])
    assert _grads(Value.min, -2.0, -2.0) == (-2.0, [0.5, 0.5])
    assert _grads(Value.max, 1.0, 3.0) == (3.0, [0.0, 1.0])
    assert _grads(Value.min, 1.0, 3.0) == (1.0, [1.0, 0.0])
    assert _grads(lambda a: a.max(a), 2.0) == (2.0, [1.0])  # max(a, a) = a


@pytest.mark.parametrize(
    "x, lo, hi, out, slope",
    [
        (-1.0, -1.0, 1.0, -1.0, 1.0),  # at a bound the gradient is 1 (torch.clamp)
        (1.0, -1.0, 1.0, 1.0, 1.0),
        (0.5, -1.0, 1.0, 0.5, 1.0),
        (2.0, -1.0, 1.0, 1.0, 0.0),
        (-3.0, -1.0, 1.0, -1.0, 0.0),
        (0.0, 0.0, None, 0.0, 1.0),
        (0.5, None, 0.25, 0.25, 0.0),
        (1.5, 2.0, 1.0, 1.0, 0.0),  # lo > hi: torch gives hi everywhere, gradient 0
    ],
)
def test_clamp_as_torch_clamp(x, lo, hi, out, slope):
    assert _grads(lambda v: v.clamp(min=lo, max=hi), x) == (out, [slope])


def test_clamp_needs_a_bound():
    with pytest.raises(TypeError, match="clamp: give min, max or both"):
        Value(1.0).clamp()
    with pytest.raises(ValueError, match="clamp's max got nan"):
        Value(1.0).clamp(max=math.nan)


def test_atan2_and_hypot_at_the_origin_give_zero_not_nan():
    # torch 2.13 gives atan2's gradient 0 at (0, 0), and NaN for hypot's: we give 0 for both
    assert _grads(Value.atan2, 0.0, 0.0) == (0.0, [0.0, 0.0])
    assert _grads(Value.hypot, 0.0, 0.0) == (0.0, [0.0, 0.0])
    # by hand at (y, x) = (3, -4): x/(x² + y²) = -4/25, -y/(x² + y²) = -3/25
    value, (dy, dx) = _grads(Value.atan2, 3.0, -4.0)
    assert value == math.atan2(3.0, -4.0)
    assert math.isclose(dy, -0.16, rel_tol=1e-15) and math.isclose(dx, -0.12, rel_tol=1e-15)
    assert _grads(Value.hypot, 3.0, -4.0) == (5.0, [0.6, -0.8])


def test_sign_has_gradient_zero_everywhere():
    for x, s in ((-2.5, -1.0), (0.0, 0.0), (3.0, 1.0)):
        assert _grads(Value.sign, x) == (s, [0.0])


def test_the_tails_keep_their_digits():
    mpmath = pytest.importorskip("mpmath", reason="mpmath (in the dev extra) gives the reference")
    mpmath.mp.dps = 40
    x = mpmath.mpf(-10)
    # gelu(-10) = -10·Φ(-10) ≈ -7.6e-23; ½·(1 + erf) would round it to 0
    value, (slope,) = _grads(Value.gelu, -10.0)
    assert math.isclose(value, float(x * mpmath.ncdf(x)), rel_tol=1e-14)
    assert math.isclose(slope, float(mpmath.ncdf(x) + x * mpmath.npdf(x)), rel_tol=1e-14)
    # expm1's derivative is exp(a), not out + 1 (which is 0 here)
    assert _grads(Value.expm1, -50.0)[1] == [math.exp(-50.0)]
    assert _grads(Value.log1p, 1e-20) == (1e-20, [1.0])


@pytest.mark.parametrize(
    "build, error, words",
    [
        (lambda: Value(2.0).asin(), ValueError, r"asin\(2.0\): asin is defined only for"),
        (lambda: Value(-1.5).acos(), ValueError, r"acos\(-1.5\): .* in \[-1, 1\]"),
        (lambda: Value(-1.0).log1p(), ValueError, r"log1p\(-1.0\): .* numbers > -1"),
        (lambda: Value(0.0).log2(), ValueError, r"log2\(0.0\): .* positive numbers"),
        (lambda: Value(-3.0).log10(), ValueError, r"log10\(-3.0\): .* positive numbers"),
        (lambda: Value(1000.0).sinh(), OverflowError, r"sinh\(1000.0\): the result is larger"),
        (lambda: Value(-1000.0).cosh(), OverflowError, r"cosh\(-1000.0\)"),
        (lambda: Value(2000.0).exp2(), OverflowError, r"exp2\(2000.0\)"),
        (lambda: Value(1000.0).expm1(), OverflowError, r"expm1\(1000.0\)"),
        (lambda: Value(1.7e308).hypot(1.7e308), OverflowError, r"hypot\(1.7e\+308, 1.7e\+308\)"),
        (lambda: Value(1.0).asin().backward(), ZeroDivisionError, r"asin\(1.0\): .* infinite"),
        (lambda: Value(-1.0).acos().backward(), ZeroDivisionError, r"acos\(-1.0\): .* infinite"),
    ],
)
def test_domain_errors_name_the_op_and_the_value(build, error, words):
    with pytest.raises(error, match=words):
        build()


def test_comparisons_are_plain_bools_and_equality_stays_identity():
    a, b = Value(1.0), Value(2.0)
    assert (a < b, a <= b, a > b, a >= b) == (True, True, False, False)
    assert (a < 1.0, a <= 1, 0.5 < a, 2 >= a, 1.0 >= a) == (False, True, True, True, True)
    assert type(a < b) is bool
    twin = Value(1.0)
    assert a != twin and len({a, twin}) == 2  # equal numbers, two nodes
    assert max(a, b) is b  # Python's max compares, so it returns the node itself
    with pytest.raises(TypeError, match="'<' not supported between instances of 'Value' and 'str'"):
        a < "1"  # noqa: B015


# -- bound ops (an exponent, a slope) are kept for reuse, but only so many ---------------


def test_distinct_exponents_hold_no_memory_once_their_values_are_freed():
    import gc
    import tracemalloc

    from autograd.op import BOUND_KEPT, bound

    x = Value(1.5)
    x**2.5  # noqa: B018  (warm up: the first op of a kind allocates for good)
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        ys = [x ** (2 + i * 1e-7) for i in range(20000)]
        assert ys[-1].op_spec.params == {"k": 2 + 19999 * 1e-7}
        del ys
        gc.collect()
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert bound.cache_info().currsize <= BOUND_KEPT
    assert held < BOUND_KEPT * 3000, f"{held} bytes still held"  # it was 21 MiB


def test_a_bound_op_is_reused_and_right_after_it_was_evicted():
    from autograd.op import BOUND_KEPT

    x = Value(1.5)
    first = x**2.5
    assert (x**2.5).op_spec is first.op_spec  # the tape groups nodes by their op
    assert (x**2).op_spec is not (x**2.0).op_spec  # micrograd's '**2' and '**2.0'
    assert ((x**2)._op, (x**2.0)._op) == ("**2", "**2.0")
    for i in range(2 * BOUND_KEPT):
        x ** (3 + i)  # noqa: B018
    again = x**2.5
    again.backward()
    assert again.params == {"k": 2.5} and again._op == "**2.5"
    assert x.grad == 2.5 * 1.5**1.5  # d/dx x**2.5 by hand


def test_bound_ops_from_many_threads_are_each_their_own_exponent():
    from concurrent.futures import ThreadPoolExecutor

    def power(i: int) -> tuple[float, float]:
        x = Value(2.0)
        y = x ** (i / 8)
        y.backward()
        return y.data, x.grad

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(power, range(2000)))
    for i, (data, slope) in enumerate(results):
        k = i / 8
        assert data == 2.0**k and close(slope, k * 2.0 ** (k - 1)), (i, data, slope)


# -- each op's array form and rule text, against its scalar forward and rule ---------------


def _cases(name: str, count: int = 8) -> list[tuple[dict, tuple[float, ...]]]:
    return list(op_cases(name))[:count] or pytest.fail(f"{name}: no sample inputs")


@pytest.mark.parametrize("name", sorted(n for n, op in OPS.items() if op.builtin))
def test_every_built_in_op_has_an_array_form_giving_its_forward(name):
    """The replay and the ONNX export both run the table's array form: on a column of
    inputs it gives what the scalar forward gives, input by input."""
    import numpy as np

    assert OPS[name].array is not None, f"{name} has no array form"
    by_params: dict = {}
    for params, xs in op_cases(name):
        by_params.setdefault((tuple(sorted(params.items())), len(xs)), []).append(xs)
    for (params, _), rows in by_params.items():
        op = OPS[name].bind(**dict(params))
        columns = np.array(rows, dtype=float).T
        got = op.on_arrays(*columns)
        want = np.array([op.run(*xs) for xs in rows])
        gap = np.abs(got - want) / np.maximum(np.abs(want), 1e-300)
        assert gap.max() <= 4e-16, f"{name}{params}: {gap.max():.3g} at {rows[gap.argmax()]}"


_GLOSSARY = [  # the rules' notation, in the expression parser's syntax
    ("Φ(a)", "(0.5*erfc(-a/sqrt(2)))"),
    ("φ(a)", "(exp(-a**2/2)/sqrt(2*pi))"),
    ("σ(", "sigmoid("),
    ("√π", "sqrt(pi)"),
    ("√(", "sqrt("),
    ("ln 10", "log(10)"),
    ("ln 2", "log(2)"),
    ("²", "**2"),
    ("^", "**"),
    ("·", "*"),
    ("½", "0.5"),
    ("xᵢ", "x_i"),
    ("wᵢ", "w_i"),
]


def _parse_rule(text: str, names: dict) -> float:
    """A rule's text evaluated by ``autograd.explain.expression`` at ``names``: its branches
    ("1 if a > b, ½ if a = b, else 0") are chosen by comparing sides the parser evaluates."""
    from autograd.explain.expression import evaluate

    def value(part: str) -> float:
        for symbol, python in _GLOSSARY:
            part = part.replace(symbol, python)
        result = evaluate(part, names, need_name=False)
        return result.data if isinstance(result, Value) else result

    def holds(condition: str) -> bool:
        import operator
        import re

        compare = {"<": operator.lt, ">": operator.gt, "≤": operator.le, "=": operator.eq}
        sides = re.split(r"\s*([<>≤=])\s*", condition)
        numbers = [value(s) for s in sides[::2]]
        return all(
            compare[o](x, y) for o, x, y in zip(sides[1::2], numbers, numbers[1:], strict=False)
        )

    text = text.replace(", else ", " else ")
    while " if " in text:
        then, rest = text.split(" if ", 1)
        condition, text = rest.split(", ", 1) if ", " in rest else rest.split(" else ", 1)
        if holds(condition):
            return value(then)
    return value(text)


@pytest.mark.parametrize("name", sorted(n for n, op in OPS.items() if op.builtin))
def test_each_rule_text_is_its_rule(name):
    """Every op's rule text ("1 - out²"), read by the expression parser, gives what its rule
    function gives, slot by slot, at sample points: the text people read is the rule run."""
    import math

    for params, xs in _cases(name, 40):
        if any(math.isinf(v) for v in params.values()):
            continue  # clamp's open side: a Value holds a finite number
        op = OPS[name].bind(**params)
        out = op.run(*xs)
        rules = op.grads(out, *xs)
        for slot, want in enumerate(rules):
            pairs = {"w_i": xs[slot & ~1], "x_i": xs[slot | 1]} if name == "dot" else {}
            given = {
                **dict(zip(op.inputs, xs, strict=False)),
                **params,
                **pairs,
                "out": out,
                "pi": math.pi,
            }
            names = {k: Value(float(v)) for k, v in given.items()}
            got = _parse_rule(op.rule(slot), names)
            assert close(got, want, rel=1e-12, abs_=1e-300), (name, params, xs, slot, got, want)


# -- pickling: a Value an op made keeps its op by name -----------------------------------


def _protocols() -> range:
    """Every protocol, on either storage."""
    import pickle

    return range(pickle.HIGHEST_PROTOCOL + 1)


@pytest.mark.parametrize("name", sorted(n for n, op in OPS.items() if op.builtin))
def test_a_value_each_op_made_pickles_with_its_graph(name):
    import pickle

    for params, xs in _cases(name, 3):
        leaves = [Value(x, label=f"x{i}") for i, x in enumerate(xs)]
        out = Value.apply(name, *leaves, **params) * 2.0
        out.label = "out"
        for protocol in _protocols():
            copy, copied_leaves = pickle.loads(pickle.dumps((out, leaves), protocol))
            assert copy.data == out.data and copy.label == "out"
            made = copy.parents[0]
            assert (made.op, made.params, made._op) == (name, params, out.parents[0]._op)
            assert made.op_spec is Value.apply(name, *leaves, **params).op_spec  # the table's
            assert list(made.parents) == copied_leaves  # the same objects as the leaves
            copy.backward()
            out.backward()
            assert [v.grad for v in copied_leaves] == [v.grad for v in leaves]
            for v in leaves:
                v.grad = 0.0


def test_an_mlp_style_graph_and_create_graph_origins_pickle():
    import pickle

    from autograd import grad

    a, w = Value(0.3, label="a"), Value(-1.2, label="w")
    y = (a * w + 0.5).tanh().sigmoid() ** 2
    (dy,) = grad(y, [a], create_graph=True)
    for protocol in _protocols():
        y2, dy2, a2 = pickle.loads(pickle.dumps((y, dy, a), protocol))
        assert (y2.data, dy2.data) == (y.data, dy.data)
        assert dy2._fn.origin is not None and dy2._fn.origin[0] == dy._fn.origin[0]
        (d2,) = grad(dy2, [a2])
        (d1,) = grad(dy, [a])
        assert d2 == d1


def test_unpickling_a_user_op_this_process_has_not_defined_says_so():
    import pickle

    from autograd import define_op

    define_op("pickle_test_cube", lambda a: a**3, lambda out, a: (3 * a * a,), "3·a²")
    try:
        data = pickle.dumps(Value.apply("pickle_test_cube", Value(2.0)))
        assert pickle.loads(data).data == 8.0
    finally:
        del OPS["pickle_test_cube"]
    with pytest.raises(ValueError, match="op 'pickle_test_cube'.*define_op"):
        pickle.loads(data)
