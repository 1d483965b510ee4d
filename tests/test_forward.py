"""Forward mode read from the op table: jvp against grad(), numeric differences and
torch.func.jvp; the forward stepper's lines; cost against counts by hand."""

import math
import random

import pytest

from autograd import OPS, Value, dot, grad
from autograd.explain.forward import Dual, cost, forward_steps, jvp, push_tangents
from tests.helpers import close, op_cases


def _composite(name, params):
    """op(leaves) read twice, and leaf 0 read twice: sharing on both sides of the op."""

    def f(*xs):
        node = Value.apply(name, *xs, **params)
        return node * xs[0] + node

    return f


@pytest.mark.parametrize("name", sorted(OPS))
def test_jvp_equals_grad_on_every_op(name):
    rng = random.Random(name)
    cases = list(op_cases(name))
    assert cases, f"op {name!r} has no sample point"
    for params, xs in cases:
        f = _composite(name, params)
        tangents = [rng.uniform(-1, 1) for _ in xs]
        value, derivative = jvp(f, xs, tangents)
        leaves = [Value(x) for x in xs]
        out = f(*leaves)
        terms = [g * t for g, t in zip(grad(out, leaves), tangents, strict=True)]
        assert value == out.data
        assert abs(derivative - math.fsum(terms)) <= 1e-12 * (1 + sum(map(abs, terms)))
        # and independently of the table: a central difference along the tangents
        h = 1e-6
        run = OPS[name].bind(**params).run

        def g(s, xs=xs, tangents=tangents, run=run):
            moved = [x + s * t for x, t in zip(xs, tangents, strict=True)]
            node = run(*moved)
            return node * moved[0] + node

        assert close(derivative, (g(h) - g(-h)) / (2 * h), rel=1e-5, abs_=1e-5)


def test_forward_steps_write_each_tangent_in_the_learners_names():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b
    c.label = "c"
    d = c + c
    d.label = "d"
    steps = forward_steps(d, wrt=a)
    first = next(steps)
    assert first.line == (
        "c' = ∂c/∂a·a' + ∂c/∂b·b' = (-3.0)(1.0) + (2.0)(0.0) = -3.0    [mul: ∂c/∂a = b, ∂c/∂b = a]"
    )
    assert steps.tangent(d) is None
    last = next(steps)
    assert (
        last.line == "d' = ∂d/∂c·c' + ∂d/∂c·c' = (1.0)(-3.0) + (1.0)(-3.0) = -6.0    "
        "[add: ∂d/∂c = 1, ∂d/∂c = 1]"
    )
    assert steps.done and steps.step() is None
    assert steps.tangent(d) == grad(d, a) == 2 * -3.0  # d = 2ab, so dd/da = 2b
    assert "2 of 2 steps" in str(steps) and a.grad == 0.0 and d.grad == 0.0


def test_forward_steps_refuse_a_non_leaf_and_a_foreign_leaf():
    a = Value(1.0)
    b = a.tanh()
    with pytest.raises(TypeError, match="leaf"):
        forward_steps(b, wrt=b)
    with pytest.raises(ValueError, match="not in the graph"):
        forward_steps(b, wrt=Value(2.0))


def test_an_undefined_local_derivative_is_named_only_where_a_tangent_crosses_it():
    a, b = Value(0.0, label="a"), Value(1.0, label="b")
    out = a.sqrt() + b
    assert push_tangents(out, {b: 1.0}).root_tangent == 1.0
    with pytest.raises(ArithmeticError, match="sqrt"):
        push_tangents(out, {a: 1.0})


def test_dual_pushes_tangents_as_jvp_does():
    x = Dual(0.5, 1.0)
    y = (x * x).tanh() + x.exp() / (1 + x) - 2**x
    # by hand: d/dx tanh(x²) = 2x(1 - tanh²(x²)), d/dx eˣ/(1+x) = eˣ·x/(1+x)², d/dx 2ˣ = 2ˣ ln 2
    want = (
        0.5 * 2 * (1 - math.tanh(0.25) ** 2) + math.exp(0.5) * 0.5 / 1.5**2 - 2**0.5 * math.log(2)
    )
    assert math.isclose(y.tangent, want, rel_tol=1e-13)
    assert isinstance(y.value, Value) and repr(Dual(2.0, 1.0)) == "Dual(2.0, 1.0)"
    z = Dual(1.0, 0.0).max(Dual(0.5, 1.0))  # max passes the larger input's tangent
    assert z.tangent == 0.0 and Dual(0.3, 1.0).clamp(0.0, 1.0).tangent == 1.0
    with pytest.raises(AttributeError, match="no method"):
        Dual(1.0).backward  # noqa: B018


def test_dual_refuses_no_grad():
    from autograd import no_grad

    with no_grad(), pytest.raises(RuntimeError, match="no_grad"):
        Dual(1.0, 1.0) * 2


def test_jvp_checks_its_arguments():
    with pytest.raises(ValueError, match="2 inputs but 1 tangents"):
        jvp(lambda a, b: a * b, [1.0, 2.0], [1.0])
    with pytest.raises(TypeError, match="must return a Value"):
        jvp(lambda a: 3.0, [1.0], [1.0])
    assert jvp(lambda a, b: b, [1.0, 2.0], [5.0, 7.0]) == (2.0, 7.0)


# -- against torch.func.jvp on random graphs ----------------------------------------

_UNARY = {
    "tanh": lambda x: x.tanh(),
    "sigmoid": lambda x: x.sigmoid(),
    "sin": lambda x: x.sin(),
    "cos": lambda x: x.cos(),
    "atan": lambda x: x.atan(),
    "erf": lambda x: x.erf(),
    "exp∘tanh": lambda x: x.tanh().exp(),
    "log1p(x²)": lambda x: (x * x).log1p(),
    "sqrt(1+x²)": lambda x: (1 + x * x).sqrt(),
    "cube": lambda x: x**3,
    "neg": lambda x: -x,
}
_BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / (1 + b * b),
    "hypot": lambda a, b: a.hypot(b),
    "atan2": lambda a, b: a.atan2(b),
    "max": lambda a, b: a.max(b) if isinstance(a, Value) else a.maximum(b),
}


def _random_program(rng, leaves=3, steps=12):
    program = []
    for i in range(steps):
        if rng.random() < 0.5:
            program.append((rng.choice(sorted(_UNARY)), rng.randrange(leaves + i)))
        else:
            program.append(
                (rng.choice(sorted(_BINARY)), rng.randrange(leaves + i), rng.randrange(leaves + i))
            )
    return program


def _run(program, xs):
    nodes = list(xs)
    for name, *args in program:
        table = _UNARY if len(args) == 1 else _BINARY
        nodes.append(table[name](*(nodes[i] for i in args)))
    out = nodes[len(xs)]
    for node in nodes[len(xs) + 1 :]:
        out = out + node
    return out


def test_jvp_agrees_with_torch_func_jvp_on_random_graphs():
    torch = pytest.importorskip("torch", reason="torch is not installed: no torch reference")
    rng = random.Random(18)
    for _ in range(40):
        program = _random_program(rng)
        xs = [rng.uniform(-2, 2) for _ in range(3)]
        ts = [rng.uniform(-1, 1) for _ in range(3)]
        value, derivative = jvp(lambda *v, p=program: _run(p, v), xs, ts)
        primals = tuple(torch.tensor(x, dtype=torch.float64) for x in xs)
        tangents = tuple(torch.tensor(t, dtype=torch.float64) for t in ts)
        t_value, t_derivative = torch.func.jvp(lambda *v, p=program: _run(p, v), primals, tangents)
        assert math.isclose(value, t_value.item(), rel_tol=1e-12, abs_tol=1e-12), program
        assert math.isclose(derivative, t_derivative.item(), rel_tol=1e-10, abs_tol=1e-12), program


# -- cost -----------------------------------------------------------------------------


def test_cost_of_a_small_graph_against_a_count_by_hand():
    a, b, c, f = (Value(x, label=n) for x, n in [(2.0, "a"), (-3.0, "b"), (10.0, "c"), (-2.0, "f")])
    e = a * b
    d = e + c
    loss = d * f
    loss.label = "L"
    counted = cost(loss)
    # edges: a→e, b→e, e→d, c→d, d→L, f→L. Along a: a→e, e→d, d→L; b likewise; c: c→d, d→L;
    # f: f→L.
    assert counted.per_leaf == (3, 3, 2, 1)
    assert (counted.forward, counted.reverse, counted.forward_dense) == (9, 6, 24)
    text = str(counted)
    assert "forward mode: 4 passes, 9 multiply-adds (24 if each pass visits all 6 edges)" in text
    assert "reverse mode: 1 pass, 6 multiply-adds (forward mode needs 1.5x as many)" in text


def test_cost_counts_a_node_used_twice_and_an_n_ary_node():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b
    d = c + c  # c crosses two edges into d
    assert cost(d).per_leaf == (2 + 1, 2 + 1) and cost(d).reverse == 4
    w1, x1, w2, x2, bias = (Value(float(i)) for i in range(5))
    y = (dot([w1, w2], [x1, x2]) + bias).tanh()
    # edges: 4 into dot, 2 into add, 1 into tanh = 7; each of w1 x1 w2 x2 crosses 3, bias 2
    counted = cost(y)
    assert counted.per_leaf == (3, 3, 3, 3, 2) and counted.forward == 14 and counted.reverse == 7
    assert counted.forward_dense == 35


def test_forward_views_show_in_notebooks_escaped():
    a = Value(1.0, label="<a>")
    b = a * a
    steps = forward_steps(b, wrt=a)
    assert "&lt;a&gt;&#x27;" in next(steps)._repr_html_() and "<a>" not in steps._repr_html_()
    text = str(cost(b))
    assert "toward its 1 leaf:" in text and "forward mode: 1 pass," in text
    assert cost(b)._repr_html_().startswith("<pre")


def test_cost_per_leaf_counts_the_edges_a_nonzero_tangent_crosses():
    """Independently of cost's bookkeeping: push a tangent from each leaf at a generic
    point and count the edges whose incoming tangent is not 0."""
    rng = random.Random(7)
    for _ in range(10):
        # ops whose local derivatives are not 0 at a generic point (no max, no a - a)
        program = [
            (rng.choice(["tanh", "sin"]), rng.randrange(3 + i))
            if rng.random() < 0.4
            else (rng.choice(["add", "mul"]), rng.randrange(3 + i), rng.randrange(3 + i))
            for i in range(10)
        ]
        xs = [Value(rng.uniform(-2, 2)) for _ in range(3)]
        root = _run(program, xs)
        counted = cost(root)
        leaves = [n for n in push_tangents(root, {}).description.order if n.is_leaf]
        for leaf, n in zip(leaves, counted.per_leaf, strict=True):
            tangents = push_tangents(root, {leaf: 1.0})
            crossed = sum(t != 0.0 for step in tangents for t in step.inputs)
            assert crossed == n
        assert counted.reverse == sum(len(step.edges) for step in tangents)


def test_dead_branches_give_the_finite_gradient_backward_gives():
    # sqrt(x)·0 at x = 0: sqrt's rule 1/(2√x) is undefined, but multiplied by 0 after;
    # by hand d/dx = 0 (the product is 0 for every x ≥ 0).
    x = Value(0.0)
    assert grad(x.sqrt() * 0.0, x) == 0.0
    assert jvp(lambda x: x.sqrt() * 0.0, [0.0], [1.0]) == (0.0, 0.0)
    assert (Dual(0.0, 1.0).sqrt() * 0.0).tangent == 0.0
    # asin(x)·(x - 1) at x = 1: by hand d/dx = asin'(x)(x - 1) + asin(x), and the
    # first term's factor (x - 1) is 0, so the derivative is asin(1) = π/2.
    x = Value(1.0, label="x")
    a = x.asin()
    a.label = "a"
    out = a * (x - 1)
    assert grad(out, x) == math.pi / 2
    assert jvp(lambda x: x.asin() * (x - 1), [1.0], [1.0]) == (0.0, math.pi / 2)
    assert (Dual(1.0, 1.0).asin() * (Dual(1.0, 1.0) - 1)).tangent == math.pi / 2
    steps = forward_steps(out, wrt=x)
    first = next(steps)
    assert first.tangent is None and "= undefined" in first.line
    assert "multiplies it by 0" in first.line
    steps.finish()
    assert steps.tangent(out) == math.pi / 2 and "a     asin  1.5708  undefined" in str(steps)
    # the undefined factor reaching the root still names the op, as backward does
    with pytest.raises(ArithmeticError, match="sqrt"):
        jvp(lambda x: x.sqrt() * 2.0, [0.0], [1.0])
    with pytest.raises(ArithmeticError, match="sqrt"):
        Dual(0.0, 1.0).sqrt().tangent  # noqa: B018

    # two paths whose factors cancel: sqrt(x)·y - sqrt(x)·y, d/dx = 0 by hand; backward
    # sums the upstream 1·y - 1·y = 0 first, forward the factors y - y = 0
    def cancel(x, y):
        s = x.sqrt()
        return s * y - s * y

    xv, yv = Value(0.0), Value(3.0)
    assert grad(cancel(xv, yv), xv) == 0.0
    assert jvp(cancel, [0.0, 3.0], [1.0, 1.0]) == (0.0, 0.0)
    assert repr(Dual(0.0, 1.0).sqrt()) == "Dual(0.0, undefined)"


# -- forward mode refuses inf and NaN where reverse mode does (issue 26, item 2) ---------


def test_an_infinite_local_derivative_raises_naming_the_node_and_op():
    # log'(a) = 1/a, and 1/5e-324 is past the largest float (about 1.8e308): backward raises
    x = Value(5e-324, label="x")
    with pytest.raises(OverflowError, match="gradient of node 'x'"):
        x.log().backward()
    with pytest.raises(OverflowError, match=r"tangent of node \(log, .*local derivative is inf"):
        jvp(lambda v: v.log(), [5e-324], [1.0])
    with pytest.raises(OverflowError, match=r"node \(log, data=-744.44"):
        Dual(5e-324, 1.0).log().tangent  # noqa: B018
    assert repr(Dual(5e-324, 1.0).log()) == "Dual(-744.44, not finite)"
    with pytest.raises(OverflowError, match=r"tangent of node \(log"):
        forward_steps(x.log(), wrt=x)


def test_an_overflowing_tangent_raises_naming_the_op_and_what_to_do():
    # (x·1e10)' = 1e10 · x' = 1e10 · 1e300 = 1e310 > 1.8e308
    with pytest.raises(OverflowError, match=r"node \(mul, data=10000000000.0\).*1e\+300.*rescale"):
        (Dual(1.0, 1e300) * 1e10).tangent  # noqa: B018
    with pytest.raises(OverflowError, match=r"tangent of node \(mul"):
        jvp(lambda v: v * 1e10, [1.0], [1e300])
    # two finite terms whose sum overflows: (x + x)' = 1e308 + 1e308
    with pytest.raises(OverflowError, match=r"node \(add"):
        jvp(lambda v: v + v, [1.0], [1e308])
    a = Value(1.0, label="a")
    with pytest.raises(OverflowError, match=r"tangent of node \(mul"):
        push_tangents(a * 1e10, {a: 1e300})


def test_a_nan_or_infinite_tangent_is_refused_where_it_is_given():
    for bad in (math.nan, math.inf, -math.inf):
        with pytest.raises(ValueError, match=f"tangent 1 is {bad}"):
            jvp(lambda a, b: a * b, [1.0, 2.0], [1.0, bad])
        with pytest.raises(ValueError, match=f"the tangent is {bad}"):
            Dual(1.0, bad)
        a = Value(1.0, label="a")
        with pytest.raises(ValueError, match=f"tangent seeded at node 'a' .* is {bad}"):
            push_tangents(a * 2.0, {a: bad})
    with pytest.raises(TypeError, match="must be a number"):
        Dual(1.0, "1")


def test_a_tangent_past_the_largest_float_on_a_dead_branch_gives_what_backward_gives():
    # log(x)·0: by hand d/dx = 0 for every x > 0; backward never reads log's rule (its
    # upstream gradient is 0), and forward mode drops the overflowing term multiplied by 0
    x = Value(5e-324)
    assert grad(x.log() * 0.0, x) == 0.0
    assert jvp(lambda v: v.log() * 0.0, [5e-324], [1.0]) == (0.0, 0.0)
    assert (Dual(5e-324, 1.0).log() * 0.0).tangent == 0.0
    # and a second, finite path still counts: log(x)·0 + 3x, d/dx = 3
    assert jvp(lambda v: v.log() * 0.0 + 3 * v, [5e-324], [1.0])[1] == 3.0


# -- Dual: every op of the table, as a method or an operator (issue 26, item 20) -----------

_TORCH = {  # each op written in torch, for torch.func.jvp: (inputs as tensors, params)
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "neg": lambda a: -a,
    "pow": lambda a, *, k: a**k,
    "vpow": lambda a, b: a**b,
    "rpow": lambda a, *, base: base**a,
    "binary_cross_entropy": lambda p, y: -(y * p.log() + (1 - y) * (1 - p).log()),
    "leaky_relu": lambda a, *, slope: _torch().nn.functional.leaky_relu(a, slope),
    "softplus": lambda a: _torch().nn.functional.softplus(a),
    "gelu": lambda a: _torch().nn.functional.gelu(a),
    "silu": lambda a: _torch().nn.functional.silu(a),
    "sum": lambda *xs: sum(xs[1:], xs[0]),
    "dot": lambda *xs: sum(w * x for w, x in zip(xs[::2], xs[1::2], strict=True)),
    "max": lambda a, b: _torch().maximum(a, b),
    "min": lambda a, b: _torch().minimum(a, b),
    "clamp": lambda a, *, lo, hi: _torch().clamp(a, min=lo, max=hi),
}


def _torch():
    import torch

    return torch


def _torch_op(name):
    if name in _TORCH:
        return _TORCH[name]
    return getattr(_torch(), name)  # exp, log, tanh, sin, atan2, hypot, erf ...


def _dual_cases(name):
    rng = random.Random(f"dual {name}")
    for params, xs in op_cases(name):
        yield params, xs, [rng.uniform(-1, 1) for _ in xs]


@pytest.mark.parametrize("name", sorted(OPS))
def test_every_op_pushes_through_dual_the_reverse_gradient(name):
    cases = list(_dual_cases(name))
    assert cases, f"op {name!r} has no sample point"
    for params, xs, ts in cases:
        out = Dual.apply(name, *(Dual(x, t) for x, t in zip(xs, ts, strict=True)), **params)
        leaves = [Value(x) for x in xs]
        terms = [
            g * t
            for g, t in zip(grad(Value.apply(name, *leaves, **params), leaves), ts, strict=True)
        ]
        want = math.fsum(terms)
        assert abs(out.tangent - want) <= 1e-12 * (1 + sum(map(abs, terms))), (params, xs)


@pytest.mark.parametrize("name", sorted(OPS))
def test_every_op_pushes_through_dual_what_torch_func_jvp_gives(name):
    torch = pytest.importorskip("torch", reason="torch is not installed: no torch reference")
    for params, xs, ts in _dual_cases(name):
        out = Dual.apply(name, *(Dual(x, t) for x, t in zip(xs, ts, strict=True)), **params)
        f = _torch_op(name)
        primals = tuple(torch.tensor(x, dtype=torch.float64) for x in xs)
        tangents = tuple(torch.tensor(t, dtype=torch.float64) for t in ts)
        value, derivative = torch.func.jvp(lambda *v, f=f, p=params: f(*v, **p), primals, tangents)
        assert math.isclose(out.data, value.item(), rel_tol=1e-12, abs_tol=1e-300), (params, xs)
        scale = 1 + sum(abs(t) for t in ts)
        assert abs(out.tangent - derivative.item()) <= 1e-12 * scale * (1 + abs(derivative.item()))


def test_dual_has_a_method_for_every_value_method_of_a_table_op():
    from autograd.explain.expression import METHODS  # the expression reader's own list
    from autograd.explain.forward import DUAL_METHODS

    assert set(METHODS) <= set(DUAL_METHODS)
    for name in sorted(OPS):
        if callable(getattr(Value, name, None)):
            assert name in vars(Dual), name  # a real method: dir() and tab completion list it
    for operator in ("__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__"):
        assert operator in vars(Dual)
    assert {"__truediv__", "__rtruediv__", "__pow__", "__rpow__", "__neg__", "__abs__"} <= set(
        vars(Dual)
    )
    assert "tanh" in dir(Dual(0.5, 1.0)) and Dual.tanh.__name__ == "tanh"
    with pytest.raises(AttributeError, match="no method 'backward'.*tanh"):
        Dual(1.0).backward  # noqa: B018


@pytest.mark.parametrize(
    ("method", "args", "want"),
    [  # by hand, at a = 0.5 with a' = 1: the derivative of each
        ("tanh", (), 1 - math.tanh(0.5) ** 2),
        ("sigmoid", (), math.exp(-0.5) / (1 + math.exp(-0.5)) ** 2),
        ("asin", (), 1 / math.sqrt(1 - 0.25)),
        ("log2", (), 1 / (0.5 * math.log(2))),
        ("leaky_relu", (0.2,), 1.0),
        ("clamp", (0.0, 0.25), 0.0),  # 0.5 is above the upper bound: flat
        ("atan2", (2.0,), 2.0 / (0.25 + 4.0)),  # ∂atan2(y, x)/∂y = x/(x² + y²)
        ("hypot", (1.5,), 0.5 / math.hypot(0.5, 1.5)),
        ("erf", (), 2 / math.sqrt(math.pi) * math.exp(-0.25)),
        (
            "gelu",
            (),
            0.5 * math.erfc(-0.5 / math.sqrt(2)) + 0.5 * math.exp(-0.125) / math.sqrt(2 * math.pi),
        ),
    ],
)
def test_dual_methods_by_hand(method, args, want):
    assert math.isclose(getattr(Dual(0.5, 1.0), method)(*args).tangent, want, rel_tol=1e-14)


def test_a_value_on_the_left_hands_the_operator_to_the_dual():
    # a = 3 (a Value, tangent 0), d = 2 with d' = 1; by hand the derivative along d
    a, d = Value(3.0), Dual(2.0, 1.0)
    cases = [
        (a + d, 5.0, 1.0),
        (a - d, 1.0, -1.0),
        (a * d, 6.0, 3.0),
        (a / d, 1.5, -3.0 / 4.0),
        (a**d, 9.0, 9.0 * math.log(3.0)),
        (d**a, 8.0, 3 * 4.0),
        (2.0**d, 4.0, 4.0 * math.log(2.0)),
        (1 - d, -1.0, -1.0),
        (abs(-d), 2.0, 1.0),
    ]
    for got, value, tangent in cases:
        assert isinstance(got, Dual)
        assert got.data == value and math.isclose(got.tangent, tangent, rel_tol=1e-15)
    # the same numbers as the Dual on the left
    assert (d + a).tangent == (a + d).tangent == 1.0
    # and Value's own refusals are unchanged for what it cannot take
    with pytest.raises(TypeError, match="str"):
        a + "2"
    with pytest.raises(TypeError, match="exponent"):
        a ** "2"


def test_dual_apply_takes_a_users_op():
    from autograd.ops import define_op

    define_op("cube_for_dual", lambda a: a**3, lambda out, a: (3 * a * a,), "3·a²")
    y = Dual.apply("cube_for_dual", Dual(2.0, 0.5))
    assert (y.data, y.tangent) == (8.0, 3 * 4.0 * 0.5)


def _method_names():
    from autograd.explain.forward import DUAL_METHODS

    return DUAL_METHODS


@pytest.mark.parametrize("name", _method_names())
def test_each_dual_method_gives_the_reverse_gradient_of_the_value_method(name):
    import inspect

    a, b, ta, tb = 0.3, 0.6, 0.7, -0.4
    constants = {"clamp": (0.0, 0.5), "leaky_relu": (0.2,)}
    signature = inspect.signature(getattr(Value, name)).parameters.values()
    takes_other = any(p.name != "self" and p.default is p.empty for p in signature)
    A, B = Value(a), Value(b)
    if name in constants:  # constant params: the tangent is along a alone
        got = getattr(Dual(a, ta), name)(*constants[name])
        out, leaves, ts = getattr(A, name)(*constants[name]), [A], [ta]
    elif not takes_other:
        got = getattr(Dual(a, ta), name)()
        out, leaves, ts = getattr(A, name)(), [A], [ta]
    elif name.startswith("__r"):  # b ∘ a with b a Value on the left: Python calls this one
        got = getattr(Dual(a, ta), name)(Value(b))
        out, leaves, ts = getattr(B, "__" + name[3:])(A), [A], [ta]
    else:
        got = getattr(Dual(a, ta), name)(Dual(b, tb))
        out, leaves, ts = getattr(A, name)(B), [A, B], [ta, tb]
    terms = [g * t for g, t in zip(grad(out, leaves), ts, strict=True)]
    assert got.data == out.data
    assert abs(got.tangent - math.fsum(terms)) <= 1e-12 * (1 + sum(map(abs, terms)))
