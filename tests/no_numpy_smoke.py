"""The core without numpy: run as ``python tests/no_numpy_smoke.py OUT_DIR``.

A finder on ``sys.meta_path`` refuses numpy (and the compiled storage is off), as in
Pyodide's core; every step prints ``ok <what>``. tests/test_no_numpy.py runs it.
"""

from __future__ import annotations

import os
import random
import sys
import time
from importlib.abc import MetaPathFinder
from pathlib import Path


class NoNumpy(MetaPathFinder):
    """Refuses numpy, as an environment without it does."""

    def find_spec(self, name, path=None, target=None):
        if name == "numpy" or name.startswith("numpy."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


sys.meta_path.insert(0, NoNumpy())
os.environ["CHAINRULE_PURE_PYTHON"] = "1"
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
out_dir = Path(sys.argv[1])

started = time.perf_counter()
import autograd  # noqa: E402

print(f"time import autograd {time.perf_counter() - started:.3f}")
started = time.perf_counter()
import viz  # noqa: E402, F401

print(f"time import viz {time.perf_counter() - started:.3f}")
import nn  # noqa: E402
from autograd import Stepper, Value, check_engine, check_nodes, gradcheck, graph_text  # noqa: E402
from autograd.explain.forward import jvp  # noqa: E402
from autograd.explain.quiz import questions_of  # noqa: E402
from autograd.explain.timeline import backward_timeline  # noqa: E402
from viz import draw_dot, explore  # noqa: E402

a, b = Value(2.0, label="a"), Value(-3.0, label="b")
c = a * b + a.tanh()
c.backward()
assert (round(c.data, 6), round(a.grad, 6), b.grad) == (-5.035972, -2.929349, 2.0)
print("ok tour")
report = gradcheck(lambda x, y: x * y + x.tanh(), [2.0, -3.0])
assert report, report
print("ok gradcheck")
assert check_nodes(c)
print("ok check_nodes")
stepper = Stepper(c)
assert stepper.step() is not None
print("ok stepper")
assert "tanh" in graph_text(c)
print("ok graph_text")
assert jvp(lambda x: x * x, [3.0], [1.0])[1] == 6.0
print("ok forward mode")
assert questions_of(backward_timeline(c))
print("ok quiz")
assert check_engine(Value, isolation="steps").passed
print("ok check_engine")
assert "digraph" in draw_dot(c).source
print("ok draw_dot source")
page = explore(c).save(out_dir / "explore.html")
assert "Viz.instance" in page.read_text()
print("ok explore page")
random.seed(0)
model = nn.MLP(2, [4, 1])
optimizer = nn.SGD(model.parameters(), lr=0.05)
xs, ys = [[1.0, 2.0], [-1.0, 0.5], [0.3, -0.7]], [1.0, -1.0, 1.0]
losses = []
for _ in range(20):
    loss = nn.mse([model(x) for x in xs], ys)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    losses.append(loss.data)
assert losses[-1] < losses[0], losses
print("ok MLP with SGD")
try:
    autograd.trace(lambda x: x * x, 1.0)
except ModuleNotFoundError as err:
    print(f"needs numpy: {err}")
assert "numpy" not in sys.modules
print("ok no numpy loaded")
