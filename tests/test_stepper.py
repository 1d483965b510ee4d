"""The stepper prints each chain-rule step exactly, ends where backward ends, and
leaves every ``.grad`` of the graph as it found it."""

import re

import pytest

from autograd import Value, backward_timeline, check_nodes, graph_text, topo_order
from autograd.explain.text import num
from tests.helpers import lecture_graph, product_used_twice


def test_printed_lines_of_a_small_graph_use_the_nodes_names():
    a, b, c, d = product_used_twice()
    lines = [str(step) for step in d.backward_steps()]
    assert lines == [
        "c.grad += ∂d/∂c · d.grad = (1.0)(1.0) = 1.0  →  c.grad = 1.0    [add: ∂d/∂c = 1]",
        "c.grad += ∂d/∂c · d.grad = (1.0)(1.0) = 1.0  →  c.grad = 2.0    [add: ∂d/∂c = 1]",
        "a.grad += ∂c/∂a · c.grad = (-3.0)(2.0) = -6.0  →  a.grad = -6.0    [mul: ∂c/∂a = b]",
        "b.grad += ∂c/∂b · c.grad = (2.0)(2.0) = 4.0  →  b.grad = 4.0    [mul: ∂c/∂b = a]",
    ]


def test_the_lectures_expression_reads_in_its_own_names():
    # micrograd's lecture: L = d * f, d = e + c, e = a * b
    _, L = lecture_graph()
    first = next(L.backward_steps())
    assert first.rule == "∂L/∂d = f"
    assert str(first).endswith("[mul: ∂L/∂d = f]")
    assert "∂L/∂d = f = -2.0" in graph_text(L)


def test_step_exposes_its_parts():
    a, b, c, d = product_used_twice()
    steps = d.backward_steps()
    steps.step()
    steps.step()
    step = next(steps)
    assert (step.node, step.parent, step.slot) == (c, a, 0)
    assert (step.local, step.upstream, step.contribution) == (-3.0, 2.0, -6.0)
    assert (step.before, step.after) == (0.0, -6.0)
    assert step.op.name == "mul" and step.rule == "∂c/∂a = b"


def test_halfway_state_is_explained_and_the_graph_is_untouched():
    a, b, c, d = product_used_twice()
    steps = d.backward_steps()
    steps.step()
    assert steps.grad(c) == 1.0 and steps.grad(a) == 0.0
    assert [n.grad for n in (a, b, c, d)] == [0.0, 0.0, 0.0, 0.0]
    text = str(steps)
    assert text.startswith("backward from d: 1 of 4 steps")
    assert "next: c gets its share from d" in text
    rows = {line.split()[0]: line for line in text.splitlines()[4:]}
    assert rows["c"].endswith("partial: 1 of 2 shares added")
    assert rows["a"].endswith("waiting for 1 share")
    assert "root" in rows["d"]
    steps.finish()
    assert steps.done and steps.step() is None
    assert str(steps).count("final") == 3
    assert [n.grad for n in (a, b, c, d)] == [0.0, 0.0, 0.0, 0.0]


def _graph(xs):
    x, y, z = (Value(v, label=n) for v, n in zip(xs, "xyz", strict=True))
    h = (x * y + z).tanh()
    k = (h * x - y / z).sigmoid() + h.relu() * 3
    return [x, y, z], (k * k + h.exp()).log()


def test_stepping_to_the_end_gives_backwards_numbers_exactly():
    leaves, root = _graph((0.7, -1.3, 2.1))
    steps = root.backward_steps()
    taken = steps.finish()
    assert len(taken) == sum(len(n.parents) for n in topo_order(root))
    assert all(n.grad == 0.0 for n in topo_order(root))
    root.backward()
    # exactly: the same arithmetic in the same order
    assert all(steps.grad(n) == n.grad for n in topo_order(root))


@pytest.mark.parametrize("before", ["fresh", "after zero_grad", "after two backwards"])
def test_every_reader_agrees_with_one_backward_on_a_graph_with_fan_out(before):
    leaves, root = _graph((0.4, 1.1, -0.8))
    order = topo_order(root)
    if before != "fresh":
        root.backward()
        root.backward()
    if before == "after zero_grad":
        root.zero_grad()
    held = [n.grad for n in order]
    timeline = backward_timeline(root)
    stepper_grads = root.backward_steps()
    stepper_grads.finish()
    report = check_nodes(root)
    text = graph_text(root)
    assert [n.grad for n in order] == held  # no reader changed a gradient
    fresh_leaves, fresh_root = _graph((0.4, 1.1, -0.8))
    fresh_root.backward()
    want = {n.label: n.grad for n in fresh_leaves}
    for node in leaves:
        assert timeline.final[node] == want[node.label]
        assert stepper_grads.grad(node) == want[node.label]
        row = next(r for r in report.rows if r.node is node)
        assert row.gradient == want[node.label] and row.ok
    assert report
    # graph_text shows the graph's own .grad, whatever backward calls made it
    by_name = {timeline.names[n]: n for n in order}
    for line in text.splitlines()[2:]:
        name, _, _, shown, *_ = re.split(r"\s{2,}", line.strip())
        assert shown == num(by_name[name].grad)


def test_timeline_state_after_k_steps_is_the_steps_sum():
    a, b, c, d = product_used_twice()
    timeline = backward_timeline(d)
    assert timeline.grads(0) == {a: 0.0, b: 0.0, c: 0.0, d: 1.0}
    assert timeline.grads(2)[c] == 2.0 and timeline.grads(2)[a] == 0.0
    assert timeline.grads(3)[a] == -6.0
    assert timeline.grads() == {a: -6.0, b: 4.0, c: 2.0, d: 1.0}


def test_graph_text_has_a_row_per_node_with_rules_in_names():
    a, b, c, d = product_used_twice()
    d.backward()
    lines = graph_text(d).splitlines()
    assert lines[0].split() == ["node", "op", "data", "grad", "local", "derivatives"]
    body = [line.split(None, 4) for line in lines[2:]]
    assert body[0][:4] == ["d", "c", "+", "c"]
    assert body[0][4].split(None, 2)[2].strip() == "∂d/∂c = 1 = 1.0, ∂d/∂c = 1 = 1.0"
    assert "∂c/∂a = b = -3.0, ∂c/∂b = a = 2.0" in lines[3]
    assert sorted(row[0] for row in body[2:]) == ["a", "b"]
