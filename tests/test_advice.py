"""Every message that suggests arguments suggests ones its function takes: the names
(``focus=``, ``--max-nodes``) are parsed out of each message and looked up in the
function's own signature, or the command line's own options."""

import inspect
import re
import stat

import pytest

from tests.helpers import small_graph
from viz import animate, draw_dot, explore
from viz.cli import _parser, main
from viz.diagram import GraphTooLarge
from viz.render import RenderError

SUGGESTED = re.compile(r"\b([a-z_]+)=")
PLACEHOLDER = re.compile(r"—|\bor\s*[,;.)]|\(\s*\)")


def _suggestions_fit(message: str, function) -> None:
    takes = inspect.signature(function).parameters
    named = set(SUGGESTED.findall(message))
    assert named, message  # the message does suggest something
    assert named <= set(takes), f"{sorted(named - set(takes))} not taken by {function.__name__}"
    assert not PLACEHOLDER.search(message), message


def _draw(function, root, tmp_path, **options):
    if function is draw_dot:
        return draw_dot(root, **options).svg()
    if function is animate:
        return animate(root, tmp_path / "a.html", **options)
    return explore(root, **options)


@pytest.mark.parametrize("function", [draw_dot, animate, explore])
def test_a_graph_over_the_budget_suggests_only_what_the_function_takes(function, tmp_path):
    *_, root = small_graph()
    if function is explore:  # it opens on the graph's blocks, the refusal said on the page
        refusal = explore(root, max_nodes=2).state["note"]
    else:
        with pytest.raises(GraphTooLarge) as refused:
            _draw(function, root, tmp_path, max_nodes=2)
        refusal = str(refused.value)
    _suggestions_fit(refusal, function)
    assert ("depth=" in refusal) == (function is draw_dot)
    assert ("collapse=" in refusal) == (function is not animate)


@pytest.mark.parametrize("function", [draw_dot])  # animate and explore run no dot
def test_a_render_past_its_bound_suggests_only_what_the_function_takes(
    function, tmp_path, monkeypatch
):
    slow = tmp_path / "slow-dot"
    slow.write_text("#!/bin/sh\nsleep 5\n")
    slow.chmod(slow.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("CHAINRULE_DOT", str(slow))
    *_, root = small_graph()
    with pytest.raises(RenderError, match="was stopped") as stopped:
        _draw(function, root, tmp_path, timeout=0.2)
    _suggestions_fit(str(stopped.value), function)
    assert "timeout=" in str(stopped.value)


def _cli_failure(capsys, argv) -> str:
    assert main(argv) == 2
    return capsys.readouterr().err.strip()


def test_the_command_line_suggests_its_own_options(tmp_path, capsys, monkeypatch):
    options = {o for action in _parser()._actions for o in action.option_strings}
    chain = "a*b + " * 600 + "a"
    messages = [
        _cli_failure(
            capsys, [chain, "a=0.5", "b=2", "--svg", str(tmp_path / "x.svg"), "--max-nodes", "100"]
        ),
        _cli_failure(capsys, [chain, "a=0.5", "b=2", "--html", str(tmp_path / "x.html")]),
    ]
    slow = tmp_path / "slow-dot"
    slow.write_text("#!/bin/sh\nsleep 5\n")
    slow.chmod(slow.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("CHAINRULE_DOT", str(slow))
    messages.append(
        _cli_failure(
            capsys, ["a*b", "a=1", "b=2", "--svg", str(tmp_path / "y.svg"), "--timeout", "0.2"]
        )
    )
    for message in messages:
        assert message.startswith("python -m viz: ") and "\n" not in message
        flags = set(re.findall(r"--[a-z-]+", message))
        assert flags and flags <= options, message
        assert not SUGGESTED.search(message.replace("--", "")), message  # no Python keywords
    assert "--depth" in messages[0] and "--depth" not in messages[1]
    assert "--timeout" in messages[2]
    # --collapse needs a model, which only Python has: it names the calls that take one
    refusal = _cli_failure(capsys, ["a*b", "a=1", "b=2", "--collapse"])
    assert set(re.findall(r"--[a-z-]+", refusal)) <= options
    _suggestions_fit(refusal.partition(" or explore(")[0], draw_dot)
    _suggestions_fit(refusal.partition(" or explore(")[2], explore)


def test_a_timeout_given_to_a_page_warns_that_it_bounds_nothing(tmp_path):
    *_, root = small_graph()
    with pytest.warns(DeprecationWarning, match=r"animate\(timeout=\.\.\.\) no longer bounds"):
        animate(root, tmp_path / "a.html", timeout=1)
    with pytest.warns(DeprecationWarning, match=r"explore\(timeout=\.\.\.\) no longer bounds"):
        explore(root, timeout=1)
