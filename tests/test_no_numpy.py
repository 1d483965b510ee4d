"""The core runs without numpy (Pyodide's core has none): tests/no_numpy_smoke.py in a
child process with numpy refused, and SGD's float path against its array path."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import pytest

import nn

SMOKE = Path(__file__).with_name("no_numpy_smoke.py")
STEPS = (
    "tour",
    "gradcheck",
    "check_nodes",
    "stepper",
    "graph_text",
    "forward mode",
    "quiz",
    "check_engine",
    "draw_dot source",
    "explore page",
    "MLP with SGD",
    "no numpy loaded",
)


def test_the_core_imports_and_runs_with_numpy_refused(tmp_path):
    done = subprocess.run(
        [sys.executable, str(SMOKE), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    said = done.stdout.splitlines()
    assert [line[3:] for line in said if line.startswith("ok ")] == list(STEPS)
    needs = "needs numpy: autograd.trace needs numpy (the batched replay runs on arrays)"
    assert any(line.startswith(needs) for line in said), said  # trace names what needs it
    print("\n".join(line for line in said if line.startswith("time ")))


def _trained(options: dict, monkeypatch, without_numpy: bool) -> list[float]:
    random.seed(3)
    model = nn.MLP(2, [3, 1])
    optimizer = nn.SGD(model.parameters(), lr=0.1, **options)
    xs, ys = [[1.0, 2.0], [-1.0, 0.5], [0.3, -0.7]], [1.0, -1.0, 1.0]
    with monkeypatch.context() as patch:
        if without_numpy:
            patch.setitem(sys.modules, "numpy", None)  # import numpy raises ImportError
        for _ in range(4):
            loss = nn.mse([model(x) for x in xs], ys)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return [p.data for p in model.parameters()]


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"momentum": 0.9},
        {"momentum": 0.9, "nesterov": True, "weight_decay": 0.01},
        {"momentum": 0.5, "dampening": 0.3},
    ],
)
def test_sgd_without_numpy_gives_the_array_paths_numbers(options, monkeypatch):
    with_arrays = _trained(options, monkeypatch, without_numpy=False)
    on_floats = _trained(options, monkeypatch, without_numpy=True)
    assert on_floats == with_arrays  # the same float operations: the same bits
    random.seed(3)
    assert on_floats != [p.data for p in nn.MLP(2, [3, 1]).parameters()]  # it trained


def test_sgd_without_numpy_refuses_a_step_that_diverges(monkeypatch):
    w = nn.MLP(1, [1]).parameters()[0]
    w.grad = 1e308
    w.data = -1e308
    monkeypatch.setitem(sys.modules, "numpy", None)
    with pytest.raises(OverflowError, match="would become -inf"):
        nn.SGD([w], lr=10.0).step()
    assert w.data == -1e308


@pytest.mark.parametrize("optimizer", [nn.Adam, nn.RMSprop])
def test_adam_and_rmsprop_without_numpy_say_they_need_it(optimizer, monkeypatch):
    params = nn.MLP(1, [1]).parameters()
    monkeypatch.setitem(sys.modules, "numpy", None)
    with pytest.raises(ModuleNotFoundError, match=r"numpy arrays: pip install numpy \(SGD"):
        optimizer(params)
