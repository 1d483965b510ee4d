"""The engine's kernel: value.py, backward.py, graph.py, recording.py and fast.py.

Public names for what other modules use, no module reaching into another's privates,
and the stamped hot ops building the same nodes the table describes.
"""

import ast
import math
import traceback
from pathlib import Path

import pytest

from autograd import OPS, Value, no_grad
from autograd.graph import MANY, parents_of

REPO = Path(__file__).resolve().parent.parent
PROJECT = ("autograd", "nn", "viz", "benchmarks", "demos")


def private_imports() -> list[str]:
    """Every ``from <project module> import _name`` outside the tests."""
    found = []
    for folder in PROJECT:
        for path in sorted((REPO / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.ImportFrom) or node.module is None:
                    continue
                if node.level == 0 and node.module.split(".")[0] not in PROJECT:
                    continue
                for alias in node.names:
                    if alias.name.startswith("_"):
                        where = path.relative_to(REPO)
                        found.append(f"{where}:{node.lineno} {node.module}.{alias.name}")
    return found


def test_no_module_imports_another_modules_private_name():
    assert private_imports() == []


def test_no_module_in_the_packages_is_over_500_lines():
    sizes = {
        str(path.relative_to(REPO)): path.read_text(encoding="utf-8").count("\n")
        for folder in ("autograd", "nn", "viz")
        for path in (REPO / folder).rglob("*.py")
    }
    assert {path: n for path, n in sizes.items() if n > 500} == {}
    assert sizes["autograd/value.py"] > 100  # the walk found the files


def module_imports(path: Path) -> set[str]:
    """The project modules ``path`` imports when it is imported: its top-level imports,
    not those inside functions or under ``if TYPE_CHECKING``."""
    package = ".".join(path.relative_to(REPO).with_suffix("").parts[:-1])
    found: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        blocks = [node]
        if isinstance(node, ast.Try):
            blocks = node.body + node.orelse + node.finalbody
        for statement in blocks:
            if isinstance(statement, ast.Import):
                found.update(alias.name for alias in statement.names)
            elif isinstance(statement, ast.ImportFrom):
                base = statement.module or ""
                if statement.level:
                    parts = package.split(".")[: len(package.split(".")) - statement.level + 1]
                    base = ".".join(parts + ([base] if base else []))
                found.add(base)
                found.update(f"{base}.{alias.name}" for alias in statement.names)
    return {name for name in found if name.split(".")[0] in PROJECT}


def import_cycles() -> list[list[str]]:
    """Cycles among the project's modules through their top-level imports."""
    modules = {}
    for folder in PROJECT:
        for path in (REPO / folder).rglob("*.py"):
            parts = path.relative_to(REPO).with_suffix("").parts
            modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    edges = {name: module_imports(path) & modules.keys() for name, path in modules.items()}
    cycles, done = [], set()

    def visit(name: str, path: list[str]) -> None:
        if name in path:
            cycles.append(path[path.index(name) :] + [name])
            return
        if name in done:
            return
        for target in sorted(edges[name]):
            visit(target, path + [name])
        done.add(name)

    for name in sorted(modules):
        visit(name, [])
    return cycles


def test_no_module_level_import_cycle():
    assert "autograd.graph" in module_imports(REPO / "autograd" / "value.py")
    assert import_cycles() == []


HOT = [
    ("__add__", "add", (1.5, -0.25)),
    ("__sub__", "sub", (1.5, -0.25)),
    ("__mul__", "mul", (1.5, -0.25)),
    ("__truediv__", "div", (1.5, -0.25)),
    ("__neg__", "neg", (1.5,)),
    ("tanh", "tanh", (0.75,)),
    ("relu", "relu", (-0.5,)),
    ("relu", "relu", (0.5,)),
]


@pytest.mark.parametrize("method, op, numbers", HOT)
def test_a_stamped_op_builds_the_tables_node(method, op, numbers):
    inputs = [Value(x) for x in numbers]
    out = getattr(inputs[0], method)(*inputs[1:])
    assert type(out) is Value
    assert out.data == OPS[op].forward(*numbers)
    assert out.op_spec is OPS[op]
    assert out.parents == tuple(inputs)
    assert out.grad == 0.0
    with no_grad():
        plain = getattr(inputs[0], method)(*inputs[1:])
    assert plain.is_leaf and plain.data == out.data


def test_stamped_ops_wrap_numbers_and_explain_what_is_not_finite():
    assert (Value(2.0) + 1).parents[1].data == 1.0
    assert (3 * Value(2.0)).data == 6.0
    with pytest.raises(ZeroDivisionError, match=r"div\(1.0, 0.0\)"):
        Value(1.0) / Value(0.0)
    with pytest.raises(OverflowError, match=r"mul\(1e\+300, 1e\+300\)"):
        Value(1e300) * 1e300


def test_a_stamped_op_shows_its_line_in_a_traceback():
    try:
        Value(1.0) + "two"
    except TypeError as err:
        frames = traceback.extract_tb(err.__traceback__)
    stamped = [f for f in frames if f.filename == "<chainrule: Value.__add__>"]
    assert [f.line for f in stamped] == ["other = _as_value(other)"]
    assert Value.__add__.__qualname__ == "Value.__add__"


def test_the_kernel_reads_parents_in_order_with_repeats():
    a, b = Value(2.0), Value(3.0)
    assert parents_of(a) == ()
    assert parents_of(a * a) == (a, a)
    assert parents_of(a.exp()) == (a,)
    many = Value.apply("sum", a, b, a)
    assert many._b is MANY and parents_of(many) == (a, b, a)
    assert math.isclose(many.data, 7.0)


def test_a_shared_pause_count_follows_every_no_grad_block():
    from autograd.recording import share_paused

    namespace: dict = {}
    stop = share_paused(namespace)
    try:
        assert namespace["_paused"] == 0
        with no_grad():
            assert namespace["_paused"] == 1
            with no_grad():
                assert namespace["_paused"] == 2
            assert namespace["_paused"] == 1
        assert namespace["_paused"] == 0
    finally:
        stop()
    with no_grad():
        assert namespace["_paused"] == 0  # no longer shared


def test_descriptions_old_name_for_local_grads_still_answers_and_says_the_new_one():
    from autograd import describe

    a, b = Value(2.0), Value(-3.0)
    c = a * b
    with pytest.warns(DeprecationWarning, match="local_grads_of"):
        old = describe(c).locals_of(c)
    assert old == describe(c).local_grads_of(c) == (-3.0, 2.0)  # ∂(ab)/∂a = b, ∂/∂b = a
