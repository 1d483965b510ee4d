"""Tape.to_onnx: forward and backward as ONNX, run by onnx's reference evaluator and onnxruntime.

Each model is checked against chainrule's scalar engine, row by row, to 1e-12 (relative
to max(1, |x|)): every built-in op alone, the seed 002 network and random graphs. The
comparisons need onnx and onnxruntime (``pip install 'chainrule[onnx]'``) and skip
without them.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from autograd import OPS, Value, define_op, topo_order, total, trace
from tests.helpers import PARAMS, op_cases

TOLERANCE = 1e-12


@pytest.fixture
def runtimes():
    """Run an ONNX file with both evaluators: name -> outputs by name, per evaluator."""
    pytest.importorskip("onnx", reason="onnx is optional: pip install 'chainrule[onnx]'")
    ort = pytest.importorskip("onnxruntime", reason="onnxruntime is optional: .[onnx] extra")
    from onnx.reference import ReferenceEvaluator

    def run(path: str, feeds: dict) -> dict[str, dict[str, np.ndarray]]:
        session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
        names = [o.name for o in session.get_outputs()]
        reference = ReferenceEvaluator(path)
        return {
            "onnxruntime": dict(zip(names, session.run(None, feeds), strict=True)),
            "reference": dict(zip(names, reference.run(None, feeds), strict=True)),
        }

    return run


def worst(ours, theirs) -> float:
    ours, theirs = np.asarray(ours, dtype=float), np.asarray(theirs, dtype=float)
    assert ours.shape == theirs.shape, (ours.shape, theirs.shape)
    scale = np.maximum(1.0, np.maximum(np.abs(ours), np.abs(theirs)))
    return float((np.abs(ours - theirs) / scale).max())


def scalar_engine(fn, shared: list[Value], batch: list[np.ndarray]) -> dict[str, np.ndarray]:
    """What the scalar engine computes, row by row: outputs, input gradients, leaf gradients.

    ``fn`` must build its constants outside, so that ``shared`` are its leaves on every call.
    """
    for leaf in shared:
        leaf.grad = 0.0
    outputs, grads = [], [[] for _ in batch]
    for r in range(len(batch[0])):
        args = [
            Value(float(a[r])) if np.ndim(a) == 1 else [Value(float(v)) for v in a[r]]
            for a in batch
        ]
        out = fn(*args)
        outs = [out] if isinstance(out, Value) else list(out)
        total(outs).backward()
        outputs.append([o.data for o in outs])
        for k, arg in enumerate(args):
            grads[k].append(arg.grad if isinstance(arg, Value) else [v.grad for v in arg])
    single = isinstance(out, Value)
    reached = set(topo_order(total(outs)))  # a constant fn makes anew is not a shared leaf
    return {
        "output": np.array(outputs)[:, 0] if single else np.array(outputs),
        "inputs": [np.array(g) for g in grads],
        "leaves": [leaf.grad if leaf in reached else None for leaf in shared],
    }


def check(tape, batch: list[np.ndarray], runtimes, tmp_path) -> float:
    """Export ``tape`` with its backward; both runtimes agree with the scalar engine."""
    path = tape.to_onnx(tmp_path / "model.onnx", backward=True)
    import onnx

    model = onnx.load(path)
    inputs = [i.name for i in model.graph.input]
    expected = scalar_engine(tape.fn, tape.shared, batch)
    for leaf in tape.shared:
        leaf.grad = 0.0
    tape.forward(*batch)
    tape.backward()  # for the constants fn makes on each call, the tape's replay
    leaf_grads = [
        leaf.grad if g is None else g
        for leaf, g in zip(tape.shared, expected["leaves"], strict=True)
    ]
    gaps = []
    for runtime, got in runtimes(path, dict(zip(inputs, batch, strict=True))).items():
        gaps.append(worst(expected["output"], got["output"]))
        for name, grad in zip(inputs, expected["inputs"], strict=True):
            gaps.append(worst(grad, got[f"grad_{name}"]))
        leaves = [o.name for o in model.graph.output][1 + len(inputs) :]
        gaps.append(worst(leaf_grads, [got[n] for n in leaves]) if leaves else 0.0)
        assert max(gaps) <= TOLERANCE, f"{runtime}: differs by {max(gaps):.3g}"
    return max(gaps)


def test_importing_the_engine_does_not_import_onnx():
    code = (
        "import sys, autograd, nn; from autograd import trace; trace(lambda x: x * 2, 1.0)\n"
        "print(sorted(m for m in ('onnx', 'onnxruntime', 'torch') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_without_onnx_the_error_says_how_to_install_it(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "onnx", None)
    tape = trace(lambda x: x.tanh(), 0.5)
    with pytest.raises(ImportError, match=r"pip install 'chainrule\[onnx\]'"):
        tape.to_onnx(tmp_path / "m.onnx")


def _op_batches(name: str):
    """(params, rows of inputs) for the op: its sample inputs inside its domain, by size."""
    groups: dict = {}
    for params, xs in op_cases(name):
        groups.setdefault((tuple(sorted(params.items())), len(xs)), []).append(xs)
    for (params, _), rows in groups.items():
        yield dict(params), np.array(rows, dtype=float)


@pytest.mark.parametrize("name", sorted(n for n, op in OPS.items() if op.builtin))
def test_each_op_forward_and_backward_agree(name, runtimes, tmp_path):
    for params, rows in _op_batches(name):
        arity = rows.shape[1]
        tape = trace(lambda *xs, k=params: Value.apply(name, *xs, **k), *rows[0])
        check(tape, [rows[:, j] for j in range(arity)], runtimes, tmp_path)
        # the second input a parameter: its gradient is summed over the rows
        same = rows[rows[:, -1] == rows[0, -1]] if arity > 1 else None
        if same is not None:
            p = Value(float(rows[0, -1]), label="p")
            tape = trace(lambda *xs, p=p, k=params: Value.apply(name, *xs, p, **k), *same[0, :-1])
            check(tape, [same[:, j] for j in range(arity - 1)], runtimes, tmp_path)


@pytest.mark.parametrize("name", sorted(n for n, op in OPS.items() if op.builtin))
def test_each_op_beside_parameters_and_constants_of_one_and_zero(name, runtimes, tmp_path):
    """onnxruntime's default session (optimisations on) loads and runs every op's model
    where its result meets a parameter equal to 1, a constant 1 and a constant 0: its
    DivMulFusion, fusing a rule's Div(1, x) with the Mul after it, lost the edge to a
    no-op Mul by 1 that another pass then removed ("Node input 't7' is not a graph input")."""
    one = Value(1.0, label="scale")
    for params, rows in _op_batches(name):
        arity = rows.shape[1]

        def fn(*xs, k=params):
            return (Value.apply(name, *xs, **k) * one) * 1.0 + 0.0

        check(trace(fn, *rows[0]), [rows[:, j] for j in range(arity)], runtimes, tmp_path)


def test_the_backward_is_read_from_the_op_table(runtimes, tmp_path):
    tanh = OPS["tanh"]
    tape = trace(lambda x: x.tanh(), 0.5)
    original = tanh.grads
    object.__setattr__(tanh, "grads", lambda out, a: (2.0 * out,))  # a wrong rule, on purpose
    try:
        path = tape.to_onnx(tmp_path / "m.onnx", backward=True)
    finally:
        object.__setattr__(tanh, "grads", original)
    x = np.array([0.3, -1.2])
    got = runtimes(path, {"x": x})["reference"]["grad_x"]
    assert np.array_equal(got, 2.0 * np.tanh(x))


def test_a_rule_that_branches_in_python_is_refused_by_name(tmp_path):
    pytest.importorskip("onnx", reason="onnx is optional: pip install 'chainrule[onnx]'")
    tanh = OPS["tanh"]
    tape = trace(lambda x: x.tanh(), 0.5)
    original = tanh.grads
    object.__setattr__(tanh, "grads", lambda out, a: (1.0 if a > 0 else 0.0,))
    try:
        with pytest.raises(ValueError, match="rule for 'tanh' cannot be written as ONNX"):
            tape.to_onnx(tmp_path / "m.onnx", backward=True)
    finally:
        object.__setattr__(tanh, "grads", original)


def test_vpow_written_as_a_selection_is_the_table_rule(runtimes, tmp_path):
    """vpow's rule branches on the base in Python, so its ONNX form is written apart: the
    same numbers as the table's rule, the base 0 included."""
    a = np.array([0.0, 0.0, 0.5, 2.0, 3.0])
    b = np.array([2.0, 3.5, -1.5, 0.5, 2.0])
    check(trace(lambda x, y: x**y, 0.5, 2.0), [a, b], runtimes, tmp_path)


def test_a_user_op_without_an_array_form_is_refused_by_name(tmp_path):
    pytest.importorskip("onnx", reason="onnx is optional: pip install 'chainrule[onnx]'")
    define_op("onnx_test_cube", lambda a: a**3, lambda out, a: (3 * a * a,), "3·a²")
    try:
        tape = trace(lambda x: Value.apply("onnx_test_cube", x).tanh(), 0.5)
        with pytest.raises(ValueError, match=r"op 'onnx_test_cube' .* has no ONNX form.*array="):
            tape.to_onnx(tmp_path / "m.onnx")
    finally:
        del OPS["onnx_test_cube"]
    assert not (tmp_path / "m.onnx").exists()


def test_a_user_op_with_an_array_form_exports_forward_and_backward(runtimes, tmp_path):
    """define_op(..., array=) exports as a built-in does: its forward from the array form,
    its backward from its rule, both checked against the scalar engine in both runtimes."""
    define_op(
        "onnx_test_softsign",
        lambda a: a / (1 + abs(a)),
        lambda out, a: (1 / ((1 + abs(a)) * (1 + abs(a))),),
        "1/(1 + |a|)²",
        array=lambda a: a / (1 + np.abs(a)),
    )
    define_op(
        "onnx_test_mean",
        lambda *xs: sum(xs) / len(xs),
        lambda out, *xs: (1 / len(xs),) * len(xs),
        "1/n",
        array=lambda xs: xs.sum(axis=0) / len(xs),
    )
    try:
        w = Value(0.7, label="w")

        def fn(x, y):
            return Value.apply("onnx_test_mean", Value.apply("onnx_test_softsign", x * w), y, x)

        tape = trace(fn, 0.5, -1.0)
        batch = [np.array([0.5, -2.0, 3.0, 0.0]), np.array([-1.0, 0.25, 4.0, 2.0])]
        check(tape, batch, runtimes, tmp_path)
    finally:
        del OPS["onnx_test_softsign"], OPS["onnx_test_mean"]


def test_a_user_ops_array_form_that_onnx_cannot_write_is_refused_by_name(tmp_path):
    pytest.importorskip("onnx", reason="onnx is optional: pip install 'chainrule[onnx]'")
    define_op("onnx_test_cbrt", lambda a: a ** (1 / 3), lambda out, a: (1 / (3 * out * out),),
              "1/(3·out²)", array=np.cbrt)
    try:
        tape = trace(lambda x: Value.apply("onnx_test_cbrt", x), 8.0)
        assert tape.forward([8.0, 27.0]).tolist() == [2.0, 3.0]  # the replay runs it
        with pytest.raises(ValueError, match="array form of 'onnx_test_cbrt' cannot be written"):
            tape.to_onnx(tmp_path / "m.onnx")
    finally:
        del OPS["onnx_test_cbrt"]


def test_the_seed_002_network(runtimes, tmp_path):
    from nn import MLP, bce

    rng = np.random.RandomState(0)  # seed 002's draws: V, W, then the bits
    v, w = rng.normal(scale=0.1, size=(10, 10)), rng.normal(scale=0.1, size=(10, 10))
    x = rng.binomial(1, 0.5, (300, 10))
    t = x ^ 1
    model = MLP(10, [10, 10], activation="tanh", output_activation="sigmoid", rng=0)
    model.set_weights([v.T, w.T], [np.full(10, 0.1), np.full(10, -0.2)])
    tape = trace(lambda xs, ts: bce(model(xs), ts) * len(ts), x[0].tolist(), t[0].tolist())
    assert set(model.parameters()) < set(tape.shared)  # and the constants 1/10 and 10
    check(tape, [x[:60].astype(float), t[:60].astype(float)], runtimes, tmp_path)


def test_names_shapes_and_a_model_with_several_outputs(runtimes, tmp_path):
    import onnx

    w = Value(0.5, label="w")
    tape = trace(lambda xs, y: [xs[0] * w + y, (xs[1] - y).exp(), w * 3.0], [1.0, 2.0], 0.5)
    batch = [np.array([[1.0, 2.0], [0.5, -1.0], [3.0, 0.25]]), np.array([0.5, -0.5, 2.0])]
    check(tape, batch, runtimes, tmp_path)
    model = onnx.load(tmp_path / "model.onnx")
    assert [i.name for i in model.graph.input] == ["xs", "y"]
    assert [o.name for o in model.graph.output] == [
        "output",
        "grad_xs",
        "grad_y",
        "grad_w",
        "grad_leaf8",
    ]
    got = runtimes(str(tmp_path / "model.onnx"), dict(zip(["xs", "y"], batch, strict=True)))
    assert got["reference"]["output"].shape == (3, 3)
    assert got["reference"]["grad_w"] == pytest.approx(sum(batch[0][:, 0]) + 3 * 3)
    assert np.array_equal(got["reference"]["output"], tape.forward(*batch))


# -- random graphs -----------------------------------------------------------------------

_SQUASH = {  # the op's inputs moved inside its domain: (slot -> transform)
    "log": lambda v, s: v * v + 0.5,
    "sqrt": lambda v, s: v * v + 0.5,
    "log2": lambda v, s: v * v + 0.5,
    "log10": lambda v, s: v * v + 0.5,
    "log1p": lambda v, s: v * v - 0.5,
    "asin": lambda v, s: v.tanh() * 0.9,
    "acos": lambda v, s: v.tanh() * 0.9,
    "tan": lambda v, s: v.tanh() * 1.3,
    "div": lambda v, s: v * v + 0.5 if s == 1 else v,
    "vpow": lambda v, s: v * v + 0.5 if s == 0 else v.tanh(),
    "pow": lambda v, s: v * v + 0.5,
    "binary_cross_entropy": lambda v, s: v.sigmoid(),
}


def _random_graph(rng: np.random.Generator, xs: list[Value], params: list[Value], steps: int):
    names = sorted(n for n, op in OPS.items() if op.builtin)
    pool = [*xs, *params]
    for _ in range(steps):
        name = names[rng.integers(len(names))]
        arity = OPS[name].arity or 2 * int(rng.integers(1, 4))
        picks = [pool[i].tanh() * 2.0 for i in rng.integers(len(pool), size=arity)]
        picks = [_SQUASH.get(name, lambda v, s: v)(v, s) for s, v in enumerate(picks)]
        options = PARAMS.get(name, ({},))
        pool.append(Value.apply(name, *picks, **options[rng.integers(len(options))]))
    return [pool[-1], pool[-2]]


@pytest.mark.parametrize("seed", range(6))
def test_random_graphs(seed, runtimes, tmp_path):
    rng = np.random.default_rng(seed)
    params = [Value(float(v), label=f"p{i}") for i, v in enumerate(rng.normal(size=3))]

    def fn(xs):
        return _random_graph(np.random.default_rng(seed + 100), xs, params, 25)

    tape = trace(fn, rng.normal(size=4).tolist())
    check(tape, [rng.normal(size=(7, 4))], runtimes, tmp_path)


@pytest.mark.parametrize(
    "name",
    ["erf", "erfc", "gelu", "atan", "asin", "acos", "sinh", "cosh", "tan", "log1p", "expm1"]
    + ["softplus", "sigmoid", "silu", "log2", "log10", "exp2", "hypot", "atan2"],
)
def test_functions_built_from_other_operators_keep_their_digits(name, runtimes, tmp_path):
    """Where onnxruntime has no double kernel, the composition matches math to 1e-13,
    relative, from 1e-12 to 300 and past, tails included."""
    magnitudes = np.logspace(-12, 2.5, 120)
    points = np.concatenate([-magnitudes, [0.0], magnitudes, [1e200, -1e200]])
    op = OPS[name]
    rows, expected = [], []
    for x in points:
        xs = (float(x), 0.7 * x - 0.3) if op.arity == 2 else (float(x),)
        try:
            value = op.run(*xs)
        except (ArithmeticError, ValueError):
            continue  # outside the op's domain, or past the largest float
        rows.append(xs)
        expected.append(value)
    rows, expected = np.array(rows), np.array(expected)
    tape = trace(lambda *xs: Value.apply(name, *xs), *rows[0])
    path = tape.to_onnx(tmp_path / "m.onnx")
    import onnx

    inputs = [i.name for i in onnx.load(path).graph.input]
    feeds = {n: rows[:, j] for j, n in enumerate(inputs)}
    for runtime, got in runtimes(path, feeds).items():
        gap = np.abs(got["output"] - expected) / np.maximum(np.abs(expected), 1e-300)
        assert gap.max() <= 1e-13, f"{runtime}: {gap.max():.3g} at {rows[gap.argmax()]}"


def test_the_outgrowing_doc_runs(runtimes, tmp_path, monkeypatch):
    """docs/outgrowing.md: its code runs, and its checks come out as it says."""
    import re
    from pathlib import Path

    pytest.importorskip("torch", reason="torch is optional: pip install torch==2.13.0")
    text = Path(__file__).parents[1].joinpath("docs", "outgrowing.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert len(blocks) == 3
    monkeypatch.chdir(tmp_path)
    scope: dict = {}
    for block in blocks:
        exec(block, scope)
    model, net, grads = scope["model"], scope["net"], scope["grads"].tolist()
    assert abs(scope["loss"].data - scope["theirs"].item()) <= 1e-12
    assert max(abs(p.grad - g) for p, g in zip(model.parameters(), grads, strict=True)) <= 1e-12
    assert scope["from_torch"](net).state_dict() == model.state_dict()
    got, w0 = scope["got"], model.layers[0].neurons[0].w[0]
    assert abs(got["output"].mean() - scope["loss"].data) <= 1e-12
    assert abs(got["grad_layers.0.neurons.0.w0"] / len(scope["X"]) - w0.grad) <= 1e-12
