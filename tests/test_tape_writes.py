"""Backward sets the rows it reaches first (no zeroing, no adding to 0), and adds to the
rest: the same gradients as the scalar engine, replay after replay."""

from __future__ import annotations

import numpy as np

from autograd import Value
from autograd.replay.tape import trace
from nn import MLP


def test_rows_set_first_and_rows_added_to_give_the_scalar_gradients_every_time():
    model = MLP(3, [6, 5, 1], rng=2)
    params = model.parameters()
    c = Value(0.75)

    def f(xs, t):
        s = model(xs)
        h = s * s + xs[0] * c  # s read twice; the input x0 read by the layer and here
        return [(1 - h * t).relu(), h.tanh()]

    tape = trace(f, [0.1, 0.2, 0.3], 1.0)
    assert any(any(g.sets) for g in tape.groups)  # some rows are set, not added to
    rng = np.random.default_rng(5)
    x, y = rng.normal(size=(6, 3)), np.sign(rng.normal(size=6))
    for seed in (rng.normal(size=(6, 2)), rng.normal(size=(6, 2))):  # twice: stale rows show
        for v in [*params, c]:
            v.grad = 0.0
        tape.forward(x, y)
        gx, gy = tape.backward(seed)
        got = [v.grad for v in [*params, c]]
        for v in [*params, c]:
            v.grad = 0.0
        want_x, want_y = [], []
        for row, t, s in zip(x, y, seed, strict=True):
            xs, tv = [Value(a) for a in row], Value(t)
            for out, k in zip(f(xs, tv), s, strict=True):
                (out * float(k)).backward()
            want_x.append([v.grad for v in xs])
            want_y.append(tv.grad)
        np.testing.assert_allclose(got, [v.grad for v in [*params, c]], rtol=1e-10, atol=1e-13)
        np.testing.assert_allclose(gx, want_x, rtol=1e-10, atol=1e-13)
        np.testing.assert_allclose(gy, want_y, rtol=1e-10, atol=1e-13)
