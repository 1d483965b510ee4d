"""nn's modules pickle (issue 26, item 19, nn's part): every protocol, outputs and
training unchanged after a round trip, a multiprocessing Pool map over models."""

import multiprocessing
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

import nn
from autograd import Value
from nn import MLP, SGD, Adam, Layer, Neuron, mse

PROTOCOLS = range(pickle.HIGHEST_PROTOCOL + 1)
SAMPLES = [[0.5, -1.0], [2.0, 0.25], [-1.5, 1.5]]


def _models():
    return [
        MLP(2, [4, 1], rng=0),  # relu, then the linear output (a lambda before the fix)
        MLP(2, [3, 3, 2], activation="tanh", output_activation="sigmoid", rng=1),
        MLP(2, [3, 1], activation="leaky_relu", bias=False, rng=2),
        MLP(2, [2, 1], activation="gelu", output_activation="linear", init="he", rng=3),
    ]


def _outputs(model):
    outs = [model(x) for x in SAMPLES]
    return [[v.data for v in out] if isinstance(out, list) else out.data for out in outs]


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_an_mlp_round_trips_through_pickle_to_the_same_outputs(protocol):
    for model in _models():
        model.layers[0].neurons[0].w[0].grad = 0.125  # a gradient mid-training is kept too
        again = pickle.loads(pickle.dumps(model, protocol))
        assert type(again) is MLP and again.architecture() == model.architecture()
        assert again.state_dict() == model.state_dict()
        assert again.layers[0].neurons[0].w[0].grad == 0.125
        assert _outputs(again) == _outputs(model)  # the same numbers, bit for bit
        names = [p.label for p in again.parameters()]
        assert names == [name for name, _ in model.named_parameters()]
        assert not set(map(id, again.parameters())) & set(map(id, model.parameters()))


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_layers_neurons_losses_and_optimizers_pickle(protocol):
    neuron, layer = Neuron(3, activation="tanh", rng=0), Layer(3, 2, activation="silu", rng=0)
    x = [0.1, -0.2, 0.3]
    assert pickle.loads(pickle.dumps(neuron, protocol))(x).data == neuron(x).data
    assert [v.data for v in pickle.loads(pickle.dumps(layer, protocol))(x)] == [
        v.data for v in layer(x)
    ]
    for name, loss in nn.losses.LOSSES.items():
        assert pickle.loads(pickle.dumps(loss, protocol)).name == name
    copied = pickle.loads(pickle.dumps(nn.bce, protocol))
    with pytest.raises(ValueError, match="outside"):
        copied(Value(0.5), 2.0)


def test_training_goes_on_the_same_after_a_round_trip_with_its_optimizer():
    model = MLP(2, [4, 1], activation="tanh", rng=0)
    opt = Adam(model.parameters(), lr=0.05)
    targets = [1.0, -0.5, 0.25]

    def step(model, opt):
        loss = mse([model(x) for x in SAMPLES], targets)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss.data

    step(model, opt)
    # model and optimizer together: the optimizer's parameters stay the model's
    copy_model, copy_opt = pickle.loads(pickle.dumps((model, opt)))
    assert [step(model, opt) for _ in range(3)] == [step(copy_model, copy_opt) for _ in range(3)]
    assert copy_model.state_dict() == model.state_dict()


def _evaluate(model):
    """A function of a model, for a worker process: its outputs on SAMPLES."""
    return _outputs(model)


def _train_one_step(args):
    model, lr = args
    opt = SGD(model.parameters(), lr=lr)
    loss = mse([model(x) for x in SAMPLES], [1.0, 0.0, -1.0])
    loss.backward()
    opt.step()
    return model.state_dict()


def test_a_pool_maps_a_function_over_models():
    models = _models()
    single = [m for m in _models() if m.nouts[-1] == 1]  # mse takes one output per sample
    with multiprocessing.get_context().Pool(2) as pool:
        assert pool.map(_evaluate, models) == [_outputs(m) for m in models]
        trained = pool.map(_train_one_step, [(m, 0.1) for m in single])
    # the same step on models built afresh from the same seeds, in this process
    fresh = [m for m in _models() if m.nouts[-1] == 1]
    for before, state, again in zip(single, trained, fresh, strict=True):
        assert state == _train_one_step((again, 0.1))
        assert state != before.state_dict()  # the worker trained its own copy, not ours


def test_every_protocol_on_the_pure_storage():
    """Where Values pickle at every protocol (the plain storage), so do nn's modules."""
    code = (
        "import pickle\n"
        "from nn import MLP\n"
        "m = MLP(2, [3, 1], rng=0)\n"
        "for p in range(pickle.HIGHEST_PROTOCOL + 1):\n"
        "    again = pickle.loads(pickle.dumps(m, p))\n"
        "    assert again([0.5, -1.0]).data == m([0.5, -1.0]).data, p\n"
        "print('ok', pickle.HIGHEST_PROTOCOL + 1)\n"
    )
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "CHAINRULE_PURE_PYTHON": "1", "PYTHONPATH": str(root)}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["ok", str(pickle.HIGHEST_PROTOCOL + 1)]
