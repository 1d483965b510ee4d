"""The stepper prints each chain-rule step exactly, and ends where backward ends."""

from autograd import Value, graph_text, topo_order


def _small():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b
    c.label = "c"
    d = c + c
    d.label = "d"
    return a, b, c, d


def test_printed_lines_of_a_small_graph():
    a, b, c, d = _small()
    lines = [str(step) for step in d.backward_steps()]
    assert lines == [
        "c.grad += ∂d/∂c · d.grad = (1.0)(1.0) = 1.0  →  c.grad = 1.0    [add: ∂(a + b)/∂a = 1]",
        "c.grad += ∂d/∂c · d.grad = (1.0)(1.0) = 1.0  →  c.grad = 2.0    [add: ∂(a + b)/∂b = 1]",
        "a.grad += ∂c/∂a · c.grad = (-3.0)(2.0) = -6.0  →  a.grad = -6.0    [mul: ∂(a * b)/∂a = b]",
        "b.grad += ∂c/∂b · c.grad = (2.0)(2.0) = 4.0  →  b.grad = 4.0    [mul: ∂(a * b)/∂b = a]",
    ]


def test_step_exposes_its_parts():
    a, b, c, d = _small()
    steps = d.backward_steps()
    steps.step()
    steps.step()
    step = next(steps)
    assert (step.node, step.parent, step.slot) == (c, a, 0)
    assert (step.local, step.upstream, step.contribution) == (-3.0, 2.0, -6.0)
    assert (step.before, step.after) == (0.0, -6.0)
    assert step.op.name == "mul" and step.rule == "∂(a * b)/∂a = b"


def test_halfway_state_is_explained():
    a, b, c, d = _small()
    steps = d.backward_steps()
    steps.step()
    assert c.grad == 1.0 and a.grad == 0.0
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


def _graph(xs):
    x, y, z = (Value(v, label=n) for v, n in zip(xs, "xyz", strict=True))
    h = (x * y + z).tanh()
    k = (h * x - y / z).sigmoid() + h.relu() * 3
    return [x, y, z], (k * k + h.exp()).log()


def test_stepping_to_the_end_equals_backward():
    leaves, root = _graph((0.7, -1.3, 2.1))
    root.backward()
    want = [v.grad for v in leaves]
    leaves2, root2 = _graph((0.7, -1.3, 2.1))
    steps = root2.backward_steps()
    taken = steps.finish()
    assert len(taken) == sum(len(n.parents) for n in topo_order(root2))
    assert [v.grad for v in leaves2] == want  # exactly: the same arithmetic, in the same order


def test_stepping_twice_accumulates_at_leaves_like_backward():
    a = Value(3.0)
    c = (a + a) * (a + a)
    c.backward_steps().finish()
    c.backward_steps().finish()
    assert a.grad == 48.0


def test_graph_text_has_a_row_per_node():
    a, b, c, d = _small()
    d.backward()
    lines = graph_text(d).splitlines()
    assert lines[0].split() == ["node", "op", "data", "grad", "local", "derivatives"]
    body = [line.split() for line in lines[2:]]
    assert body[0] == ["d", "add(c,", "c)", "-12.0", "1.0", "∂/∂c=1.0,", "∂/∂c=1.0"]
    assert body[1] == ["c", "mul(a,", "b)", "-6.0", "2.0", "∂/∂a=-3.0,", "∂/∂b=2.0"]
    assert sorted(row[0] for row in body[2:]) == ["a", "b"]
