"""Training end to end: XOR and two moons reach their accuracy from fixed seeds."""

import pytest

from nn import MLP, SGD, Adam, fit, make_moons, xor


def test_xor_reaches_full_accuracy():
    X, y = xor()
    model = MLP(2, [8, 1], activation="tanh", output_activation="sigmoid", rng=0)
    history = fit(
        model,
        X,
        y,
        loss="bce",
        optimizer=Adam(model.parameters(), lr=0.05),
        epochs=300,
        rng=0,
        progress=False,
    )
    assert history.accuracy[-1] == 1.0
    assert history.loss[-1] < 0.01 < history.loss[0]
    assert [round(model(x).data) for x in X] == y


def test_two_moons_classifier_above_95_percent():
    X, y = make_moons(100, noise=0.1, rng=0)
    model = MLP(2, [16, 16, 1], rng=1)
    opt = SGD(model.parameters(), lr=0.05, momentum=0.9)
    history = fit(
        model, X, y * 2 - 1, loss="hinge", optimizer=opt, epochs=60, l2=1e-4, rng=0, progress=False
    )
    assert len(history.loss) == 60
    right = sum((model(x).data > 0) == (t > 0) for x, t in zip(X, y, strict=True))
    assert right / len(X) > 0.95


def test_minibatches_and_regression_history():
    X = [[float(i)] for i in range(8)]
    y = [2.0 * i + 1.0 for i in range(8)]
    model = MLP(1, [1], rng=0)
    history = fit(
        model,
        X,
        y,
        loss="mse",
        optimizer=SGD(model.parameters(), lr=0.01),
        epochs=400,
        batch_size=3,
        rng=0,
        progress=False,
    )
    assert history.accuracy == []
    w, b = model.parameters()
    assert w.data == pytest.approx(2.0, abs=1e-3) and b.data == pytest.approx(1.0, abs=5e-3)


def test_fit_refuses_bad_arguments():
    model = MLP(2, [1], rng=0)
    with pytest.raises(ValueError, match="3 samples but 2 targets"):
        fit(model, [[0, 0]] * 3, [0, 1], progress=False)
    with pytest.raises(ValueError, match="unknown loss 'cross'"):
        fit(model, [[0, 0]], [0], loss="cross", progress=False)
    with pytest.raises(ValueError, match="batch_size must be >= 1"):
        fit(model, [[0, 0]], [0], batch_size=0, progress=False)


def test_progress_bar_shows_the_loss(capsys):
    X, y = xor()
    fit(MLP(2, [2, 1], rng=0), X, y, epochs=3, rng=0, progress=True)
    err = capsys.readouterr().err
    assert "fit" in err and "loss=" in err and "3/3" in err


def _recording_bar(monkeypatch, **settings):
    """Put a tqdm that records (count, total, postfix) at every redraw in fit's place."""
    import io

    from tqdm.std import tqdm

    import nn.train

    shown = []

    class Recording(tqdm):
        def display(self, msg=None, pos=None):
            shown.append((self.n, self.total, self.postfix or ""))
            return super().display(msg, pos)

    monkeypatch.setattr(
        nn.train, "tqdm", lambda *a, **kw: Recording(*a, **kw, file=io.StringIO(), **settings)
    )
    return shown


@pytest.mark.parametrize("settings", [{}, {"mininterval": 0}])
def test_the_fit_bar_counts_the_epochs_whose_loss_it_shows(monkeypatch, settings):
    # a fast fit (60 epochs in well under a second) showed 0/60 beside a changing loss
    shown = _recording_bar(monkeypatch, **settings)
    X, y = xor()
    model = MLP(2, [4, 1], output_activation="sigmoid", rng=0)
    history = fit(model, X, y, loss="bce", epochs=60, rng=0)
    with_loss = [(n, total, postfix) for n, total, postfix in shown if "loss=" in postfix]
    assert with_loss, shown
    for n, total, postfix in with_loss:
        assert total == 60 and n >= 1
        # the loss beside the count n is epoch n's, as the history has it
        assert f"loss={history.loss[n - 1]:.4g}" in postfix, (n, postfix)
        assert f"acc={history.accuracy[n - 1]:.3f}" in postfix
    assert shown[-1][:2] == (60, 60) and f"loss={history.loss[-1]:.4g}" in shown[-1][2]
    if settings:  # a redraw per update: every epoch is shown, in order
        assert [n for n, _, _ in with_loss] == list(range(1, 61)) + [60]
