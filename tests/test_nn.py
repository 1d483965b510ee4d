"""Modules: sizes, initialization, explicit weights, calls and their errors, saving."""

import json
import math
import os
from pathlib import Path

import numpy as np
import pytest

from autograd import Value, gradcheck, topo_order
from nn import MLP, Layer, Neuron, load, mse


def test_micrograd_sized_mlp_has_337_parameters():
    model = MLP(2, [16, 16, 1], rng=0)
    assert len(model.parameters()) == 2 * 16 + 16 + 16 * 16 + 16 + 16 + 1 == 337
    names = [name for name, _ in model.named_parameters()]
    assert names[:3] == ["layers.0.neurons.0.w0", "layers.0.neurons.0.w1", "layers.0.neurons.0.b"]
    assert len(set(names)) == 337


def test_default_activations_follow_micrograd():
    model = MLP(2, [3, 1], rng=0)
    model.set_weights([[[1, 0], [-1, 0], [0, 1]], [[1, 1, 1]]], [[0, 0, 0], [-5.0]])
    # hidden relu([x0, -x0, x1]) with x = (2, -3): [2, 0, 0]; output linear 2 - 5
    assert model([2.0, -3.0]).data == -3.0


def test_every_activation_and_no_bias():
    x = [0.5, -1.0]
    for name, f in [
        ("linear", lambda z: z),
        ("relu", lambda z: max(z, 0)),
        ("leaky_relu", lambda z: z if z > 0 else 0.01 * z),
        ("tanh", math.tanh),
        ("sigmoid", lambda z: 1 / (1 + math.exp(-z))),
    ]:
        n = Neuron(2, activation=name, bias=False, weights=[2.0, 1.5])
        assert n.b is None and len(n.parameters()) == 2
        assert math.isclose(n(x).data, f(2.0 * 0.5 - 1.5), rel_tol=1e-15)


def test_neuron_sum_is_one_node_with_every_weight_and_input_as_parent():
    n = Neuron(3, activation="linear", weights=[1.0, 2.0, 3.0])
    xs = [Value(v) for v in (1.0, 1.0, 1.0)]
    out = n(xs)
    dot = out.parents[0]
    assert dot.op == "dot" and dot.parents == (n.w[0], xs[0], n.w[1], xs[1], n.w[2], xs[2])
    assert len(topo_order(out)) == 3 + 3 + 1 + 2  # leaves, bias, dot, add


def test_a_weight_replaced_by_a_number_is_named():
    for nin in (1, 3):
        neuron = Neuron(nin)
        neuron.w[0] = 0.5  # set_weights or neuron.w[0].data = 0.5 keep it a Value
        with pytest.raises(TypeError, match="dot: input 0 is float 0.5, not a Value"):
            neuron([1.0] * nin)


def test_parameters_come_in_the_order_of_their_names():
    for part in (MLP(3, [4, 2], rng=0), Layer(3, 2, rng=0), Neuron(2), Neuron(2, bias=False)):
        assert part.parameters() == [p for _, p in part.named_parameters()]


def test_initialization_is_reproducible_and_follows_its_rule():
    a, b = MLP(4, [50, 1], rng=7), MLP(4, [50, 1], rng=np.random.default_rng(7))
    assert a.state_dict() == b.state_dict()
    assert a.state_dict() != MLP(4, [50, 1], rng=8).state_dict()
    w = np.array([[p.data for p in n.w] for n in Layer(100, 200, init="uniform", rng=0).neurons])
    assert w.min() >= -1 and w.max() <= 1 and abs(w.mean()) < 0.02
    w = np.array([[p.data for p in n.w] for n in Layer(100, 200, init="xavier", rng=0).neurons])
    assert np.abs(w).max() <= math.sqrt(6 / 300) and abs(w.var() - 2 / 300) < 2e-4
    w = np.array([[p.data for p in n.w] for n in Layer(100, 200, init="he", rng=0).neurons])
    assert abs(w.std() - math.sqrt(2 / 100)) < 0.003
    assert all(n.b.data == 0.0 for n in Layer(3, 4, rng=0).neurons)


def test_set_weights_checks_shapes_and_changes_nothing_on_error():
    model = MLP(2, [2, 1], bias=False, rng=0)
    before = model.state_dict()
    with pytest.raises(ValueError, match=r"layer 1 weights must have shape \(1, 2\), got \(2, 1\)"):
        model.set_weights([np.eye(2), [[1.0], [2.0]]])
    with pytest.raises(ValueError, match="no biases"):
        model.set_weights([np.eye(2), [[1.0, 2.0]]], [[0, 0], [0]])
    with pytest.raises(ValueError, match="must be numbers"):
        model.set_weights([[[1, "a"], [0, 1]], [[1.0, 2.0]]])
    assert model.state_dict() == before
    model.set_weights([np.array([[1.0, 2.0], [3.0, 4.0]]), [[0.5, -1.0]]])
    # x = (1, 1): hidden relu(3), relu(7); out 0.5·3 - 7
    assert model([1, 1]).data == -5.5


def test_outputs_and_input_size_errors():
    model = MLP(3, [4, 2], rng=0)
    out = model([1.0, 2.0, 3.0])
    assert isinstance(out, list) and len(out) == 2
    assert isinstance(MLP(3, [1], rng=0)(np.array([1.0, 2.0, 3.0])), Value)
    with pytest.raises(ValueError, match="MLP expects 3 inputs, got 2"):
        model([1.0, 2.0])
    with pytest.raises(TypeError, match="list of 3 inputs"):
        model(1.0)
    with pytest.raises(ValueError, match="unknown activation 'elu'"):
        MLP(2, [1], activation="elu")
    with pytest.raises(ValueError, match="unknown init"):
        MLP(2, [1], init="zeros")
    with pytest.raises(TypeError, match="rng must be"):
        MLP(2, [1], rng="seed")


def test_zero_grad_clears_every_parameter():
    model = MLP(2, [3, 1], rng=0)
    mse([model([1.0, 2.0])], [0.5]).backward()
    assert any(p.grad for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_gradcheck_on_an_mlp_loss():
    model = MLP(3, [4, 3, 1], activation="tanh", rng=3)
    samples, targets = ([1.0, -2.0, 0.5], [0.3, 0.3, -1.0]), [0.7, -0.2]

    def loss(*params):
        _use_parameters(model, params)
        return mse([model(x) for x in samples], targets)

    report = gradcheck(loss, [p.data for p in model.parameters()])
    assert report, str(report)
    assert len(report.rows) == 4 * 4 + 3 * 5 + 4


def _use_parameters(model, values):
    """Put the given Values in the model's place of its own parameters, in order."""
    it = iter(values)
    for layer in model.layers:
        for neuron in layer.neurons:
            neuron.w = [next(it) for _ in neuron.w]
            neuron.b = next(it)


def test_save_then_load_gives_identical_outputs(tmp_path):
    model = MLP(2, [5, 3], activation="tanh", output_activation="sigmoid", rng=1)
    path = model.save(tmp_path / "m.json")
    again = MLP.load(path)
    assert again.architecture() == model.architecture()
    for x in ([0.1, 0.2], [-3.0, 4.0]):
        assert [v.data for v in again(x)] == [v.data for v in model(x)]
    assert load(path).state_dict() == model.state_dict()
    assert json.loads((tmp_path / "m.json").read_text())["format"] == "chainrule.MLP"


def test_bad_files_raise_and_change_nothing(tmp_path):
    model = MLP(2, [3, 1], rng=1)
    good = tmp_path / "good.json"
    model.save(good)
    other = MLP(2, [4, 1], rng=2)
    before = other.state_dict()
    with pytest.raises(ValueError, match="another architecture"):
        other.restore(good)
    truncated = tmp_path / "cut.json"
    truncated.write_text(good.read_text()[:100])
    with pytest.raises(ValueError, match="not valid JSON"):
        other.restore(truncated)
    with pytest.raises(ValueError, match="not valid JSON"):
        MLP.load(truncated)
    doc = json.loads(good.read_text())
    doc["parameters"]["layers.1.neurons.0.b"] = "0.5; import os"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc))
    target = MLP(2, [3, 1], rng=5)
    kept = target.state_dict()
    with pytest.raises(ValueError, match="'layers.1.neurons.0.b' must be a number"):
        target.restore(bad)
    assert target.state_dict() == kept and other.state_dict() == before
    with pytest.raises(ValueError, match="not a chainrule model file"):
        bad.write_text("[1, 2]")
        MLP.load(bad)


def test_a_crash_mid_write_leaves_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "m.json"
    MLP(2, [1], rng=0).save(path)
    old = path.read_text()

    def crash(document, out, **kwargs):
        out.write('{"format": "chainrule.MLP", "vers')
        raise KeyboardInterrupt

    monkeypatch.setattr(json, "dump", crash)
    with pytest.raises(KeyboardInterrupt):
        MLP(2, [1], rng=9).save(path)
    assert path.read_text() == old
    assert [p.name for p in tmp_path.iterdir()] == ["m.json"]


@pytest.mark.parametrize(
    "name, by_hand",
    [
        ("gelu", lambda z: z * 0.5 * math.erfc(-z / math.sqrt(2))),
        ("silu", lambda z: z / (1 + math.exp(-z))),
        ("swish", lambda z: z / (1 + math.exp(-z))),
    ],
)
def test_smooth_activations_by_name(name, by_hand):
    neuron = Neuron(2, activation=name, weights=[0.5, -1.0])
    out = neuron([Value(1.0), Value(0.25)])  # z = 0.5 - 0.25 + 0
    assert math.isclose(out.data, by_hand(0.25), rel_tol=1e-15)
    model = MLP(2, [3, 1], activation=name, rng=0)
    assert model.activation == name and isinstance(model([0.5, -0.5]), Value)


# -- model files: modes, stale temporaries, refusals before any work ----------------


def _mode(path):
    import stat

    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.skipif(os.name != "posix", reason="file modes and umask are POSIX")
def test_save_gives_a_new_file_the_umask_mode_and_keeps_an_existing_files_mode(tmp_path):
    model = MLP(2, [1], rng=0)
    old = os.umask(0o022)  # the test's own process: the mode a fresh file gets
    try:
        fresh = tmp_path / "fresh.json"
        model.save(fresh)
        assert _mode(fresh) == 0o644  # 0o666 less the umask, as open() gives
        kept = tmp_path / "kept.json"
        kept.write_text("{}")
        kept.chmod(0o640)
        model.save(kept)
        assert _mode(kept) == 0o640 and load(kept).state_dict() == model.state_dict()
    finally:
        os.umask(old)


def test_a_killed_save_leaves_a_temporary_that_the_next_save_removes(tmp_path):
    import subprocess
    import sys
    import time

    from nn.saving import STALE_AFTER, TEMP_SUFFIX

    path = tmp_path / "m.json"
    killed = (
        "import json, os, signal, sys\n"
        "from nn import MLP\n"
        "def dump(document, out, **kw):\n"
        "    out.write('{\"format\"'); out.flush(); os.kill(os.getpid(), signal.SIGKILL)\n"
        "json.dump = dump\n"
        f"MLP(2, [1], rng=0).save({str(path)!r})\n"
    )
    if os.name != "posix":
        pytest.skip("SIGKILL is POSIX")
    run = subprocess.run([sys.executable, "-c", killed], cwd=Path(__file__).parents[1])
    assert run.returncode == -9
    (left,) = tmp_path.iterdir()
    assert left.name.startswith(".m.json.") and left.name.endswith(TEMP_SUFFIX)
    busy = tmp_path / f".m.json.0000{TEMP_SUFFIX}"  # a save in progress right now
    busy.write_text("{")
    aged = time.time() - STALE_AFTER - 1
    os.utime(left, (aged, aged))
    MLP(2, [1], rng=0).save(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [busy.name, "m.json"]


def test_a_non_finite_weight_is_refused_at_save_naming_it(tmp_path):
    model = MLP(2, [2, 1], rng=0)
    weight = model.layers[0].neurons[1].w[0]
    with pytest.raises(ValueError, match=r"set data of Value 'layers.0.neurons.1.w0' to nan"):
        weight.data = math.nan  # refused at once since issue 26 (item 18)
    weight._data = math.nan  # the field the ops write, unchecked: save still checks
    with pytest.raises(ValueError, match=r"parameter 'layers.0.neurons.1.w0' is nan"):
        model.save(tmp_path / "m.json")
    assert list(tmp_path.iterdir()) == []


def test_load_checks_the_claimed_size_against_the_weights_before_building(tmp_path):
    import tracemalloc

    small = MLP(2, [3, 1], rng=0)  # 13 weights
    doc = json.loads(Path(small.save(tmp_path / "m.json")).read_text())
    doc["architecture"].update(nin=1500, nouts=[1500, 1500])
    claims = tmp_path / "claims.json"
    claims.write_text(json.dumps(doc))
    tracemalloc.start()
    try:
        with pytest.raises(
            ValueError, match=r"claims.json describes an MLP of 4503000 weights but holds 13"
        ):
            load(claims)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000  # building 1500×1500 Values would take hundreds of MB
    assert 1500 * 1501 + 1500 * 1501 == 4503000  # the count, by hand (biases included)
    doc["architecture"].update(nin=0, nouts=[1])
    claims.write_text(json.dumps(doc))
    with pytest.raises(ValueError, match="describes no valid MLP: nin 0"):
        load(claims)


def test_a_file_that_is_not_utf8_is_named(tmp_path):
    path = tmp_path / "latin.json"
    path.write_bytes(b'{"format": "chainrule.MLP \xe9"}')
    with pytest.raises(ValueError, match=r"latin.json is not UTF-8 text"):
        load(path)


def test_saving_onto_a_directory_names_the_directory(tmp_path):
    folder = tmp_path / "models"
    folder.mkdir()
    with pytest.raises(IsADirectoryError, match=f"save: {folder} is a directory") as err:
        MLP(2, [1], rng=0).save(folder)
    assert "chainrule-tmp" not in str(err.value) and [p.name for p in tmp_path.iterdir()] == [
        "models"
    ]
    with pytest.raises(FileNotFoundError, match=r"the folder .*nowhere of .*m.json does not exist"):
        MLP(2, [1], rng=0).save(tmp_path / "nowhere" / "m.json")


@pytest.mark.parametrize(
    ("make", "error", "words"),
    [
        (lambda: MLP(2.5, [1]), TypeError, r"MLP: nin \(the number of inputs\) must be a whole"),
        (lambda: MLP(0, [1]), ValueError, r"nin .* >= 1, as in MLP\(2, \[16, 16, 1\]\); got 0"),
        (lambda: MLP("2", [1]), TypeError, "nin .*; got str '2'"),
        (lambda: MLP(2, [16, 1.0]), TypeError, r"nouts\[1\] \(a layer's number of neurons\)"),
        (lambda: MLP(2, [0]), ValueError, r"nouts\[0\] .*; got 0"),
        (lambda: MLP(2, [True]), TypeError, r"nouts\[0\] .*; got bool True"),
        (lambda: Neuron(2.5), TypeError, r"Neuron: nin .* as in Neuron\(3\); got float 2.5"),
        (lambda: Layer(2, 0), ValueError, r"Layer: nout \(the number of neurons\)"),
    ],
)
def test_sizes_that_are_not_whole_numbers_name_the_argument(make, error, words):
    with pytest.raises(error, match=words):
        make()


def test_numpy_integer_sizes_are_plain_ints_in_the_architecture():
    model = MLP(np.int64(2), [np.int64(3), np.int32(1)], rng=0)
    assert model.architecture()["nin"] == 2 and type(model.architecture()["nin"]) is int
    assert all(type(n) is int for n in model.architecture()["nouts"])


def test_a_batch_where_one_sample_belongs_says_how_to_call_the_model():
    model = MLP(2, [1], rng=0)
    per_row = r"\[model\(x\) for x in X\]"
    with pytest.raises(ValueError, match=rf"one sample, 2 numbers, but input 0 holds 2.*{per_row}"):
        model([[1.0, 2.0], [3.0, 4.0]])
    with pytest.raises(ValueError, match=rf"array of shape \(2, 2\).*{per_row}"):
        model(np.array([[1.0, 2.0], [3.0, 4.0]]))
    # before, a (2, 2) array was flattened: a model of 4 inputs took a batch as one sample
    with pytest.raises(ValueError, match=r"array of shape \(2, 2\)"):
        MLP(4, [1], rng=0)(np.array([[1.0, 2.0], [3.0, 4.0]]))
    with pytest.raises(
        ValueError, match=rf"expects 2 inputs, got 3 \(a batch of 3 samples.*{per_row}"
    ):
        model([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    with pytest.raises(TypeError, match="MLP: input 1 is str 'a'; each input is a number"):
        model([1.0, "a"])
    # one sample, as a list, a tuple or a 1-D array, still works: by hand, w·x + b
    w = [p.data for p in model.layers[0].neurons[0].w]
    want = w[0] * 1.0 + w[1] * 2.0 + 0.0
    for x in ([1.0, 2.0], (1.0, 2.0), np.array([1.0, 2.0])):
        assert model(x).data == want
