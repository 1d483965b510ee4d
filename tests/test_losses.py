"""Each loss against values computed by hand, its gradients against numeric ones."""

import math

import pytest

from autograd import Value, gradcheck
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
    # a sigmoid that saturates to exactly 1.0 still gives the exact loss, through its logit
    p = Value(40.0).sigmoid()
    assert p.data == 1.0
    loss = bce([p], [0.0])
    assert loss.data == pytest.approx(40.0, rel=1e-15)
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
    with pytest.raises(ValueError, match="bce: probability 1.0 gives an infinite loss"):
        bce([Value(1.0)], [1.0])
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
