"""Optional: the new ops, softmax, cross-entropy and optimizers against PyTorch float64.

Skipped without torch, which is not in the dev extra (its wheels are gigabytes):
``pip install torch==2.13.0`` into the environment to run these.
"""

from __future__ import annotations

import itertools
import math
import random

import pytest

from autograd import Value, grad
from nn import SGD, RMSprop, log_softmax, softmax, softmax_cross_entropy

torch = pytest.importorskip("torch", reason="torch is optional: pip install torch==2.13.0")
F = torch.nn.functional

ONE_INPUT = {
    "sin": (torch.sin, (-3, 3)),
    "cos": (torch.cos, (-3, 3)),
    "tan": (torch.tan, (-1.4, 1.4)),
    "sinh": (torch.sinh, (-3, 3)),
    "cosh": (torch.cosh, (-3, 3)),
    "asin": (torch.asin, (-0.99, 0.99)),
    "acos": (torch.acos, (-0.99, 0.99)),
    "atan": (torch.atan, (-3, 3)),
    "log1p": (torch.log1p, (-0.99, 3)),
    "expm1": (torch.expm1, (-3, 3)),
    "log2": (torch.log2, (0.01, 3)),
    "log10": (torch.log10, (0.01, 3)),
    "exp2": (torch.exp2, (-3, 3)),
    "sign": (torch.sign, (-3, 3)),
    "erf": (torch.erf, (-3, 3)),
    "erfc": (torch.erfc, (-3, 3)),
    "gelu": (F.gelu, (-5, 5)),  # below -5 torch's ½(1 + erf) loses digits; ours does not
    "silu": (F.silu, (-5, 5)),
}
TWO_INPUTS = {
    "atan2": torch.atan2,
    "hypot": torch.hypot,
    "max": torch.maximum,
    "min": torch.minimum,
}


def _torch_derivatives(f, xs):
    ts = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    out = f(*ts)
    firsts = torch.autograd.grad(out, ts, create_graph=True)
    hessian = []
    for g in firsts:  # a piecewise-linear op's gradient is a constant: no graph to differentiate
        row = (
            torch.autograd.grad(g, ts, retain_graph=True, allow_unused=True)
            if g.requires_grad
            else [None] * len(ts)
        )
        hessian.append([0.0 if d is None else d.item() for d in row])
    return out.item(), [g.item() for g in firsts], hessian


def _ours(f, xs):
    vs = [Value(x) for x in xs]
    out = f(*vs)
    firsts = grad(out, vs, create_graph=True)
    hessian = [[float(d) for d in grad(g, vs)] for g in firsts]
    return out.data, [g.data for g in firsts], hessian


def _agree(ours, theirs, rel=1e-10, abs_=1e-300):
    flat = lambda t: [t[0], *t[1], *itertools.chain(*t[2])]  # noqa: E731
    return all(
        math.isclose(a, b, rel_tol=rel, abs_tol=abs_)
        for a, b in zip(flat(ours), flat(theirs), strict=True)
    )


@pytest.mark.parametrize("name", sorted(ONE_INPUT))
def test_one_input_ops_match_torch(name):
    f, (lo, hi) = ONE_INPUT[name]
    rng = random.Random(name)
    for x in [rng.uniform(lo, hi) for _ in range(50)]:
        ours, theirs = _ours(getattr(Value, name), [x]), _torch_derivatives(f, [x])
        assert _agree(ours, theirs), (x, ours, theirs)


@pytest.mark.parametrize("name", sorted(TWO_INPUTS))
def test_two_input_ops_match_torch(name):
    rng = random.Random(name)
    points = [[rng.uniform(-3, 3), rng.uniform(-3, 3)] for _ in range(50)] + [
        [1.5, 1.5],
        [-2.0, -2.0],
    ]
    for xs in points:
        ours, theirs = _ours(getattr(Value, name), xs), _torch_derivatives(TWO_INPUTS[name], xs)
        # hypot's ∂²/∂b² = a²/out³ is a difference of two terms in both: 1e-10 of the largest entry
        assert _agree(ours, theirs, abs_=1e-10), (xs, ours, theirs)


@pytest.mark.parametrize("lo, hi", [(-1.0, 1.0), (0.5, None), (None, 0.25), (2.0, 1.0)])
def test_clamp_matches_torch_at_and_between_its_bounds(lo, hi):
    for x in (-3.0, -1.0, 0.1, 0.25, 0.5, 1.0, 1.5, 2.0):
        ours = _ours(lambda v: v.clamp(min=lo, max=hi), [x])
        theirs = _torch_derivatives(lambda t: torch.clamp(t, min=lo, max=hi), [x])
        assert ours == theirs, (x, ours, theirs)


def _trajectory(ours_cls, torch_cls, steps=25, **settings):
    start = [0.7, -1.3, 2.1]
    ps = [Value(x) for x in start]
    opt = ours_cls(ps, **settings)
    t = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    topt = torch_cls([t], **settings)
    for _ in range(steps):
        opt.zero_grad()
        sum((p * p * (i + 1) + (p * 3).sin() for i, p in enumerate(ps)), Value(0.0)).backward()
        opt.step()
        topt.zero_grad()
        sum(t[i] * t[i] * (i + 1) + torch.sin(t[i] * 3) for i in range(3)).backward()
        topt.step()
    return [p.data for p in ps], t.detach().tolist()


@pytest.mark.parametrize(
    "momentum, dampening, weight_decay, nesterov",
    [
        (0.0, 0.0, 0.0, False),
        (0.9, 0.0, 0.0, False),
        (0.9, 0.3, 0.05, False),
        (0.0, 0.0, 0.05, False),
        (0.9, 0.0, 0.05, True),
    ],
)
def test_sgd_matches_torch(momentum, dampening, weight_decay, nesterov):
    ours, theirs = _trajectory(
        SGD,
        torch.optim.SGD,
        lr=0.01,
        momentum=momentum,
        dampening=dampening,
        weight_decay=weight_decay,
        nesterov=nesterov,
    )
    assert ours == pytest.approx(theirs, rel=1e-12)


@pytest.mark.parametrize(
    "alpha, eps, weight_decay, momentum, centered",
    list(itertools.product([0.99, 0.8], [1e-8, 1e-3], [0.0, 0.1], [0.0, 0.5], [False, True])),
)
def test_rmsprop_matches_torch(alpha, eps, weight_decay, momentum, centered):
    ours, theirs = _trajectory(
        RMSprop,
        torch.optim.RMSprop,
        lr=0.01,
        alpha=alpha,
        eps=eps,
        weight_decay=weight_decay,
        momentum=momentum,
        centered=centered,
    )
    assert ours == pytest.approx(theirs, rel=1e-12)


def test_softmax_log_softmax_and_cross_entropy_match_torch():
    rng = random.Random(0)
    for _ in range(30):
        k, n = rng.randint(2, 6), rng.randint(1, 4)
        logits = [[rng.uniform(-5, 5) for _ in range(k)] for _ in range(n)]
        labels = [[rng.random() for _ in range(k)] for _ in range(n)]
        labels = [[y / sum(row) for y in row] for row in labels]
        zs = [[Value(z) for z in row] for row in logits]
        loss = softmax_cross_entropy(zs, labels)
        loss.backward()
        tz = torch.tensor(logits, dtype=torch.float64, requires_grad=True)
        tloss = torch.nn.CrossEntropyLoss()(tz, torch.tensor(labels, dtype=torch.float64))
        tloss.backward()
        assert math.isclose(loss.data, tloss.item(), rel_tol=1e-12)
        assert [z.grad for row in zs for z in row] == pytest.approx(
            tz.grad.flatten().tolist(), rel=1e-10, abs=1e-15
        )
        row = torch.tensor(logits[0], dtype=torch.float64)
        assert [p.data for p in softmax(logits[0])] == pytest.approx(
            torch.softmax(row, 0).tolist(), rel=1e-13
        )
        assert [p.data for p in log_softmax(logits[0])] == pytest.approx(
            torch.log_softmax(row, 0).tolist(), rel=1e-13
        )
