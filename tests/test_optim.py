"""Optimizer steps against hand-computed numbers."""

import math

import numpy as np
import pytest

from autograd import Value
from nn import SGD, Adam, RMSprop


def _step(opt, p, g):
    p.grad = g
    opt.step()
    return p.data


def test_plain_sgd():
    p = Value(1.0)
    assert _step(SGD([p], lr=0.1), p, 0.5) == 0.95


def test_momentum_by_hand():
    # v1 = g1 = 0.5, p = 1 - 0.05; v2 = 0.9·0.5 + 0.5 = 0.95, p = 0.95 - 0.095
    p = Value(1.0)
    opt = SGD([p], lr=0.1, momentum=0.9)
    assert _step(opt, p, 0.5) == pytest.approx(0.95, abs=1e-15)
    assert _step(opt, p, 0.5) == pytest.approx(0.855, abs=1e-15)
    opt.reset()
    assert _step(opt, p, 0.5) == pytest.approx(0.805, abs=1e-15)


def test_nesterov_by_hand():
    # step 1: v = 0.5, uses 0.5 + 0.9·0.5 = 0.95; step 2: v = 0.95, uses 0.5 + 0.855 = 1.355
    p = Value(1.0)
    opt = SGD([p], lr=0.1, momentum=0.9, nesterov=True)
    assert _step(opt, p, 0.5) == pytest.approx(0.905, abs=1e-15)
    assert _step(opt, p, 0.5) == pytest.approx(0.7695, abs=1e-15)


def test_adam_by_hand():
    p = Value(1.0)
    opt = Adam([p], lr=0.1)
    # t = 1: m = 0.05, v = 0.00025; m̂ = 0.5, v̂ = 0.25; step 0.1 · 0.5 / (0.5 + 1e-8)
    assert _step(opt, p, 0.5) == pytest.approx(1 - 0.1 * 0.5 / (0.5 + 1e-8), abs=1e-15)
    # t = 2, g = -1: m = 0.045 - 0.1 = -0.055, v = 0.00024975 + 0.001 = 0.00124975
    m_hat, v_hat = -0.055 / 0.19, 0.00124975 / 0.001999
    want = 0.9000000020 - 0.1 * m_hat / (math.sqrt(v_hat) + 1e-8)
    assert _step(opt, p, -1.0) == pytest.approx(want, abs=1e-9)
    assert opt.t == 2


def test_zero_grad_and_bad_arguments():
    p = Value(1.0)
    p.grad = 3.0
    SGD([p]).zero_grad()
    assert p.grad == 0.0
    with pytest.raises(ValueError, match="no parameters"):
        SGD([])
    with pytest.raises(ValueError, match="lr must be > 0"):
        Adam([p], lr=0)
    with pytest.raises(ValueError, match="nesterov needs a momentum"):
        SGD([p], nesterov=True)
    with pytest.raises(ValueError, match="betas"):
        Adam([p], betas=(0.9, 1.0))
    p.grad = math.inf
    with pytest.raises(ValueError, match="parameter 0 has gradient inf"):
        SGD([p]).step()


def test_updates_record_no_graph():
    p = Value(1.0)
    loss = p * p
    loss.backward()
    SGD([p], lr=0.1).step()
    assert p.is_leaf and p.data == 0.8


def test_sgd_weight_decay_and_dampening_by_hand():
    # torch.optim.SGD: d = g + wd·p; v₁ = d₁; vₜ = μ·vₜ₋₁ + (1 - dampening)·dₜ; p -= lr·v
    p = Value(1.0)
    opt = SGD([p], lr=0.1, momentum=0.9, dampening=0.5, weight_decay=0.2)
    # d₁ = 0.5 + 0.2·1 = 0.7 = v₁; p = 1 - 0.07 = 0.93
    assert _step(opt, p, 0.5) == pytest.approx(0.93, abs=1e-15)
    # d₂ = 0.5 + 0.2·0.93 = 0.686; v₂ = 0.63 + 0.5·0.686 = 0.973; p = 0.93 - 0.0973
    assert _step(opt, p, 0.5) == pytest.approx(0.8327, abs=1e-15)
    plain = Value(2.0)
    assert _step(SGD([plain], lr=0.1, weight_decay=0.5), plain, 1.0) == 1.8  # d = 1 + 1


def test_rmsprop_by_hand():
    p = Value(1.0)
    opt = RMSprop([p], lr=0.01, alpha=0.9)
    # v = 0.1·g² = 0.4 for g = 2; p -= 0.01·2/(√0.4 + 1e-8)
    first = 1 - 0.01 * 2 / (math.sqrt(0.4) + 1e-8)
    assert _step(opt, p, 2.0) == pytest.approx(first, abs=1e-15)
    # g = -1: v = 0.36 + 0.1 = 0.46
    assert _step(opt, p, -1.0) == pytest.approx(first + 0.01 / (math.sqrt(0.46) + 1e-8), abs=1e-15)


def test_rmsprop_centered_momentum_and_weight_decay_by_hand():
    p = Value(1.0)
    opt = RMSprop(
        [p], lr=0.1, alpha=0.5, eps=0.0 + 1e-8, momentum=0.9, centered=True, weight_decay=1.0
    )
    # d = g + p = 3; v = 0.5·9 = 4.5; mean m = 0.5·3 = 1.5; v - m² = 2.25, √ = 1.5
    # b = 3/(1.5 + 1e-8); p = 1 - 0.1·b
    b1 = 3 / (1.5 + 1e-8)
    p1 = 1 - 0.1 * b1
    assert _step(opt, p, 2.0) == pytest.approx(p1, abs=1e-15)
    # d = 2 + p1; v = 2.25 + 0.5·d²; m = 0.75 + 0.5·d; b = 0.9·b1 + d/(√(v - m²) + 1e-8)
    d = 2 + p1
    v, m = 2.25 + 0.5 * d * d, 0.75 + 0.5 * d
    b2 = 0.9 * b1 + d / (math.sqrt(v - m * m) + 1e-8)
    assert _step(opt, p, 2.0) == pytest.approx(p1 - 0.1 * b2, abs=1e-14)


def test_new_settings_refuse_bad_values():
    p = Value(1.0)
    with pytest.raises(ValueError, match="dampening must lie in"):
        SGD([p], momentum=0.9, dampening=1.5)
    with pytest.raises(ValueError, match="nesterov needs a momentum > 0 and dampening 0"):
        SGD([p], momentum=0.9, dampening=0.1, nesterov=True)
    with pytest.raises(ValueError, match="weight_decay must be >= 0"):
        SGD([p], weight_decay=-1.0)
    with pytest.raises(ValueError, match="alpha must lie in"):
        RMSprop([p], alpha=1.5)
    with pytest.raises(ValueError, match="eps must be > 0"):
        RMSprop([p], eps=0.0)


# -- a step never writes a non-finite weight -----------------------------------------


@pytest.mark.parametrize(
    "make, g",
    [
        (lambda ps: SGD(ps, lr=10.0), 1e308),
        (lambda ps: SGD(ps, lr=10.0, momentum=0.9), 1e308),
        (lambda ps: RMSprop(ps, lr=1e308, momentum=0.5), 1.0),
        (lambda ps: Adam(ps, lr=1e308), 1.0),
    ],
)
def test_a_step_that_would_overflow_changes_nothing_and_names_the_parameter(make, g):
    ok, big = Value(0.5, label="ok"), Value(-1.7e308, label="layers.0.neurons.0.w1")
    opt = make([ok, big])
    ok.grad, big.grad = 0.0, g  # big - lr·step leaves the floats; ok stays
    state = {k: _plain(v) for k, v in vars(opt).items()}
    with pytest.raises(
        OverflowError, match=r"parameter 1 \(layers.0.neurons.0.w1\) would become -inf"
    ):
        opt.step()
    assert (ok.data, big.data) == (0.5, -1.7e308)  # neither moved, not even the finite one
    kept = {k: _plain(v) for k, v in vars(opt).items()}
    assert kept == state  # momentum and averages untouched: the next step starts as this one


@pytest.mark.parametrize("make", [lambda ps: RMSprop(ps), lambda ps: Adam(ps)])
def test_a_squared_gradient_that_overflows_is_refused(make):
    p = Value(1.0, label="w")
    opt = make([p])
    p.grad = 1e200  # g² = inf: the step would be g/inf = 0, silently
    with pytest.raises(
        OverflowError, match=r"parameter 0 \(w\) has a squared gradient average of inf"
    ):
        opt.step()
    assert p.data == 1.0


def _plain(v):
    """An optimizer attribute as numbers to compare (its state arrays as lists)."""
    return v.tolist() if isinstance(v, np.ndarray) else list(v) if isinstance(v, list) else v


def _by_number(kind, settings, data, grads, steps):
    """The optimizers' rules written one number at a time with Python floats, as
    PyTorch's documentation states them, to compare the array code against bit for bit."""
    lr = settings["lr"]
    state = [dict(v=0.0, m=0.0, s=0.0, b=0.0, first=True) for _ in data]
    out = list(data)
    for t in range(1, steps + 1):
        for i, (p, g) in enumerate(zip(out, grads[t - 1], strict=True)):
            st = state[i]
            if kind == "sgd":
                d = g + settings["weight_decay"] * p
                mu = settings["momentum"]
                st["v"] = d if st["first"] else mu * st["v"] + (1 - settings["dampening"]) * d
                st["first"] = False
                out[i] = p - lr * (d + mu * st["v"] if settings["nesterov"] else st["v"])
            elif kind == "rmsprop":
                a, d = settings["alpha"], g + settings["weight_decay"] * p
                st["s"] = a * st["s"] + (1 - a) * d * d
                st["m"] = a * st["m"] + (1 - a) * d
                step = d / (math.sqrt(max(st["s"] - st["m"] * st["m"], 0.0)) + settings["eps"])
                st["b"] = settings["momentum"] * st["b"] + step
                out[i] = p - lr * st["b"]
            else:
                b1, b2 = settings["betas"]
                st["m"] = b1 * st["m"] + (1 - b1) * g
                st["v"] = b2 * st["v"] + (1 - b2) * g * g
                m_hat, v_hat = st["m"] / (1 - b1**t), st["v"] / (1 - b2**t)
                out[i] = p - lr * m_hat / (math.sqrt(v_hat) + settings["eps"])
    return out


@pytest.mark.parametrize(
    "kind, make, settings",
    [
        ("sgd", SGD, dict(lr=0.1, momentum=0.9, dampening=0.25, weight_decay=0.01, nesterov=False)),
        ("sgd", SGD, dict(lr=0.1, momentum=0.8, dampening=0.0, weight_decay=0.0, nesterov=True)),
        (
            "rmsprop",
            RMSprop,
            dict(lr=0.01, alpha=0.9, eps=1e-8, weight_decay=0.1, momentum=0.5, centered=True),
        ),
        ("adam", Adam, dict(lr=0.01, betas=(0.8, 0.99), eps=1e-8)),
    ],
)
def test_steps_on_many_parameters_equal_the_rule_number_by_number(kind, make, settings):
    rng = np.random.default_rng(7)
    data = rng.normal(size=40).tolist()
    grads = rng.normal(size=(4, 40)).tolist()
    params = [Value(x) for x in data]
    opt = make(params, **settings)
    for step_grads in grads:
        for p, g in zip(params, step_grads, strict=True):
            p.grad = g
        opt.step()
    want = _by_number(kind, settings, data, grads, len(grads))
    assert [p.data for p in params] == want  # the same operations, so the same bits
