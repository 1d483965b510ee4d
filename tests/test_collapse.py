"""collapse=model: one box per layer, a row per neuron over the batch, shares on few edges."""

import math
import re

import pytest

from autograd import Value, topo_order
from nn import MLP, mse
from tests.helpers import lecture_demo_loss
from tests.picture import chain_rule_problems, read_svg
from viz import draw_dot
from viz.diagram import GraphTooLarge


def _layers(svg: str) -> dict[str, list[str]]:
    """Each drawn box's texts, by its title (the first text)."""
    return {texts[0]: texts for texts in read_svg(svg)[0].values()}


def _column(texts: list[str], header: str) -> list[str]:
    """The cells under ``header``: a box's columns are drawn one after another, and its
    first column (``neuron`` or ``input``) starts at its third text."""
    rows = next(i for i, t in enumerate(texts) if t.startswith("data")) - 3
    start = texts.index(header) + 1
    return texts[start : start + rows]


def test_one_sample_by_hand_a_row_per_neuron_and_the_layers_total():
    model = MLP(2, [3, 1], rng=0)
    x = [1.0, 2.0]
    out = model(x)
    loss = mse([out], [0.5])
    loss.backward()
    diagram = draw_dot(loss, collapse=model)
    assert repr(diagram).startswith("<Diagram: 4 boxes")  # inputs, 2 layers, the rest
    assert "w0" not in diagram.source  # the parameters are inside the rows
    svg = diagram.svg()
    assert chain_rule_problems(svg) == []
    boxes = _layers(svg)
    hidden = boxes["layers.0: 3 neuron(s), relu(Σ w·x + b)"]
    # by hand: ∂loss/∂out = 2(out - 0.5); ∂out/∂h_j = w2_j; h_j = relu(Σ w_jk x_k + b_j)
    d_out = 2 * (out.data - 0.5)
    top = model.layers[1].neurons[0]
    sums = [
        sum(w.data * xk for w, xk in zip(n.w, x, strict=True)) + n.b.data
        for n in model.layers[0].neurons
    ]
    h = [max(0.0, z) for z in sums]
    d_h = [d_out * top.w[j].data for j in range(3)]
    assert _column(hidden, "neuron") == ["0", "1", "2"]
    assert [float(v) for v in _column(hidden, "data")] == [float(f"{v:.6g}") for v in h]
    assert [float(g) for g in _column(hidden, "grad")] == [float(f"{g:.6g}") for g in d_h]
    assert f"grad {d_out:.6g}" in boxes["layers.1: 1 neuron(s), linear(Σ w·x + b)"]
    focused = draw_dot(loss, focus=out, collapse=model).source
    assert "rest of the graph" not in focused and focused.count("(Σ w·x + b)") == 2


class _Scrambled:
    """A neuron whose code reads its inputs in the order 2, 0, 1."""

    def __init__(self) -> None:
        self.w = [Value(0.5), Value(-1.0), Value(2.0)]
        self.b = Value(0.25)
        self.activation = "tanh"

    def __call__(self, x: list[Value]) -> Value:
        return sum((self.w[k] * x[k] for k in (2, 0, 1)), self.b).tanh()


def test_inputs_are_listed_by_position():
    model = _Scrambled()
    out = model([Value(float(k) + 1) for k in range(3)])
    out.backward()
    texts = _layers(draw_dot(out, collapse=model).svg())["inputs"]
    assert _column(texts, "input") == ["x[0]", "x[1]", "x[2]"]


def test_micrograds_demo_is_five_boxes_without_crossings():
    model, loss = lecture_demo_loss()
    loss.backward()
    size = len(topo_order(loss))
    held = [(p.data, p.grad) for p in model.parameters()]
    diagram = draw_dot(loss, collapse=model)
    assert repr(diagram) == "<Diagram: 5 boxes, 15 lines of DOT>"  # not 65,818 nodes
    assert size > 60_000
    with pytest.raises(GraphTooLarge, match=f"{size:,} values.*focus=.*depth=.*collapse=model"):
        draw_dot(loss)
    svg = diagram.svg()
    assert [(p.data, p.grad) for p in model.parameters()] == held
    width, height = map(float, re.search(r'width="([\d.]+)pt" height="([\d.]+)pt', svg).groups())
    assert width < 2000 and height < 800  # was 2656 x 9761
    nodes, edges = read_svg(svg)
    assert len(edges) == 4  # inputs → layer 0 → layer 1 → layer 2 → the rest
    assert chain_rule_problems(svg) == []
    boxes = _layers(svg)
    for title, count in [("layers.0", 16), ("layers.1", 16), ("layers.2", 1)]:
        (texts,) = [t for k, t in boxes.items() if k.startswith(f"{title}: {count} neuron(s)")]
        rows = [float(g) for g in _column(texts, "grad (Σ)")]
        assert len(rows) == count
        total = float(texts[1].removeprefix("grad "))
        assert math.isclose(sum(rows), total, rel_tol=1e-5, abs_tol=1e-5)
    assert _column(boxes["inputs"], "input") == ["x[0]", "x[1]"]


def test_a_lone_neuron_and_a_lone_layer_are_one_box_each():
    from nn import Layer, Neuron

    neuron = Neuron(3, rng=0)
    out = neuron([1.0, 2.0, -3.0])
    loss = (out - 1.0) ** 2
    loss.backward()
    boxes = _layers(draw_dot(loss, collapse=neuron).svg())
    (title,) = [t for t in boxes if "neuron(s)" in t]
    assert title.startswith("neuron: 1 neuron(s)")
    layer = Layer(2, 3, rng=0)
    outs = layer([1.0, -1.0])
    total = sum((o * o for o in outs), Value(0.0))
    total.backward()
    svg = draw_dot(total, collapse=layer).svg()
    boxes = _layers(svg)
    (texts,) = [t for k, t in boxes.items() if k.startswith("layer: 3 neuron(s)")]
    assert _column(texts, "neuron") == ["0", "1", "2"]
    # by hand: ∂(Σ o²)/∂o_j = 2 o_j
    assert [float(g) for g in _column(texts, "grad")] == [float(f"{2 * o.data:.6g}") for o in outs]
    assert chain_rule_problems(svg) == []
