"""``python -m viz``: the graph table of an expression, files on request, and nothing run
beyond Value arithmetic."""

import math
import subprocess
import sys

import pytest

from autograd import Value
from tests.picture import chain_rule_problems
from viz.cli import METHODS, ExpressionError, evaluate, main


def test_the_table_and_both_files(tmp_path, capsys):
    svg, html = tmp_path / "out.svg", tmp_path / "out.html"
    assert main(["a*b + a.tanh()", "a=2", "b=-3", "--svg", str(svg), "--html", str(html)]) == 0
    table = capsys.readouterr().out
    rows = {line.split()[0]: line.split() for line in table.splitlines()[2:] if line[:1].isalpha()}
    # d/da (a*b + tanh a) = b + 1 - tanh(a)^2, by hand
    assert float(rows["a"][3]) == pytest.approx(-3 + 1 - math.tanh(2) ** 2, abs=1e-5)
    assert float(rows["b"][3]) == 2.0 and rows["out"][1:4] == ["v2", "+", "v3"]
    assert chain_rule_problems(svg.read_text()) == []
    assert "mountExplorer(" in html.read_text()


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("a*c", "unknown name 'c': give it a value, as in c=1.5"),
        ("a*(b", "syntax error"),
        ("__import__('os').system('echo hi')", "unsupported function 'system'"),
        ("__import__('os')", "unsupported function '__import__'"),
        ("a.__class__", "is not Value arithmetic"),
        ("(a).__class__()", "unsupported function '__class__'"),
        ("open('x')", "unsupported function 'open'"),
        ("[a, b]", "is not Value arithmetic"),
        ("a if b else 1", "is not Value arithmetic"),
        ("9**9**9 + a", "too large for a float"),
        ("tanh()", r"tanh\(\) needs a value"),
        ("2 * 3", "uses no name"),
    ],
)
def test_anything_but_value_arithmetic_is_refused_before_it_runs(expression, message):
    names = {"a": Value(2.0, label="a"), "b": Value(-3.0, label="b")}
    with pytest.raises(ExpressionError, match=message):
        evaluate(expression, names)


def test_bad_input_is_one_clear_line_and_exit_code_2(capsys):
    assert main(["log(a - 5)", "a=2"]) == 2
    assert capsys.readouterr().err.strip() == (
        "python -m viz: log(-3.0): log is defined only for positive numbers"
    )
    assert main(["a", "a=x"]) == 2
    assert "'x' is not a number" in capsys.readouterr().err


def test_function_and_method_forms_agree_and_every_method_exists():
    names = {"a": Value(0.3, label="a"), "b": Value(-1.2, label="b")}
    assert (
        evaluate("tanh(a) * max(a, b)", names).data == evaluate("a.tanh() * a.max(b)", names).data
    )
    assert evaluate("clamp(b, min=-1)", names).data == -1.0
    assert all(callable(getattr(Value, m)) for m in METHODS)


def test_python_dash_m_viz_runs():
    done = subprocess.run(
        [sys.executable, "-m", "viz", "x**2", "x=3"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0 and "6.0" in done.stdout.splitlines()[-1]


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("a+" * 3000 + "a", "nests too deeply for Python's parser"),
        ("a" + ".tanh()" * 3000, "nests too deeply for Python's parser"),
    ],
)
def test_a_long_or_deep_expression_is_one_line_and_exit_2(expression, message, capsys):
    assert main([expression, "a=0.5"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and "Traceback" not in err
    assert len(err) < 400  # the expression is quoted short


def test_focus_and_depth_draw_a_part_and_a_bad_name_or_depth_is_refused(tmp_path, capsys):
    svg = tmp_path / "part.svg"
    assert main(["(a*b).tanh() * a", "a=0.5", "b=2", "--svg", str(svg), "--focus", "v2"]) == 0
    drawn = svg.read_text()
    assert ">tanh<" not in drawn and ">v2<" in drawn  # v2 = a*b and its inputs only
    assert ">∂v2/∂a = b = 2.0<" in drawn and ">out<" not in drawn
    assert main(["(a*b).tanh() * a", "a=0.5", "b=2", "--svg", str(svg), "--depth", "1"]) == 0
    assert ">a<" in svg.read_text() and ">b<" not in svg.read_text()
    capsys.readouterr()
    assert main(["a*b", "a=1", "b=2", "--svg", str(svg), "--focus", "zz"]) == 2
    assert "--focus 'zz' is not a name in the table above" in capsys.readouterr().err
    assert main(["a*b", "a=1", "b=2", "--svg", str(svg), "--depth", "-1"]) == 2
    assert "--depth must be 0 or more" in capsys.readouterr().err


def test_the_limits_reach_draw_dot_and_explore(tmp_path, capsys):
    chain = "a*b + " * 30 + "a"
    html = tmp_path / "x.html"
    assert main([chain, "a=0.5", "b=2", "--html", str(html), "--max-nodes", "50"]) == 2
    assert "more than --max-nodes 50" in capsys.readouterr().err and not html.exists()
    assert main([chain, "a=0.5", "b=2", "--html", str(html), "--max-nodes", "200"]) == 0
    assert html.exists()
