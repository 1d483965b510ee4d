"""Diagrams: golden DOT text, focused and collapsed views, rendering and its errors."""

import math
import os
import stat
from pathlib import Path

import graphviz
import pytest

from autograd import Value
from nn import MLP, mse
from tests.helpers import small_graph
from viz import RendererNotFound, RenderError, draw_dot, find_renderer

GOLDEN = Path(__file__).parent / "golden"


def _small():
    a, _, d = small_graph()
    return a, d


def test_golden_dot_before_backward():
    _, d = _small()
    source = draw_dot(d).source
    assert source == (GOLDEN / "small_before.gv").read_text()
    assert "grad ?" in source and "grads not computed yet" in source
    assert draw_dot(d).source == source  # byte-identical every time


def test_golden_dot_after_backward_with_rules():
    a, d = _small()
    d.backward()
    source = draw_dot(d, rules=True).source
    assert source == (GOLDEN / "small_after_rules.gv").read_text()
    # by hand: ∂d/∂v3 = 1 - tanh²(-4); a is used twice, its grad is b·that + that
    t = 1 - math.tanh(-4.0) ** 2
    assert f"1 - out² = {t:.6g}" in source
    assert f"grad {-2 * t:.6g} = ({-3 * t:.6g}) + ({t:.6g})" in source
    assert "not computed" not in source


def test_every_edge_carries_the_local_derivative():
    x = Value(0.5, label="x")
    y = (x * x).exp()
    source = draw_dot(y).source
    assert 'v0 -> v1op [label="0.5", id="v1op_0"]' in source
    assert 'v0 -> v1op [label="0.5", id="v1op_1"]' in source
    assert f'v1 -> v2op [label="{math.exp(0.25):.6g}"' in source


def test_focus_and_depth_limit():
    a, d = _small()
    d.backward()
    c = d.parents[0].parents[0]
    focused = draw_dot(d, focus=c).source
    assert "{ c |" in focused and "{ d |" not in focused and "tanh" not in focused
    shallow = draw_dot(d, depth=1).source
    assert "{ d |" in shallow and "{ v3 |" in shallow and "{ c |" not in shallow
    assert 'style="dashed"' in shallow  # v3's inputs are not drawn
    with pytest.raises(ValueError, match="depth must be >= 0"):
        draw_dot(d, depth=-1)


def test_mlp_collapsed_into_neurons():
    model = MLP(2, [3, 1], rng=0)
    out = model([1.0, 2.0])
    loss = mse([out], [0.5])
    loss.backward()
    full = draw_dot(loss).source
    boxed = draw_dot(loss, collapse=model).source
    # inputs 2, parameters 13, hidden neurons 3 nodes each, output neuron 2, mse 6
    assert full.count("shape=record") == 2 + 13 + 3 * 3 + 2 + 6
    assert boxed.count("(Σ w·x + b)") == 4
    for j in range(3):
        assert f"layers.0.neurons.{j} | relu" in boxed
    assert "layers.1.neurons.0 | linear" in boxed
    assert "w0" not in boxed  # parameters are inside the boxes
    # the edge from hidden neuron j into the output box carries w_j (linear output)
    w = [p.data for p in model.layers[1].neurons[0].w]
    for j in range(3):
        assert f'label="{w[j]:.6g}"' in boxed
    focused = draw_dot(loss, focus=out, collapse=model).source
    assert "mse" not in focused and focused.count("(Σ w·x + b)") == 4


def test_rankdir_and_bad_arguments():
    _, d = _small()
    assert "rankdir=TB" in draw_dot(d, "TB").source
    with pytest.raises(ValueError, match="rankdir"):
        draw_dot(d, "XY")
    with pytest.raises(TypeError, match="draw_dot takes a Value"):
        draw_dot(3.0)


def _fake(folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    program = folder / name
    program.write_text("#!/bin/sh\necho " + name + "\n")
    program.chmod(program.stat().st_mode | stat.S_IXUSR)
    return program


def test_renderer_order(tmp_path):
    sys_bin, gp_bin, scripts = tmp_path / "sys", tmp_path / "gp", tmp_path / "venv-bin"
    dot, pure, venv_pure = _fake(sys_bin, "dot"), _fake(gp_bin, "graphviz-pure"), None
    venv_pure = _fake(scripts, "graphviz-pure")
    mine = _fake(tmp_path / "mine", "my-dot")
    both = os.pathsep.join([str(sys_bin), str(gp_bin)])
    # 1. the override, by name on PATH or by path
    env = {"PATH": os.pathsep.join([both, str(mine.parent)]), "CHAINRULE_DOT": "my-dot"}
    assert find_renderer(env, [scripts]) == str(mine)
    assert find_renderer({"PATH": "", "CHAINRULE_DOT": str(mine)}, [scripts]) == str(mine)
    # 2. the system dot before graphviz-pure
    assert find_renderer({"PATH": both}, [scripts]) == str(dot)
    # 3. graphviz-pure on PATH
    assert find_renderer({"PATH": str(gp_bin)}, [scripts]) == str(pure)
    # 4. graphviz-pure beside the interpreter (a venv never activated)
    assert find_renderer({"PATH": str(tmp_path / "empty")}, [scripts]) == str(venv_pure)
    # 5. nothing
    with pytest.raises(RendererNotFound) as caught:
        find_renderer({"PATH": str(tmp_path / "empty")}, [tmp_path / "nowhere"])
    message = str(caught.value)
    assert "dot on PATH" in message and "graphviz-pure in" in message
    assert "pip install graphviz-pure" in message and "diagram.save('graph.gv')" in message
    assert isinstance(caught.value, graphviz.ExecutableNotFound)
    with pytest.raises(RendererNotFound, match="CHAINRULE_DOT='missing'"):
        find_renderer({"PATH": both, "CHAINRULE_DOT": "missing"}, [scripts])


def test_svg_and_png_are_rendered(tmp_path):
    _, d = _small()
    d.backward()
    diagram = draw_dot(d)
    svg = diagram.svg()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg and "data &#45;6.0" in svg
    png = Path(diagram.save(tmp_path / "g.png")).read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 1000
    assert Path(diagram.save(tmp_path / "g.svg")).read_text() == svg
    assert Path(diagram.save(tmp_path / "g.gv")).read_text() == diagram.source
    assert diagram._repr_mimebundle_() == {"image/svg+xml": svg}
    with pytest.raises(ValueError, match="cannot save a diagram as '.bmp'"):
        diagram.save(tmp_path / "g.bmp")


def test_pdf_with_graphviz_pure_says_it_is_not_supported(tmp_path, monkeypatch):
    pure = find_renderer({"PATH": ""})
    monkeypatch.setenv("CHAINRULE_DOT", pure)
    _, d = _small()
    with pytest.raises(RenderError, match="pdf is not supported by graphviz-pure"):
        draw_dot(d).save(tmp_path / "g.pdf")


def test_nothing_to_render_with(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr("viz.render._scripts_dirs", lambda: [tmp_path])
    _, d = _small()
    diagram = draw_dot(d)
    with pytest.raises(RendererNotFound):
        diagram.save(tmp_path / "g.svg")
    assert Path(diagram.save(tmp_path / "g.gv")).read_text() == diagram.source
    bundle = diagram._repr_mimebundle_()
    assert list(bundle) == ["text/plain"]
    assert "pip install graphviz-pure" in bundle["text/plain"]
    assert bundle["text/plain"].endswith(diagram.source)
