"""nn.to_torch and nn.from_torch: the same model, outputs and gradients in PyTorch float64.

The comparisons need torch (``pip install 'chainrule[torch]'``) and skip without it;
the checks that torch is loaded lazily, and that its absence is reported, run anyway.
"""

from __future__ import annotations

import subprocess
import sys
import zlib

import numpy as np
import pytest

from autograd import Value
from nn import ACTIVATIONS, LOSSES, MLP, Layer, Neuron, from_torch, to_torch

TOLERANCE = 1e-12  # absolute, and relative to the larger of the two numbers


@pytest.fixture
def torch():
    return pytest.importorskip("torch", reason="torch is optional: pip install torch==2.13.0")


def assert_agree(ours, theirs, what: str) -> float:
    ours, theirs = np.asarray(ours, dtype=float), np.asarray(theirs, dtype=float)
    assert ours.shape == theirs.shape, what
    scale = np.maximum(1.0, np.maximum(np.abs(ours), np.abs(theirs)))
    worst = float((np.abs(ours - theirs) / scale).max())
    assert worst <= TOLERANCE, f"{what}: differs by {worst:.3g} (relative to max(1, |x|))"
    return worst


def test_importing_nn_does_not_import_torch():
    code = "import nn, sys; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_without_torch_the_error_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` now fails
    for call in (lambda: to_torch(MLP(2, [1], rng=0)), lambda: from_torch(object())):
        with pytest.raises(ImportError, match=r"chainrule\[torch\].*torch==2\.13\.0"):
            call()


def _case(loss: str, activation: str, rng: np.random.Generator):
    """A model, inputs and targets that suit the loss, every layer using ``activation``."""
    classes = 3 if loss == "softmax_cross_entropy" else 1
    output = "sigmoid" if loss == "bce" else activation  # bce takes a probability
    model = MLP(3, [5, 4, classes], activation=activation, output_activation=output, rng=rng)
    x = rng.normal(0.0, 1.5, (6, 3))
    if loss == "softmax_cross_entropy":
        y = rng.integers(0, classes, 6).tolist()
    elif loss == "hinge":
        y = rng.choice([-1.0, 1.0], 6).tolist()
    elif loss in ("bce", "bce_with_logits"):
        y = rng.uniform(0.0, 1.0, 6).tolist()
    else:
        y = rng.normal(0.0, 1.0, 6).tolist()
    return model, x, y


def _chainrule_run(model: MLP, loss_name: str, x: np.ndarray, y: list):
    xs = [[Value(float(v)) for v in row] for row in x]
    outputs = [model(row) for row in xs]
    loss = LOSSES[loss_name](outputs, y)
    model.zero_grad()
    loss.backward()
    values = [[o.data for o in out] if isinstance(out, list) else [out.data] for out in outputs]
    return loss.data, np.array(values), np.array([[v.grad for v in row] for row in xs])


def _linears(torch, module):
    return [m for m in module if isinstance(m, torch.nn.Linear)]


@pytest.mark.parametrize("loss_name", sorted(LOSSES))
@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_outputs_and_every_gradient_agree_with_torch(torch, activation, loss_name):
    rng = np.random.default_rng(zlib.crc32(f"{activation} {loss_name}".encode()))
    model, x, y = _case(loss_name, activation, rng)
    loss, outputs, x_grads = _chainrule_run(model, loss_name, x, y)

    net, criterion = to_torch(model), to_torch(LOSSES[loss_name])
    assert all(p.dtype == torch.float64 for p in net.parameters())
    tx = torch.tensor(x, requires_grad=True)
    tout = net(tx)
    tloss = criterion(tout, y)
    tloss.backward()

    assert_agree(loss, tloss.item(), "loss")
    assert_agree(outputs, tout.detach().numpy(), "outputs")
    assert_agree(x_grads, tx.grad.numpy(), "gradient toward the inputs")
    for i, (layer, linear) in enumerate(zip(model.layers, _linears(torch, net), strict=True)):
        w_grads = [[w.grad for w in n.w] for n in layer.neurons]
        assert_agree(w_grads, linear.weight.grad.numpy(), f"layer {i} weight gradients")
        assert_agree([n.b.grad for n in layer.neurons], linear.bias.grad.numpy(), f"layer {i} b")


def test_soft_labels_agree_with_torch(torch):
    rng = np.random.default_rng(5)
    model = MLP(3, [4, 3], activation="tanh", rng=rng)
    x = rng.normal(size=(4, 3))
    y = rng.dirichlet(np.ones(3), 4).tolist()
    loss, _, x_grads = _chainrule_run(model, "softmax_cross_entropy", x, y)
    tx = torch.tensor(x, requires_grad=True)
    tloss = to_torch(LOSSES["softmax_cross_entropy"])(to_torch(model)(tx), y)
    tloss.backward()
    assert_agree(loss, tloss.item(), "soft-label loss")
    assert_agree(x_grads, tx.grad.numpy(), "soft-label input gradient")


def test_the_torch_model_holds_the_same_architecture_and_weights(torch):
    model = MLP(2, [3, 1], activation="leaky_relu", output_activation="sigmoid", rng=1)
    net = to_torch(model)
    kinds = [type(m).__name__ for m in net]
    assert kinds == ["Linear", "LeakyReLU", "Linear", "Sigmoid"]
    assert net[1].negative_slope == 0.01
    first = model.layers[0]
    assert net[0].weight.tolist() == [[w.data for w in n.w] for n in first.neurons]
    assert to_torch(MLP(2, [2, 2], rng=0)).__len__() == 3  # a linear output adds no module
    assert to_torch(model, dtype=torch.float32)[0].weight.dtype == torch.float32


def test_a_neuron_and_a_layer_go_across_too(torch):
    neuron = Neuron(3, activation="gelu", weights=[0.5, -1.0, 2.0])
    neuron.b.data = 0.25
    x = [0.3, -0.7, 1.1]
    assert_agree(
        neuron(x).data, to_torch(neuron)(torch.tensor(x, dtype=torch.float64)).item(), "neuron"
    )
    layer = Layer(3, 2, activation="silu", rng=2)
    theirs = to_torch(layer)(torch.tensor(x, dtype=torch.float64)).tolist()
    assert_agree([v.data for v in layer(x)], theirs, "layer")


def test_round_trip_keeps_every_weight_exactly(torch):
    for model in (
        MLP(3, [4, 4, 2], activation="gelu", output_activation="tanh", rng=3),
        MLP(2, [3, 1], bias=False, rng=4),
        MLP(4, [1], output_activation="silu", rng=5),
    ):
        back = from_torch(to_torch(model))
        assert back.architecture() == model.architecture()
        assert back.state_dict() == model.state_dict()
    swish = MLP(2, [2, 1], activation="swish", rng=6)
    assert from_torch(to_torch(swish)).activation == "silu"  # torch names it SiLU


def test_a_torch_model_comes_back_with_its_outputs(torch):
    torch.manual_seed(0)
    net = torch.nn.Sequential(
        torch.nn.Linear(3, 5),
        torch.nn.Tanh(),
        torch.nn.Sequential(torch.nn.Linear(5, 5), torch.nn.Tanh()),
        torch.nn.Linear(5, 2),
        torch.nn.Identity(),
    )  # float32, as torch makes it
    model = from_torch(net)
    assert model.architecture() == {
        "nin": 3,
        "nouts": [5, 5, 2],
        "activation": "tanh",
        "output_activation": "linear",
        "bias": True,
    }
    x = [0.2, -1.3, 0.8]
    theirs = net.double()(torch.tensor(x, dtype=torch.float64)).tolist()
    assert_agree([v.data for v in model(x)], theirs, "outputs of a model read from torch")
    again = to_torch(model)
    assert all(torch.equal(a, b) for a, b in zip(again.parameters(), net.parameters(), strict=True))


def test_one_linear_layer_is_a_model(torch):
    linear = torch.nn.Linear(2, 1, bias=False, dtype=torch.float64)
    model = from_torch(linear)
    assert model.architecture()["nouts"] == [1] and not model.bias
    assert model.layers[0].neurons[0].w[1].data == linear.weight[0, 1].item()


REFUSED = [
    (lambda nn: [nn.Linear(2, 3), nn.Dropout(0.5), nn.Linear(3, 1)], r"layer 1 \(Dropout"),
    (lambda nn: [nn.Linear(2, 3), nn.Softplus()], r"layer 1 \(Softplus.*no Softplus"),
    (lambda nn: [nn.ReLU(), nn.Linear(2, 3)], r"layer 0 \(ReLU\(\)\) follows the start"),
    (lambda nn: [nn.Linear(2, 3), nn.ReLU(), nn.Tanh()], r"layer 2 \(Tanh\(\)\) follows layer 0"),
    (lambda nn: [nn.Linear(2, 3), nn.LeakyReLU(0.2)], r"layer 1 .* slope 0\.2"),
    (lambda nn: [nn.Linear(2, 3), nn.GELU(approximate="tanh")], r"layer 1 .* tanh approximation"),
    (
        lambda nn: [nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 3), nn.Tanh(), nn.Linear(3, 1)],
        r"layer 2's activation tanh differs from layer 0's relu",
    ),
    (lambda nn: [nn.Linear(2, 3), nn.Linear(3, 1, bias=False)], r"layer 1 .* bias"),
    (lambda nn: [nn.Linear(2, 3), nn.Linear(4, 1)], r"layer 1 .* takes 4 inputs but layer 0"),
    (lambda nn: [nn.Linear(2, 3), nn.Sequential(nn.Conv1d(1, 1, 1))], r"layer 1\.0 \(Conv1d"),
    (lambda nn: [], "no Linear layer"),
]


@pytest.mark.parametrize("build, message", REFUSED)
def test_anything_but_linear_layers_and_activations_is_refused_by_name(torch, build, message):
    with pytest.raises(ValueError, match=message):
        from_torch(torch.nn.Sequential(*build(torch.nn)))


def test_a_module_with_its_own_forward_is_refused(torch):
    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = torch.nn.Linear(2, 1)

        def forward(self, x):
            return self.fc(x).relu()

    with pytest.raises(TypeError, match="got Net; write the model as nn.Sequential"):
        from_torch(Net())
    with pytest.raises(TypeError, match="to_torch takes an MLP, Layer, Neuron or Loss, got int"):
        to_torch(3)


def test_an_activation_or_loss_without_a_pytorch_form_is_named(torch):
    from nn import Loss

    model = MLP(2, [1], rng=0)
    model.layers[0].neurons[0].activation = "mish"  # as if an activation joined the table
    with pytest.raises(ValueError, match="no PyTorch module for the activation 'mish'"):
        to_torch(model)
    with pytest.raises(ValueError, match="no PyTorch form for the loss 'squared_log'"):
        to_torch(Loss("squared_log", lambda o, t: (o - t) ** 2))
