"""What a notebook shows: each object's HTML and plain repr, with the right numbers, escaped."""

import html
import re

from autograd import Value, check_nodes, gradcheck, trace
from nn.train import History
from tests.helpers import product_used_twice
from viz import animate, draw_dot


def _state(*roots):
    from autograd import topo_order

    return [(n.data, n.grad) for r in roots for n in topo_order(r)]


def _cells(page):
    """The text of every table cell, unescaped."""
    return [html.unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", page)]


def test_value_shows_its_formula_data_and_grad():
    a, b, c, d = product_used_twice()
    d.backward()
    assert repr(c) == "Value(data=-6.0, grad=2.0, label='c')"
    page = c._repr_html_()
    assert "<code>Value c = a * b</code>" in page
    assert "data <b>-6.0</b>" in page and "grad <b>2.0</b>" in page
    assert "Value a (leaf)" in a._repr_html_() and "grad <b>-6.0</b>" in a._repr_html_()
    # an input without a label is written as its number
    assert "Value = a * 3.0" in (a * 3)._repr_html_()


def test_labels_are_escaped_everywhere():
    x = Value(1.5, label="<x&y>")
    y = x * x
    y.label = "<script>"
    y.backward()
    pages = [
        y._repr_html_(),
        next(y.backward_steps())._repr_html_(),
        y.backward_steps()._repr_html_(),
        check_nodes(y)._repr_html_(),
        draw_dot(y)._repr_html_(),
    ]
    for page in pages:
        assert "<script>" not in page and "<x&y>" not in page
        assert "&lt;x&amp;y&gt;" in page
    assert "&lt;script&gt;" in pages[0]


def test_a_step_shows_its_line():
    a, b, c, d = product_used_twice()
    steps = d.backward_steps()
    first = next(steps)
    next(steps)
    third = next(steps)
    # by hand: c.grad = 1 + 1 = 2 after two steps, then a gets ∂c/∂a · c.grad = b · 2 = -6
    assert repr(third) == (
        "<backward step 3: a.grad += ∂c/∂a · c.grad = (-3.0)(2.0) = -6.0  →  a.grad = -6.0"
        "    [mul: ∂c/∂a = b]>"
    )
    assert repr(first).startswith("<backward step 1: c.grad += ∂d/∂c · d.grad = (1.0)(1.0)")
    assert third._repr_html_() == f'<pre style="margin:0.2em 0">{html.escape(str(third))}</pre>'
    assert "Edge(" not in repr(third)


def test_stepper_shows_its_table():
    a, b, c, d = product_used_twice()
    steps = d.backward_steps()
    for _ in range(3):
        next(steps)
    page = steps._repr_html_()
    assert "<b>backward from d: 3 of 4 steps</b>" in page
    cells = _cells(page)
    rows = [cells[i : i + 5] for i in range(0, len(cells), 5)]
    assert rows == [
        ["d", "add", "-12.0", "1.0", "root: ∂root/∂root = 1"],
        ["c", "mul", "-6.0", "2.0", "final"],
        ["b", "leaf", "-3.0", "0.0", "waiting for 1 share"],
        ["a", "leaf", "2.0", "-6.0", "final"],
    ]
    assert html.escape("next: b gets its share from c") in page
    steps.finish()
    assert "4 of 4 steps" in steps._repr_html_() and "next:" not in steps._repr_html_()


def test_gradcheck_report_shows_pass_and_fail():
    good = gradcheck(lambda x, y: x * y, [3.0, 4.0])
    cells = _cells(good._repr_html_())
    assert cells[:3] == ["x[0]", "3.0", "4.0"] and cells[7:10] == ["x[1]", "4.0", "3.0"]
    assert "gradcheck: all 2 inputs pass" in good._repr_html_()
    # x * x.data takes x.data out of the graph: analytic 3, numeric d(x²)/dx = 6
    bad = gradcheck(lambda x: x * x.data, [3.0])
    page = bad._repr_html_()
    assert "<b>gradcheck: 1 of 1 inputs FAIL: x[0] (eps=1e-06, atol=1e-05, rtol=0.001)</b>" in page
    assert "<li>f reads the number of x[0] (.data) and computes with it: backward treats" in page
    assert _cells(page)[:3] == ["x[0]", "3.0", "3.0"]
    assert abs(float(_cells(page)[3]) - 6.0) < 1e-6
    assert 'color:#b00020;font-weight:bold">FAIL</td>' in page
    assert "1 of 1 inputs FAIL: x[0]" in page


def test_node_check_report_names_the_wrong_node():
    a, b, c, d = product_used_twice()
    report = check_nodes(d, {d: 1.0, c: 2.0, a: -6.0, b: 5.0})  # ∂d/∂b = 2a = 4, not 5
    page = report._repr_html_()
    assert "check_nodes: 1 nodes FAIL (4 nodes checked)" in page
    b_row = _cells(page)[2 * 7 : 3 * 7]
    assert b_row[:4] == ["b", "leaf", "-3.0", "5.0"] and b_row[-1] == "FAIL"
    assert abs(float(b_row[4]) - 4.0) < 1e-6
    assert html.escape(report.diagnosis) in page
    # nodes given no gradient are left out of the table, and counted
    partial = check_nodes(d, {b: 4.0})._repr_html_()
    assert [c for c in _cells(partial) if c in {"a", "b", "c", "d"}] == ["b"]
    assert "(1 nodes checked)" in partial and "3 nodes were given no gradient" in partial


def test_history_plots_loss_and_accuracy():
    h = History(loss=[4.0, 2.0, 0.0], accuracy=[0.5, 0.75, 1.0])
    assert repr(h) == "History(3 epochs: loss 4.0 → 0.0, accuracy 0.5 → 1.0)"
    page = h._repr_html_()
    assert page.count("<svg") == 2
    # the plot area runs from x 56 to 308 and from y 156 (bottom) up to 26 (top):
    # the loss axis goes from 0 to 4, the accuracy axis from 0 to 1
    points = re.findall(r'<polyline points="([^"]+)"', page)
    assert points == [
        "56.00,26.00 182.00,91.00 308.00,156.00",
        "56.00,91.00 182.00,58.50 308.00,26.00",
    ]
    assert ">4.0</text>" in page and ">3</text>" in page
    assert repr(History()) == "History(no epochs)" and "no epochs" in History()._repr_html_()
    regression = History(loss=[1.0])
    assert repr(regression) == "History(1 epoch: loss 1.0 → 1.0)"
    assert regression._repr_html_().count("<svg") == 1


def test_tape_lists_its_groups():
    tape = trace(lambda x, y: x * y + x, 1.0, 2.0)
    # by hand: x, y, x*y, x*y + x: four nodes, a mul at depth 1, an add at depth 2
    assert repr(tape).startswith("<Tape: 4 nodes, 2 inputs, 0 shared leaves, 2 groups")
    cells = _cells(tape._repr_html_())
    assert cells == ["1", "mul", "elementwise", "1", "2", "add", "elementwise", "1"]


def test_animation_shows_inline(tmp_path):
    a, b, c, d = product_used_twice()
    shown = animate(d, tmp_path / "a.html")
    page = (tmp_path / "a.html").read_text(encoding="utf-8")
    assert f'srcdoc="{html.escape(page)}"' in shown._repr_html_()


def test_showing_changes_no_data_or_grad():
    a, b, c, d = product_used_twice()
    d.backward()
    before = _state(d)
    steps = d.backward_steps()
    shown = [d._repr_html_(), repr(d), steps._repr_html_(), next(steps)._repr_html_()]
    shown += [check_nodes(d)._repr_html_(), draw_dot(d)._repr_html_()]
    assert all(shown) and _state(d) == before


def test_a_tape_of_one_input_says_input():
    from autograd import Value, trace

    w = Value(3.0)
    tape = trace(lambda x: x * w, 1.0)
    # x, w and x * w: one row a batch, one group of one multiply
    assert repr(tape) == "<Tape: 3 nodes, 1 input, 1 shared leaf, 1 group, depth 1>"
