"""The batched replay: the same numbers as the scalar engine, and clear refusals."""

from __future__ import annotations

import math

import numpy as np
import pytest

from autograd import OPS, Value, define_op, gradcheck
from autograd.replay.tape import TapeMismatch, trace
from nn import MLP, fit, hinge, l2_penalty, make_moons
from nn.optim import Adam
from tests.helpers import numeric_partials, op_cases


def _scalar(name: str, params: dict, xs: tuple[float, ...]) -> tuple[float, list[float]]:
    values = [Value(x) for x in xs]
    out = Value.apply(name, *values, **params)
    out.backward()
    return out.data, [v.grad for v in values]


@pytest.mark.parametrize("name", [n for n, op in OPS.items() if op.builtin])
def test_every_op_replays_the_scalar_forward_and_backward(name):
    cases: dict[tuple, list[tuple[float, ...]]] = {}
    for params, xs in op_cases(name):
        cases.setdefault((tuple(params.items()), len(xs)), []).append(xs)
    for (params, _), rows in cases.items():
        tape = trace(lambda *v, p=dict(params): Value.apply(name, *v, **p), *rows[0])
        assert all(g.form is OPS[name].array_function() for g in tape.groups), name
        columns = np.array(rows).T
        out = tape.forward(*columns)
        grads = tape.backward()
        for r, xs in enumerate(rows):
            value, partials = _scalar(name, dict(params), xs)
            assert math.isclose(out[r], value, rel_tol=1e-12, abs_tol=1e-15)
            for i, (g, want) in enumerate(zip([c[r] for c in grads], partials, strict=True)):
                assert math.isclose(g, want, rel_tol=1e-12, abs_tol=1e-15), (xs, i)
            f = lambda *z, p=dict(params): Value.apply(name, *map(Value, z), **p).data  # noqa: E731
            for g, numeric in zip([c[r] for c in grads], numeric_partials(f, xs), strict=True):
                assert abs(g - numeric) <= 1e-5 * (1 + abs(numeric))


def _demo_step_scalar(model, x, y):
    loss = hinge([model(list(row)) for row in x], list(y)) + l2_penalty(model.parameters(), 1e-4)
    model.zero_grad()
    loss.backward()
    return loss.data, [p.grad for p in model.parameters()]


def test_the_micrograd_demo_step_replays_with_the_scalar_gradients():
    x, labels = make_moons(100, noise=0.1, rng=0)
    y = labels * 2.0 - 1.0
    model = MLP(2, [16, 16, 1], rng=1)
    params = model.parameters()
    loss, want = _demo_step_scalar(model, x, y)
    model.zero_grad()
    tape = trace(lambda xs, t: (1 - model(xs) * t).relu() + l2_penalty(params, 1e-4), [0, 0], 1)
    per_sample = tape.forward(x, y)
    tape.backward(np.full(len(y), 1 / len(y)))
    assert abs(per_sample.mean() - loss) < 1e-12
    assert max(abs(p.grad - g) for p, g in zip(params, want, strict=True)) < 1e-12
    # the penalty reaches no input: it runs on one column, its nodes grouped apart
    assert any(not g.batched for g in tape.groups) and any(g.batched for g in tape.groups)


def test_a_parameter_change_is_seen_by_the_next_forward():
    w = Value(2.0)
    tape = trace(lambda x: x * w + 1, 0.0)
    assert tape.forward([1.0, 3.0]).tolist() == [3.0, 7.0]
    w.data = -1.0
    assert tape.forward([1.0, 3.0]).tolist() == [0.0, -2.0]
    (dx,) = tape.backward([1.0, 0.5])
    assert dx.tolist() == [-1.0, -0.5] and w.grad == 1.0 * 1 + 0.5 * 3


def test_list_arguments_and_several_outputs():
    tape = trace(lambda xs, s: [xs[0] * xs[1] * s, xs[1].exp()], [1.0, 2.0], 3.0)
    out = tape.forward([[1.0, 2.0], [0.5, -1.0]], [3.0, 2.0])
    assert out.shape == (2, 2)
    assert out[:, 0].tolist() == [6.0, -1.0]
    assert out[:, 1].tolist() == [math.exp(2.0), math.exp(-1.0)]
    dxs, ds = tape.backward([[1.0, 0.0], [1.0, 1.0]])
    # d(x0·x1·s) = (x1·s, x0·s), d(s) = x0·x1; row 1 adds d(exp(x1)) = exp(-1)
    assert dxs.tolist() == [[6.0, 3.0], [-2.0, 1.0 + math.exp(-1.0)]]
    assert ds.tolist() == [2.0, -0.5]


def test_a_custom_op_without_a_numpy_form_replays_one_number_at_a_time():
    cube = define_op("tape_cube", lambda a: a**3, lambda out, a: (3 * a * a,), "3a²")
    tape = trace(lambda x: Value.apply(cube, x) + x, 0.0)
    assert tape.forward([2.0, -1.0]).tolist() == [10.0, -2.0]
    assert tape.backward()[0].tolist() == [13.0, 4.0]


def test_a_custom_op_with_an_array_form_replays_at_array_speed():
    """define_op(..., array=): the replay runs the array form and the rule once per pass,
    on whole columns, not the scalar forward per row; the numbers are the scalar engine's."""
    calls = {"forward": 0, "rule": 0}

    def softsign(a):
        calls["forward"] += 1
        return a / (1 + abs(a))

    def rule(out, a):
        calls["rule"] += 1
        return (1 / ((1 + abs(a)) * (1 + abs(a))),)

    def array(a):
        return a / (1 + np.abs(a))

    op = define_op("tape_softsign", softsign, rule, "1/(1 + |a|)²", array=array)
    try:
        w = Value(0.5, label="w")
        tape = trace(lambda x: Value.apply(op, x * w).tanh(), 0.3)
        xs = np.linspace(-4.0, 4.0, 1001)
        calls.update(forward=0, rule=0)
        out = tape.forward(xs)
        (grad,) = tape.backward()
        assert calls == {"forward": 0, "rule": 1}
        for r in (0, 137, 500, 1000):
            x = Value(float(xs[r]))
            y = Value.apply(op, x * Value(0.5)).tanh()
            y.backward()
            assert out[r] == pytest.approx(y.data, rel=1e-15)  # numpy's tanh, math's: 1 ulp
            assert grad[r] == pytest.approx(x.grad, rel=1e-15)
    finally:
        del OPS["tape_softsign"]


def test_a_custom_op_whose_rule_takes_only_floats_replays_its_backward_cell_by_cell():
    op = define_op(
        "tape_sine", math.sin, lambda out, a: (math.cos(a),), "cos(a)", array=np.sin
    )
    try:
        tape = trace(lambda x: Value.apply(op, x), 0.3)
        xs = np.array([0.0, 1.0, -2.5])
        assert tape.forward(xs).tolist() == [math.sin(x) for x in xs]
        assert tape.backward()[0].tolist() == [math.cos(x) for x in xs]
    finally:
        del OPS["tape_sine"]


def test_a_graph_that_depends_on_the_data_is_caught_on_retrace():
    def branchy(x):
        return x.tanh() if x.data > 0 else x.relu()

    tape = trace(branchy, 1.0)
    tape.verify(2.0)  # same branch, same graph
    with pytest.raises(TapeMismatch, match="node 1 was tanh of nodes \\[0\\].*is relu"):
        tape.verify(-1.0)

    baked = trace(lambda x: x * float(x.data), 2.0)  # a number from the data, as a constant
    with pytest.raises(TapeMismatch, match="a constant 2.0 when traced and is a constant 3.0"):
        baked.verify(3.0)

    grows = trace(lambda xs: sum(xs[: int(xs[0].data)], Value(0.0)), [1.0, 5.0])
    with pytest.raises(TapeMismatch, match="depends on the data"):
        grows.verify([2.0, 5.0])


def test_wrong_batches_are_refused_with_the_sizes():
    tape = trace(lambda xs, s: xs[0] * s, [1.0, 2.0], 3.0)
    with pytest.raises(ValueError, match=r"argument 0 has shape \(2, 3\); traced with 2 numbers"):
        tape.forward(np.ones((2, 3)), [1.0, 1.0])
    with pytest.raises(ValueError, match="argument 1 has 3 rows, not 2"):
        tape.forward(np.ones((2, 2)), [1.0, 1.0, 1.0])
    with pytest.raises(TypeError, match="takes 2 arrays, got 1"):
        tape.forward(np.ones((2, 2)))
    with pytest.raises(ValueError, match="non-finite"):
        tape.forward([[1.0, math.nan]], [1.0])
    with pytest.raises(TapeMismatch, match="argument sizes"):
        tape.verify([1.0, 2.0, 3.0], 1.0)
    fresh = trace(lambda x: x * 2, 1.0)
    with pytest.raises(RuntimeError, match="run forward"):
        fresh.backward()
    fresh.forward([1.0, 2.0])
    with pytest.raises(ValueError, match="seed must have shape"):
        fresh.backward([1.0, 2.0, 3.0])


def test_a_row_outside_an_ops_domain_names_the_op_the_node_and_the_row():
    tape = trace(lambda x: (x * 2).log(), 1.0)
    with pytest.raises(FloatingPointError, match=r"log\(-2.0\) at node 3, batch row 1"):
        tape.forward([1.0, -1.0, 2.0])
    sqrt = trace(lambda x: x.sqrt(), 1.0)
    sqrt.forward([1.0, 0.0])
    # the rule is then taken cell by cell as the scalar path takes it, and raises its error
    with pytest.raises(ZeroDivisionError, match=r"backward: sqrt\(0.0\).*row 1.*local derivative"):
        sqrt.backward()


def test_fit_replays_batches_with_the_scalar_paths_numbers():
    x, labels = make_moons(64, noise=0.1, rng=0)
    for loss, y in (("hinge", labels * 2 - 1), ("mse", labels), ("bce_with_logits", labels)):
        runs = []
        for replay in (False, True):
            model = MLP(2, [8, 8, 1], rng=1)
            opt = Adam(model.parameters(), lr=0.01)
            history = fit(
                model,
                x,
                y,
                loss=loss,
                optimizer=opt,
                epochs=5,
                batch_size=16,
                l2=1e-3,
                rng=2,
                progress=False,
                replay=replay,
            )
            runs.append((history, [p.data for p in model.parameters()]))
        (h0, w0), (h1, w1) = runs
        assert np.allclose(h0.loss, h1.loss, rtol=1e-12, atol=1e-14)
        assert h0.accuracy == h1.accuracy
        assert np.allclose(w0, w1, rtol=1e-11, atol=1e-13)


def test_fit_says_why_it_cannot_replay_when_asked_to():
    model = MLP(2, [3], rng=0)
    with pytest.raises(ValueError, match="replay=True, but the loss 'softmax_cross_entropy'"):
        fit(
            model,
            [[0, 1], [1, 0]],
            [0, 2],
            loss="softmax_cross_entropy",
            replay=True,
            progress=False,
        )
    with pytest.raises(ValueError, match="hinge: targets must be -1 or 1, got 0.5"):
        fit(
            MLP(2, [1], rng=0),
            [[0, 1], [1, 0]],
            [1, 0.5],
            loss="hinge",
            replay=True,
            progress=False,
        )


def test_gradcheck_replay_gives_the_one_by_one_numbers():
    def f(a, b, c):
        return (a * b + c.exp()).tanh() * (a - c).sigmoid() + (b * b).log()

    point = [0.3, -1.2, 0.5]
    batched, single = gradcheck(f, point), gradcheck(f, point, replay=False)
    assert batched and single
    for r, s in zip(batched.rows, single.rows, strict=True):
        assert r.analytic == s.analytic and abs(r.numeric - s.numeric) < 1e-9
    # a nudge out of the domain: the one-by-one path names it, as before
    with pytest.raises(ValueError, match=r"with x\[0\] nudged to"):
        gradcheck(lambda a: a.log(), [1e-7])


def test_results_of_one_replay_survive_the_next():
    tape = trace(lambda x, xs: x * xs[0] * xs[1], 1.0, [1.0, 1.0])
    first = tape.forward([2.0], [[3.0, 4.0]])
    dx, dxs = tape.backward()
    tape.forward([5.0], [[6.0, 7.0]])
    tape.backward()
    assert first.tolist() == [24.0] and dx.tolist() == [12.0] and dxs.tolist() == [[8.0, 6.0]]


def test_every_kind_of_group_replays_the_scalar_numbers():
    from autograd import dot, total
    from autograd.replay.tape_groups import Elementwise, Layer, Stacked

    w = [Value(0.5), Value(-1.5), Value(2.0)]

    def f(xs, s, unused):
        a = dot(w, xs)  # weights first: a layer's matrix product
        b = dot(xs, w[::-1])  # weights second
        c = dot([xs[0], xs[1], s], [xs[2], s, xs[0]])  # every slot batched: stacked
        d = total([xs[0], 2.0, s, xs[0]])  # a constant among the rows, xs[0] twice
        e = [x * 3.0 for x in reversed(xs)]  # rows read backwards
        g = [xs[0] * xs[1], xs[1] * xs[2], xs[0] * xs[0]]  # a slot with repeated rows
        h = [x * s for x in xs] + [x / w[1] for x in xs]  # one row read by every node
        return [a * b + c, d.tanh() + total(e + g + h) + s * s, w[0] * 2.0]  # the last: no input

    tape = trace(f, [0.1, 0.2, 0.3], 0.4, 0.5)
    kinds = {type(group) for group in tape.groups}
    assert kinds == {Elementwise, Layer, Stacked}
    rng = np.random.default_rng(0)
    xs, s, unused = rng.normal(size=(4, 3)), rng.normal(size=4), rng.normal(size=4)
    seed = rng.normal(size=(4, 3))
    for p in w:
        p.grad = 0.0
    out = tape.forward(xs, s, unused)
    dxs, ds, dunused = tape.backward(seed)
    replayed_w = [p.grad for p in w]
    want_w = [0.0] * 3
    for r in range(4):
        for p in w:
            p.grad = 0.0
        vx, vs = [Value(x) for x in xs[r]], Value(s[r])
        outs = f(vx, vs, Value(unused[r]))
        assert np.allclose(out[r], [o.data for o in outs], rtol=1e-13, atol=1e-15)
        total([o * float(k) for o, k in zip(outs, seed[r], strict=True)]).backward()
        assert np.allclose(dxs[r], [v.grad for v in vx], rtol=1e-12, atol=1e-14)
        assert math.isclose(ds[r], vs.grad, rel_tol=1e-12, abs_tol=1e-14)
        want_w = [acc + p.grad for acc, p in zip(want_w, w, strict=True)]
    assert np.allclose(replayed_w, want_w, rtol=1e-12, atol=1e-14)
    assert dunused.tolist() == [0.0] * 4


def test_fit_replays_on_its_own_only_where_the_batch_outweighs_the_numpy_calls():
    from nn.losses import LOSSES
    from nn.train import replay_tape

    x, labels = make_moons(4, rng=0)
    samples, targets = list(x), list(labels * 2 - 1)

    def chosen(sizes: list[int], batch: int):
        model = MLP(2, sizes, rng=0)
        return replay_tape(model, LOSSES["hinge"], samples, targets, 0.0, batch, None)

    assert chosen([1], 1) is None  # 12 nodes in 5 groups: 2.4 evaluations per group
    assert chosen([1], 8) is not None  # 96 evaluations for 5 groups
    assert chosen([16, 16, 1], 1) is not None  # 442 nodes in 11 groups


def test_labels_leave_the_tape_as_it_was():
    def fn(a, b):
        h1, h2 = (a * b).tanh(), (a + b).tanh()
        h1.label = "h1"  # named nodes group with the others of their op and depth
        return h1 * h2

    def plain(a, b):
        return (a * b).tanh() * (a + b).tanh()

    named, unnamed = trace(fn, 0.3, -0.2), trace(plain, 0.3, -0.2)
    assert len(named.groups) == len(unnamed.groups) == 4  # ×, +, both tanh, ×
    a, b = np.array([0.3, 1.1]), np.array([-0.2, 0.4])
    assert np.array_equal(named.forward(a, b), unnamed.forward(a, b))
    for got, want in zip(named.backward(), unnamed.backward(), strict=True):
        assert np.array_equal(got, want)


@pytest.mark.parametrize(
    "m, k, n",
    [
        (64, 64, 1000),
        (64, 1000, 64),
        (1000, 64, 64),
        (1, 64, 10_000),
        (1, 10_000, 64),
        (999, 999, 1),
    ],
)
def test_products_split_into_blocks_give_the_whole_product(m, k, n):
    from autograd.replay.blas import ONE_THREAD_WORK, matmul

    assert m * n * k > ONE_THREAD_WORK  # split by columns, by the inner dimension, by rows
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(m, k)), rng.normal(size=(k, n))
    got = matmul(a, b)
    for i, j in [(0, 0), (m - 1, n - 1), (m // 2, n // 3)]:
        assert math.isclose(got[i, j], math.fsum(a[i] * b[:, j]), rel_tol=1e-12, abs_tol=1e-12)
    assert np.allclose(got, a @ b, rtol=1e-12, atol=1e-12)


def test_fit_retraces_after_1_2_4_8_epochs_not_every_one(monkeypatch):
    from autograd.replay.tape import Tape

    calls = []
    original = Tape.verify
    monkeypatch.setattr(Tape, "verify", lambda self, *ex: calls.append(ex) or original(self, *ex))
    x, labels = make_moons(64, noise=0.1, rng=0)
    history = fit(
        MLP(2, [4, 1], rng=0),
        x,
        labels * 2 - 1,
        loss="hinge",
        epochs=10,
        rng=0,
        progress=False,
        replay=True,
    )
    assert len(history.loss) == 10
    assert len(calls) == 1 + 4  # once before training, then after epochs 1, 2, 4 and 8


# -- training with the parameters held as arrays ---------------------------------------


def _hinge_tape(model):
    params = model.parameters()
    return trace(lambda xs, t: (1 - model(xs) * t).relu() + l2_penalty(params, 1e-3), [0, 0], 1)


def test_training_steps_give_the_scalar_paths_numbers_and_the_value_loops_bits():
    from nn.optim import SGD

    x, labels = make_moons(40, noise=0.1, rng=0)
    y = labels * 2.0 - 1.0
    seed = np.full(len(y), 1 / len(y))
    models = [MLP(2, [6, 6, 1], rng=1) for _ in range(3)]
    opts = [SGD(m.parameters(), lr=0.1, momentum=0.9) for m in models]
    scalar, looped, held = models
    for _ in range(5):  # the scalar engine, one graph per step
        loss = hinge([scalar(list(r)) for r in x], list(y))
        loss = loss + l2_penalty(scalar.parameters(), 1e-3)
        opts[0].zero_grad()
        loss.backward()
        opts[0].step()
    tape = _hinge_tape(looped)
    for _ in range(5):  # the replay, every Value read and written each step
        opts[1].zero_grad()
        tape.forward(x, y)
        tape.backward(seed)
        opts[1].step()
    tape = _hinge_tape(held)
    before = [p.data for p in held.parameters()]
    with tape.training(opts[2]) as run:
        for _ in range(5):
            out = run.step(x, y, seed=seed)
        assert [p.data for p in held.parameters()] == before  # written when the block ends
    assert out.shape == (len(y),)
    want = [(p.data, p.grad) for p in scalar.parameters()]
    got = [(p.data, p.grad) for p in held.parameters()]
    assert np.allclose(got, want, rtol=1e-11, atol=1e-13)
    assert got == [(p.data, p.grad) for p in looped.parameters()]  # bit for bit
    assert np.array_equal(opts[2].velocity, opts[1].velocity)


def test_training_collects_the_gradients_of_leaves_it_does_not_move():
    from nn.optim import SGD

    w, c, idle = Value(2.0), Value(0.5), Value(3.0)
    tape = trace(lambda x: x * w + c, 0.0)
    opt = SGD([w, idle], lr=0.1, weight_decay=0.5)
    with tape.training(opt) as run:
        for _ in range(3):
            run.step([1.0, 2.0])
    # d/dw = Σx = 3 (+ decay 0.5·w), d/dc = 2 rows per step; idle: decay only
    w1 = 2.0 - 0.1 * (3.0 + 0.5 * 2.0)
    w2 = w1 - 0.1 * (3.0 + 0.5 * w1)
    w3 = w2 - 0.1 * (3.0 + 0.5 * w2)
    assert w.data == pytest.approx(w3, abs=1e-15) and w.grad == 3.0
    assert c.data == 0.5 and c.grad == 6.0  # summed over the 3 steps, as backward() sums
    assert idle.data == pytest.approx(3.0 * 0.95**3, abs=1e-15) and idle.grad == 0.0


def test_training_refuses_a_repeated_parameter_and_keeps_a_refused_step_out():
    from nn.optim import SGD

    w = Value(1.0, label="w")
    tape = trace(lambda x: x * w, 0.0)
    with pytest.raises(ValueError, match="parameter 1 is parameter 0 again"):
        tape.training(SGD([w, w]))
    with pytest.raises(OverflowError, match=r"parameter 0 \(w\) would become -inf"):
        with tape.training(SGD([w], lr=1e308)) as run:
            run.step([1.0])  # w = 1 - 1e308
            run.step([0.9])  # w - 1e308·0.9 = -1.9e308 overflows: refused
    assert w.data == 1.0 - 1e308 and w.grad == 0.9  # the last good step, the refused grads
    with tape.training(SGD([w])):
        pass
    assert w.grad == 0.9  # no step, so no grad zeroed


def test_a_penalty_over_all_parameters_and_the_layers_read_their_rows_as_views():
    from autograd.replay.tape_groups import Elementwise, Layer, Stacked

    model = MLP(2, [5, 4, 1], rng=0)
    tape = _hinge_tape(model)
    layers = [g for g in tape.groups if isinstance(g, Layer)]
    assert len(layers) == 3 and all(g.grid is not None for g in layers)
    count = len(model.parameters())  # 5·3 + 4·6 + 5 = 44 squares in the penalty
    squares = next(g for g in tape.groups if g.op.name == "mul" and len(g.ids) == count)
    assert isinstance(squares, Elementwise)
    assert all(isinstance(s.at, slice) for s in squares.slots)
    total_ = next(g for g in tape.groups if isinstance(g, Stacked))
    assert total_.run is not None


def test_a_product_over_one_term_is_each_pair_multiplied():
    from autograd.replay.blas import matmul

    a, b = np.array([[0.1], [-3.0], [7.25]]), np.array([[1.0 / 3.0, -2.5, 1e-300, 4.0]])
    got = matmul(a, b)
    assert got.tolist() == [[x * y for y in b[0].tolist()] for x in a[:, 0].tolist()]


def test_batches_of_changing_sizes_each_replay_their_own_rows():
    w, c = Value(2.0), Value(-1.0)
    tape = trace(lambda x: (x * w + c).relu(), 0.0)
    for rows in (3, 2, 3, 4, 5, 3, 2):  # more sizes than the tape keeps workspaces for
        x = np.arange(1.0, rows + 1.0) - 1.5  # -0.5, 0.5, 1.5, ...
        w.grad = c.grad = 0.0
        out = tape.forward(x)
        (dx,) = tape.backward()
        assert out.tolist() == [max(2 * v - 1, 0.0) for v in x.tolist()]
        assert dx.tolist() == [2.0 if 2 * v - 1 > 0 else 0.0 for v in x.tolist()]
        assert w.grad == sum(v for v in x.tolist() if 2 * v - 1 > 0)
        assert c.grad == sum(1.0 for v in x.tolist() if 2 * v - 1 > 0)


def test_the_tapes_public_surface_names_what_it_holds():
    """widths, named program entries and the replay in rows: what training and the ONNX
    export read, with the numbers forward and backward give."""
    from autograd.replay.tape_layout import Apply, Input, Leaf

    w = Value(2.0, label="w")
    tape = trace(lambda xs, y: (xs[0] * w + y * 3.0).tanh(), [0.5, 1.0], 0.25)
    assert tape.widths == (2, None)
    entries = {type(e) for e in tape.program}
    assert entries == {Input, Leaf, Apply}
    assert sorted(e.position for e in tape.program if isinstance(e, Input)) == [0, 2]  # not xs[1]
    assert sorted(e.number for e in tape.program if isinstance(e, Leaf)) == [2.0, 3.0]
    mul = next(e for e in tape.program if isinstance(e, Apply) and e.op == "mul")
    assert str(mul).startswith("mul of nodes [")
    x, y = np.array([[0.5, 1.0], [-1.0, 2.0]]), np.array([0.25, -0.5])
    parts = tape.columns([x, y])
    assert [p.shape for p in parts] == [(2, 2), (2, 1)]
    shared = np.array([leaf.data for leaf in tape.shared])
    out = tape.forward_rows(parts, shared)
    want = np.tanh(x[:, 0] * 2.0 + y * 3.0)
    assert np.allclose(out, want, rtol=1e-15)
    inputs, totals = tape.backward_rows()
    slope = 1 - want**2  # d tanh, by hand
    assert np.allclose(inputs[0], slope * 2.0) and not inputs[1].any()
    assert np.allclose(inputs[2], slope * 3.0)
    by_leaf = dict(zip(tape.shared, totals, strict=True))
    assert by_leaf[w] == pytest.approx((slope * x[:, 0]).sum())
    assert w.grad == 0.0  # the rows are the replay's own: no Value was written
