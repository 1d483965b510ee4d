"""nn.load on hostile files: every refusal is a ValueError that names the file
(issue 26, item 17), and a refused restore changes no weight."""

import json
import sys

import pytest

from nn import MLP, load


@pytest.fixture
def saved(tmp_path):
    model = MLP(2, [1], rng=0)  # weights layers.0.neurons.0.w0, .w1 and .b
    path = tmp_path / "good.json"
    model.save(path)
    return path, json.loads(path.read_text())


def _bias_written_as(text, saved):
    path, _ = saved
    good = path.read_text()
    assert '"layers.0.neurons.0.b": 0.0' in good  # biases start at 0
    return good.replace('"layers.0.neurons.0.b": 0.0', f'"layers.0.neurons.0.b": {text}')


def _edited(saved, change):
    _, document = saved
    copy = json.loads(json.dumps(document))
    change(copy)
    return json.dumps(copy)


HOSTILE = {
    # JSON nested past the interpreter's recursion limit: RecursionError before the fix
    "nested arrays": lambda saved: (
        "[" * (sys.getrecursionlimit() * 100) + "]" * (sys.getrecursionlimit() * 100)
    ),
    "nested objects": lambda saved: '{"a": ' * 100_000 + "1" + "}" * 100_000,
    # more digits than int() converts (4300): a ValueError without the file before the fix
    "a 5001-digit weight": lambda saved: _bias_written_as("1" * 5001, saved),
    "a 5001-digit size": lambda saved: (
        saved[0].read_text().replace('"nin": 2', '"nin": ' + "7" * 5001)
    ),
    "an infinite weight": lambda saved: _bias_written_as("1e999", saved),
    "a NaN weight": lambda saved: _bias_written_as("NaN", saved),
    "a list for a weight": lambda saved: _bias_written_as("[1.0]", saved),
    "true for a weight": lambda saved: _bias_written_as("true", saved),
    "null for a weight": lambda saved: _bias_written_as("null", saved),
    "a weight renamed": lambda saved: _edited(
        saved,
        lambda d: d["parameters"].update(zzz=d["parameters"].pop("layers.0.neurons.0.b")),
    ),
    "an unknown argument": lambda saved: _edited(saved, lambda d: d["architecture"].update(x=1)),
    "an unknown activation": lambda saved: _edited(
        saved, lambda d: d["architecture"].update(activation="bogus")
    ),
    "a list for an activation": lambda saved: _edited(
        saved, lambda d: d["architecture"].update(activation=["relu"])
    ),
    "a float layer size": lambda saved: _edited(
        saved, lambda d: d["architecture"].update(nouts=[1.0])
    ),
    "a string for bias": lambda saved: _edited(
        saved, lambda d: d["architecture"].update(bias="yes")
    ),
    "another version": lambda saved: _edited(saved, lambda d: d.update(version=2)),
    "no format": lambda saved: _edited(saved, lambda d: d.pop("format")),
    "an empty file": lambda saved: "",
    "a byte-order mark": lambda saved: "\ufeff" + saved[0].read_text(),
    "a list at the top": lambda saved: "[1, 2]",
    "a list of parameters": lambda saved: _edited(saved, lambda d: d.update(parameters=[1, 2, 3])),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_every_refusal_is_a_value_error_naming_the_file(case, saved, tmp_path):
    path = tmp_path / "hostile.json"
    path.write_text(HOSTILE[case](saved), encoding="utf-8")
    with pytest.raises(ValueError) as refused:
        load(path)
    assert str(path) in str(refused.value)
    assert "Traceback" not in str(refused.value)
    model = MLP(2, [1], rng=3)
    before = model.state_dict()
    with pytest.raises(ValueError) as refused:
        model.restore(path)
    assert str(path) in str(refused.value) and model.state_dict() == before


def test_the_messages_say_what_is_wrong(saved, tmp_path):
    path = tmp_path / "m.json"
    path.write_text("[" * 200_000 + "]" * 200_000)
    with pytest.raises(ValueError, match="m.json nests its JSON deeper than Python can read"):
        load(path)
    path.write_text(_bias_written_as("1" * 5001, saved))
    with pytest.raises(ValueError, match=r"m.json is not valid JSON .*5001 digits"):
        load(path)
    path.write_text(_bias_written_as("1e999", saved))
    with pytest.raises(
        ValueError, match=r"m.json: parameter 'layers.0.neurons.0.b' must be finite"
    ):
        load(path)
    path.write_text(_edited(saved, lambda d: d["architecture"].update(activation=["relu"])))
    with pytest.raises(ValueError, match=r"m.json describes no valid MLP: activation is a name"):
        load(path)


def test_a_good_file_still_loads_to_the_same_weights(saved):
    path, document = saved
    assert load(path).state_dict() == document["parameters"]
