"""The explorer's state, computed in Python: it must be the stepper's, backward()'s and a
fresh forward's, and it must leave the learner's graph alone."""

import math
import re

import pytest

from autograd import Value, describe
from autograd.explain.text import num
from autograd.explain.timeline import forward_steps_of
from nn import MLP, mse
from tests.helpers import lecture_graph, product_plus_tanh
from tests.pages import without_graphviz
from viz import explore
from viz.diagram import GraphTooLarge
from viz.explore import explore_state
from viz.panel import MAX_PATHS
from viz.render import render


def _by_name(state, key):
    return {state["names"][i]: value for i, value in state[key].items()}


def _fresh_grads(L):
    L.backward()
    return {name: node.grad for node, name in describe(L).names.items()}


def test_state_is_the_steppers_steps_and_backwards_grads():
    _, L = lecture_graph()
    state = explore(L).state
    stepper = L.backward_steps()
    assert [s["line"] for s in state["steps"]] == [s.line for s in stepper.finish()]
    grads = dict(state["start"])
    for step in state["steps"]:
        grads[step["parent"]] = step["grad"]
    _, fresh = lecture_graph()
    by_name = {state["names"][i]: float(g) for i, g in grads.items()}
    assert by_name == _fresh_grads(fresh)
    assert by_name == {"a": 6.0, "b": -4.0, "c": -2.0, "f": 4.0, "e": -2.0, "d": -2.0, "L": 1.0}
    described = describe(L)
    assert state["forward"] == [
        {
            "node": f"v{described.index[s.node]}",
            "inputs": [f"v{described.index[p]}" for p in s.node.parents],
            "line": s.line,
        }
        for s in forward_steps_of(described)
    ]
    assert [s["line"] for s in state["forward"]] == [
        "e = a * b = -6.0    [from 2.0, -3.0]",
        "d = e + c = 4.0    [from -6.0, 10.0]",
        "L = d * f = -8.0    [from 4.0, -2.0]",
    ]


def test_panel_has_the_formula_the_rules_in_the_learners_names_and_the_shares():
    _, L = lecture_graph()
    panels = {p["name"]: p for p in explore(L).state["nodes"].values()}
    e = panels["e"]
    assert (e["op"], e["formula"], e["data"], e["grad"]) == ("mul", "e = a * b", "-6.0", "-2.0")
    assert e["inputs"] == ["∂e/∂a = b = -3.0", "∂e/∂b = a = 2.0"]
    assert e["built"] == ["∂d/∂e · d.grad = (1.0)(-2.0) = -2.0", "e.grad = -2.0"]
    assert panels["L"]["built"] == ["L.grad = 1.0    (the root: ∂L/∂L = 1)"]
    assert panels["a"]["leaf"] and panels["a"]["inputs"] == []


def test_a_reused_node_lists_one_share_per_consumer_then_the_total():
    b = Value(3.0, label="b")
    y = b * b + b  # dy/db = 2b + 1 = 7 by hand
    y.label = "y"
    state = explore(y).state
    panel = next(p for p in state["nodes"].values() if p["name"] == "b")
    shares = [float(re.search(r"= (\S+)$", line).group(1)) for line in panel["built"][:-1]]
    assert sorted(shares) == [1.0, 3.0, 3.0]
    assert panel["built"][-1] == "b.grad = (1.0) + (3.0) + (3.0) = 7.0"
    paths = state["paths"][next(i for i, n in state["names"].items() if n == "b")]
    assert paths["count"] == 3 and len(paths["paths"]) == 3
    assert sum(p["product"] for p in paths["paths"]) == 7.0
    assert paths["summary"].endswith("= 7.0 = b.grad")
    assert sum("[b as input" in p["line"] for p in paths["paths"]) == 2  # b*b: two slots


def test_paths_are_capped_and_their_count_is_exact():
    x = Value(1.0, label="x")
    node = x
    for _ in range(30):
        node = node * node  # every level doubles the paths: 2**30 of them
    state = explore(node).state
    paths = state["paths"]["v0"]
    assert paths["count"] == 2**30 and len(paths["paths"]) == MAX_PATHS
    assert f"showing {MAX_PATHS} of 1,073,741,824 paths" in paths["summary"]
    assert paths["grad"] == num(2.0**30)  # d(x**(2**30))/dx at 1
    assert all(p["product"] == 1.0 for p in paths["paths"])


def test_path_products_sum_to_the_grad_on_a_graph_with_many_paths():
    a, b = Value(0.7, label="a"), Value(-1.3, label="b")
    c = a * b + a.tanh()
    d = (c * a).exp() + c.sigmoid() * b
    L = d * d + c
    state = explore(L).state
    L.backward()
    for leaf, name in ((a, "a"), (b, "b")):
        paths = state["paths"][next(i for i, n in state["names"].items() if n == name)]
        assert paths["count"] == len(paths["paths"]) <= MAX_PATHS
        assert math.isclose(sum(p["product"] for p in paths["paths"]), leaf.grad, rel_tol=1e-12)


def test_exploring_changes_no_data_and_no_grad_of_the_graph(tmp_path):
    leaves, L = lecture_graph()
    L.backward()
    nodes = describe(L).order
    held = [(n.data, n.grad) for n in nodes]
    page = explore(L).save(tmp_path / "x.html").read_text()
    assert [(n.data, n.grad) for n in nodes] == held
    # two diagrams: the scalar graph, and its blocks (autograd.lift)
    assert without_graphviz(page).count("digraph") == 2 and "mountExplorer(" in page
    assert not re.search(r"<script[^>]+src|<link|<img|@import|url\(", without_graphviz(page))


def test_editing_a_leaf_is_a_fresh_forward_and_backward():
    leaves, L = lecture_graph()
    x = explore(L)
    x.set_value("a", 3.5)
    state = x.state
    (a2, *_), fresh = lecture_graph(a=3.5)
    fresh_data = {name: num(n.data) for n, name in describe(fresh).names.items()}
    assert _by_name(state, "data") == fresh_data
    final = dict(state["start"])
    for step in state["steps"]:
        final[step["parent"]] = step["grad"]
    got = {state["names"][i]: float(g) for i, g in final.items()}
    assert got == _fresh_grads(fresh)
    assert leaves[0].data == 3.5 and L.data == fresh.data  # the user edited: data follows
    assert all(n.grad == 0.0 for n in describe(L).order)  # never .grad
    x.set_value("v1", -1.0)  # by id, as the panel sends it
    assert leaves[1].data == -1.0 and L.data == (3.5 * -1.0 + 10.0) * -2.0


def test_an_edit_that_breaks_an_op_changes_nothing_and_says_why():
    x = Value(2.0, label="x")
    y = x.log()
    y.label = "y"
    z = y * 3
    exploration = explore(z)
    before = exploration.state
    with pytest.raises(ValueError, match=r"x = -1.0: y = log\(x\) fails .*nothing was changed"):
        exploration.set_value("x", -1.0)
    assert (x.data, y.data, z.data) == (2.0, math.log(2.0), 3 * math.log(2.0))
    assert exploration.state is before
    with pytest.raises(ValueError, match="y is computed .* edit one of the leaves"):
        exploration.set_value("y", 1.0)
    with pytest.raises(ValueError, match="'w' is not a node of this graph"):
        exploration.set_value("w", 1.0)
    with pytest.raises(ValueError, match="not a finite number"):
        exploration.set_value("x", float("nan"))


def test_a_graph_over_the_budget_opens_on_its_blocks_naming_the_views_that_fit():
    _, L = lecture_graph()
    state = explore(L, max_nodes=5).state
    assert "steps" not in state and re.search("7 values.*focus=.*collapse=model", state["note"])
    assert "depth=" not in state["note"]
    assert state["blocks"]["count"] == 3 and "L = d ⊙ f" in state["blocks"]["dot"]
    with pytest.raises(GraphTooLarge, match="7 values.*focus=.*collapse=model"):
        explore_state(L, max_nodes=5, lifted=False)  # no blocks view (no numpy): refused
    focused = explore(L, focus=L.parents[0], max_nodes=5).state  # d = e + c: 5 values
    assert sorted(focused["names"].values()) == ["a", "b", "c", "d", "e"]


def _batch():
    model = MLP(2, [3, 1], rng=0)
    X = [[0.5, -1.0], [1.5, 0.25], [-0.75, 2.0]]
    Y = [1.0, -1.0, 0.5]
    outs = [model(x) for x in X]
    return model, X, Y, mse(outs, Y)


def test_a_models_loss_offers_the_collapsed_view_and_one_samples_graph():
    model, X, Y, loss = _batch()
    x = explore(loss, collapse=model, sample=1)
    assert x.state["model"]["samples"] == 3 and x.state["model"]["sample"] == 1
    svg = render(x.state["model"]["dot"], "svg").decode()
    assert "3 neuron(s), relu(Σ w·x + b)" in svg and "1 neuron(s), linear(Σ w·x + b)" in svg
    # the explored graph is sample 1's own term, (o - y)²: check it against a fresh one
    term = x.top
    params = model.parameters()
    d = model(X[1]) - Y[1]
    (d * d).backward()
    expected = [p.grad for p in params]
    for p in params:
        p.grad = 0.0
    final = dict(x.state["start"])
    for step in x.state["steps"]:
        final[step["parent"]] = step["grad"]
    index = describe(term).index
    assert [final[f"v{index[p]}"] for p in params] == [num(g) for g in expected]
    assert math.isclose(term.data, (model(X[1]).data - Y[1]) ** 2, rel_tol=1e-12)
    x.choose_sample(2)
    assert x.state["model"]["sample"] == 2
    with pytest.raises(ValueError, match="sample=3: the loss has 3 sample"):
        x.choose_sample(3)
    assert x.state["model"]["sample"] == 2


def test_the_widget_syncs_the_state_and_recomputes_on_an_edit():
    pytest.importorskip("anywidget", reason="anywidget is not installed (the interactive extra)")
    leaves, L = lecture_graph()
    exploration = explore(L)
    widget = exploration.widget()
    assert widget.state == exploration.state and "export default" in widget._esm
    widget._message(widget, {"type": "edit", "node": "v0", "value": 1.0})
    assert widget.error == "" and leaves[0].data == 1.0
    assert _by_name(widget.state, "data")["L"] == num((1.0 * -3.0 + 10.0) * -2.0)
    widget._message(widget, {"type": "edit", "node": "v2", "value": 1.0})  # e: computed
    assert "e is computed" in widget.error and leaves[0].data == 1.0
    data, _ = exploration._repr_mimebundle_()  # the widget's view, as Jupyter shows it
    assert "application/vnd.jupyter.widget-view+json" in data


def test_quiz_state_holds_the_answers_and_slips_by_hand():
    quiz = explore(product_plus_tanh()[2]).state["quiz"]
    slips = [[{s["mistake"]: s["value"] for s in q["slips"]} for q in step] for step in quiz]
    # backward order: out→c, out→t, t→a, c→a, c→b; two questions each
    assert [[q["kind"] for q in step] for step in quiz] == [["local", "share"]] * 3 + [
        ["local", "grad"],
        ["local", "share"],
    ]
    tanh_local = 1 - math.tanh(2.0) ** 2
    assert math.isclose(quiz[2][0]["answer"], tanh_local, rel_tol=1e-15)
    assert slips[2][0]["uses_input"] == 1 - 2.0**2  # tanh's rule fed the input a = 2
    assert quiz[3][0]["answer"] == -3.0 and slips[3][0] == {"sign": 3.0, "other_input": 2.0}
    # a is used twice: after c's share, a.grad = tanh's share + b
    assert math.isclose(quiz[3][1]["answer"], tanh_local - 3.0, rel_tol=1e-15)
    assert slips[3][1]["earlier_share"] == -3.0  # this share alone
    held = num(tanh_local)
    assert quiz[3][1]["prompt"] == f"a.grad after adding ∂c/∂a · c.grad (it holds {held}) ?"


def test_quiz_state_says_what_steps_quiz_says_to_each_answer():
    out = product_plus_tanh()[2]
    quiz = explore(out).state["quiz"]

    def options(q):
        wrong = q["answer"] * 10 + 7  # no slip gives this
        return (
            [(q["answer"], q["right"])]
            + [(s["value"], f"not {num(s['value'])}: {s['text']}") for s in q["slips"]]
            + [(wrong, f"not {num(wrong)}: {q['otherwise']}")]
        )

    for pick in range(4):
        answers, said = [], []
        for step in quiz:
            for q in step:
                choices = options(q)
                value, text = choices[pick % len(choices)]
                answers.append(repr(value))
                said.append(text)
        report = out.backward_steps().quiz(answers, show=lambda _: None)
        assert [a.feedback for a in report.answers] == said
        assert [a.question.prompt for a in report.answers] == [q["prompt"] for s in quiz for q in s]
    assert out.grad == 0.0  # the quiz never touches .grad
