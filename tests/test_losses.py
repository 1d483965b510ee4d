"""Each loss against values computed by hand, its gradients against numeric ones."""

import math

import pytest

from autograd import Value, gradcheck, topo_order
from nn import bce, bce_with_logits, hinge, l1, l2_penalty, mse, softmax_cross_entropy


def _data(v):
    return v.data


def test_hand_computed_values():
    assert mse([Value(1.0), Value(2.0)], [0.5, 3.0]).data == (0.25 + 1.0) / 2
    assert l1([Value(1.0), Value(2.0)], [0.5, 3.0]).data == (0.5 + 1.0) / 2
    assert math.isclose(bce([Value(0.8)], [1.0]).data, -math.log(0.8), rel_tol=1e-15)
    assert math.isclose(bce([Value(0.8)], [0.0]).data, -math.log(0.2), rel_tol=1e-14)
    assert math.isclose(bce_with_logits([Value(0.0)], [1.0]).data, math.log(2), rel_tol=1e-15)
    # logits 1, 2, 3, class 2: log(e + e² + e³) - 3
    want = math.log(math.e + math.e**2 + math.e**3) - 3
    logits = [Value(1.0), Value(2.0), Value(3.0)]
    assert math.isclose(softmax_cross_entropy([logits], [2]).data, want, rel_tol=1e-14)
    assert hinge([Value(0.5), Value(-2.0)], [1, 1]).data == (0.5 + 3.0) / 2
    assert l2_penalty([Value(3.0), Value(-4.0)], 0.1).data == pytest.approx(2.5, rel=1e-15)


def test_stable_for_extreme_inputs():
    assert bce_with_logits([Value(1000.0)], [0.0]).data == 1000.0
    assert bce_with_logits([Value(-1000.0)], [0.0]).data == 0.0
    # a sigmoid that saturates to exactly 1.0: bce, as PyTorch's BCELoss, clamps log(0)
    # at -100; bce_with_logits on the logit gives the exact 40
    p = Value(40.0).sigmoid()
    assert p.data == 1.0
    assert bce([p], [0.0]).data == 100.0
    assert bce_with_logits([Value(40.0)], [0.0]).data == pytest.approx(40.0, rel=1e-15)
    want = math.log(math.e + math.e**2 + math.e**3) - 3
    big = [Value(1000.0), Value(1001.0), Value(1002.0)]
    assert math.isclose(softmax_cross_entropy([big], [2]).data, want, rel_tol=1e-12)


@pytest.mark.parametrize(
    "loss, outputs, targets",
    [
        (mse, [0.3, -1.2, 2.0], [0.0, 1.0, 1.5]),
        (l1, [0.3, -1.2, 2.0], [0.0, 1.0, 1.5]),
        (bce_with_logits, [0.3, -1.2, 2.0], [0.0, 1.0, 1.0]),
        (hinge, [0.3, -1.2, 2.0], [1, -1, -1]),
    ],
)
def test_gradcheck_of_each_loss(loss, outputs, targets):
    assert gradcheck(lambda *vs: loss(list(vs), targets), outputs)


def test_gradcheck_of_bce_on_probabilities_both_routes():
    assert gradcheck(lambda a, b: bce([a, b], [1.0, 0.0]), [0.3, 0.6])
    assert gradcheck(lambda z: bce([z.sigmoid()], [1.0]), [-0.7])


def test_gradcheck_of_softmax_cross_entropy():
    assert gradcheck(
        lambda *z: softmax_cross_entropy([list(z[:3]), list(z[3:])], [0, 2]),
        [0.2, -1.0, 3.0, 1.0, 1.0, -0.5],
    )


def test_bad_inputs_are_named():
    with pytest.raises(ValueError, match="mse: 2 outputs for 1 targets"):
        mse([Value(1.0), Value(2.0)], [1.0])
    with pytest.raises(ValueError, match="p=1.5 is outside"):
        bce([Value(1.5)], [1.0])
    with pytest.raises(ValueError, match="hinge: targets must be -1 or 1"):
        hinge([Value(1.0)], [0])
    with pytest.raises(ValueError, match="target 3 is not a class index in 0..2"):
        softmax_cross_entropy([[Value(1.0)] * 3], [3])
    with pytest.raises(TypeError, match="list of >= 2 logits"):
        softmax_cross_entropy([Value(1.0)], [0])
    with pytest.raises(ValueError, match="no samples"):
        mse([], [])


def test_accuracy_of_classification_losses():
    assert hinge.accuracy([Value(0.5), Value(-2.0)], [1, 1]) == 0.5
    assert bce.accuracy([Value(0.9), Value(0.2)], [1, 0]) == 1.0
    assert softmax_cross_entropy.accuracy([[Value(0.0), Value(2.0)]], [0]) == 0.0
    assert mse.accuracy([Value(1.0)], [1.0]) is None


def test_bce_keeps_the_probability_node_in_the_graph():
    z = Value(-0.5535)
    p = z.sigmoid()
    loss = bce(p, 1.0)
    loss.backward()
    bce_nodes = [n for n in topo_order(loss) if n.op == "binary_cross_entropy"]
    assert [n.parents[0] for n in bce_nodes] == [p]  # it reads p itself, not its logit
    assert p.grad == pytest.approx(-1 / p.data, rel=1e-14)  # dL/dp = -y/p + (1-y)/(1-p)
    assert z.grad == pytest.approx(p.data - 1, rel=1e-13)  # through σ: p - y


def test_bce_at_zero_and_one_is_finite_as_pytorch_clamps_it():
    # BCELoss: log clamped at -100; gradient (p - y) / max(p(1 - p), 1e-12)
    for p, y, loss, dp in ((0.0, 1.0, 100.0, -1e12), (1.0, 0.0, 100.0, 1e12), (1.0, 1.0, 0.0, 0.0)):
        v = Value(p)
        out = bce(v, y)
        out.backward()
        assert (out.data, v.grad) == (loss, dp)


@pytest.mark.parametrize(
    "loss, outputs, targets",
    [
        (mse, [0.3, -1.2], [0.0, 1.0]),
        (l1, [0.3, -1.2], [0.0, 1.0]),
        (bce, [0.3, 0.8], [0.0, 1.0]),
        (bce_with_logits, [0.3, -1.2], [0.0, 1.0]),
        (hinge, [0.3, -1.2], [1, 1]),
    ],
)
def test_no_loss_cuts_the_users_outputs_out_of_the_graph(loss, outputs, targets):
    values = [Value(v) * 1.0 for v in outputs]  # nodes an op made, as a model's outputs are
    out = loss(values, targets)
    out.backward()
    h = 1e-6
    for i, v in enumerate(values):
        up = [Value(x + h * (j == i)) for j, x in enumerate(outputs)]
        down = [Value(x - h * (j == i)) for j, x in enumerate(outputs)]
        numeric = (loss(up, targets).data - loss(down, targets).data) / (2 * h)
        assert v.grad == pytest.approx(numeric, rel=1e-6, abs=1e-9)
        assert v.grad != 0.0


def test_softmax_cross_entropy_keeps_every_logit_in_the_graph():
    logits = [Value(0.2) * 1.0, Value(-1.0) * 1.0, Value(3.0) * 1.0]
    out = softmax_cross_entropy([logits], [0])
    out.backward()
    e = [math.exp(x) for x in (0.2, -1.0, 3.0)]
    want = [e[0] / sum(e) - 1, e[1] / sum(e), e[2] / sum(e)]
    assert [z.grad for z in logits] == pytest.approx(want, rel=1e-12)


def test_soft_label_cross_entropy_by_hand():
    # softmax(log 1, log 2, log 5) = (1, 2, 5)/8; loss = -Σ yₖ·log sₖ; ∂/∂z = s - y
    y = [0.2, 0.3, 0.5]
    zs = [Value(math.log(k)) for k in (1.0, 2.0, 5.0)]
    loss = softmax_cross_entropy([zs], [y])
    loss.backward()
    want = -(0.2 * math.log(1 / 8) + 0.3 * math.log(2 / 8) + 0.5 * math.log(5 / 8))
    assert math.isclose(loss.data, want, rel_tol=1e-15)
    for z, s, yk in zip(zs, (1 / 8, 2 / 8, 5 / 8), y, strict=True):
        assert math.isclose(z.grad, s - yk, rel_tol=1e-13)


def test_a_one_hot_soft_label_is_the_class_index_and_the_batch_is_a_mean():
    rows = [[0.3, -1.2, 2.0], [1.5, 0.5, -0.5]]
    by_index = softmax_cross_entropy([[Value(z) for z in r] for r in rows], [2, 0])
    by_label = softmax_cross_entropy(
        [[Value(z) for z in r] for r in rows], [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]
    )
    assert math.isclose(by_index.data, by_label.data, rel_tol=1e-15)
    assert softmax_cross_entropy.accuracy([[Value(0.0), Value(2.0)]], [[0.4, 0.6]]) == 1.0
    assert softmax_cross_entropy.accuracy([[Value(0.0), Value(2.0)]], [[0.6, 0.4]]) == 0.0


def test_gradcheck_of_soft_label_cross_entropy():
    report = gradcheck(
        lambda *z: softmax_cross_entropy([list(z[:3]), list(z[3:])], [[0.1, 0.6, 0.3], [1, 0, 0]]),
        [0.5, -1.0, 2.0, 0.1, 0.2, -0.3],
    )
    assert report, str(report)


@pytest.mark.parametrize(
    "target, words",
    [
        ([0.5, 0.5], "has 2 probabilities for 3 logits"),
        ([0.5, 0.6, -0.1], "not a probability vector"),
        ([0.2, 0.2, 0.2], "they sum to 0.6"),
        ("abc", "a class index or a list of class probabilities"),
    ],
)
def test_bad_soft_labels_are_refused(target, words):
    with pytest.raises((TypeError, ValueError), match=words):
        softmax_cross_entropy([[Value(1.0), Value(2.0), Value(3.0)]], [target])


@pytest.mark.parametrize("loss", [bce, bce_with_logits])
@pytest.mark.parametrize("target", [2.0, -0.5, 1.0000001, math.nan, math.inf])
def test_bce_targets_outside_zero_one_are_refused(loss, target):
    # bce(0.5, 2.0) was -(2·log 0.5 + (1 - 2)·log 0.5) = log 2 = 0.693, a number for no label
    with pytest.raises(ValueError, match=rf"{loss.name}: target {target} is outside \[0, 1\]"):
        loss(Value(0.5), target)
    with pytest.raises(ValueError, match="outside"):
        loss([Value(0.5), Value(0.25)], [1.0, target])


@pytest.mark.parametrize("loss", [bce, bce_with_logits])
def test_bce_takes_hard_and_soft_labels_in_zero_one(loss):
    p = 0.25 if loss is bce else math.log(0.25 / 0.75)  # the logit of 0.25
    for y in (0, 1, 0.0, 0.3, 1.0, True, False):
        want = -(y * math.log(0.25) + (1 - y) * math.log(0.75))  # by hand
        assert math.isclose(loss(Value(p), y).data, want, rel_tol=1e-14)
    with pytest.raises(TypeError, match="a number in \\[0, 1\\]; got str"):
        loss([Value(p)], ["1"])


def test_fit_refuses_bce_targets_outside_zero_one_on_either_path():
    from nn import MLP, fit

    X, y = [[0.0], [1.0]], [0.0, 2.0]
    for replay in (False, True):
        model = MLP(1, [1], output_activation="sigmoid", rng=0)
        before = model.state_dict()
        with pytest.raises(ValueError, match=r"bce: target 2.0 is outside \[0, 1\]"):
            fit(model, X, y, loss="bce", epochs=1, progress=False, replay=replay)
        assert model.state_dict() == before
