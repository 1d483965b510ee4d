"""python -m autograd.grade on a class of 21 submissions: each classic bug named, correct
engines at full marks, Gradescope's format, the CSV and the dashboard, no process left,
all within the speed bar (3 minutes on 2 cores with --timeout 5). The submissions are
written from tests.learner_engines' engine (``SUBMISSIONS``); tests/grade_class holds
only those that cannot be: the notebook, the syntax error, the subclass."""

import csv
import json
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from autograd.check.grade import main, score
from autograd.check.submission import read_submission
from tests.learner_engines import engine_source
from tests.processes import tagged

CLASS = Path(__file__).parent / "grade_class"
LOUD = """
print("loading my engine " * 100_000)
_backward_of = Value.backward


def _loud_backward(self):
    print("x" * 2_000_000)
    _backward_of(self)


Value.backward = _loud_backward
"""
EVENT = """
import threading


def _wait_forever(self):
    threading.Event().wait()  # blocked in one C call


Value.backward = _wait_forever
"""
BUSY = """
import time


def _busy(self):
    while True:
        try:
            try:
                time.sleep(0.001)
            except:
                pass
        except:
            pass


Value.backward = _busy
"""
BOMB = """
hoard = bytearray(64 * 2**30)  # 64 GiB at import
"""
EXIT = """
import os


def _leave(self):
    os._exit(7)


Value.backward = _leave
"""
SUBMISSIONS = {  # submission -> (the bugs of tests.learner_engines' engine, text after it)
    "alice_correct.py": ({}, ""),
    "carol_loud.py": ({}, LOUD),
    "dan_assign.py": ({"assign": True}, ""),
    "erin_sub_sign.py": ({"sub_sign": True}, ""),
    "frank_mul_upstream.py": ({"mul_no_upstream": True}, ""),
    "grace_tanh_input.py": ({"tanh_of_input": True}, ""),
    "heidi_recursive.py": ({"recursive": True}, ""),
    "ivan_inner_grads.py": ({"keeps_inner_grads": True}, ""),
    "judy_power.py": ({"power": True}, ""),
    "ken_relu_output.py": ({"relu_output": True}, ""),
    "lena_exp_one.py": ({"exp_as_one": True}, ""),
    "mike_no_visited.py": ({"no_visited": True}, ""),
    "nina_endless.py": ({"endless_recursion": True}, ""),
    "oscar_event.py": ({}, EVENT),
    "pat_busy.py": ({}, BUSY),
    "quinn_bomb.py": ({}, BOMB),
    "rob_exit.py": ({}, EXIT),
    "tina_torch.py": ({}, "\nimport torch\n"),
}
EXPECTED = {  # submission -> the bug classes it must be given
    "alice_correct.py": [],
    "bob_correct.ipynb": [],
    "carol_loud.py": [],  # correct, prints megabytes
    "dan_assign.py": ["assign"],
    "erin_sub_sign.py": ["sign"],
    "frank_mul_upstream.py": ["upstream"],
    "grace_tanh_input.py": ["uses_input"],
    "heidi_recursive.py": ["recursion"],
    "ivan_inner_grads.py": ["double_backward"],
    "judy_power.py": ["power"],
    "ken_relu_output.py": ["relu_output"],
    "lena_exp_one.py": ["forgets_chain"],
    "mike_no_visited.py": ["revisits"],
    "nina_endless.py": ["infinite_recursion"],
    "oscar_event.py": ["hang"],  # blocked in threading.Event().wait()
    "pat_busy.py": ["hang"],  # time.sleep in a loop, except: pass around it
    "quinn_bomb.py": ["memory"],  # 64 GiB at import
    "rob_exit.py": ["crash"],  # os._exit
    "sam_syntax.py": ["syntax"],
    "tina_torch.py": ["forbidden"],
    "uma_subclass.py": ["forbidden"],  # subclasses chainrule's Value without an import line
}


@pytest.fixture(scope="session")
def submissions(tmp_path_factory):
    """The class's 21 submissions in a folder: written from the engine, or copied."""
    folder = tmp_path_factory.mktemp("submissions")
    for name, (bugs, extra) in SUBMISSIONS.items():
        (folder / name).write_text(engine_source(extra, **bugs), encoding="utf-8")
    for path in CLASS.iterdir():  # the syntax error is kept as .py.txt, away from linters
        shutil.copy(path, folder / path.name.removesuffix(".txt"))
    assert sorted(p.name for p in folder.iterdir()) == sorted(EXPECTED)
    return folder


@pytest.fixture(scope="module")
def graded(tmp_path_factory, submissions):
    out = tmp_path_factory.mktemp("graded")
    tag = str(uuid.uuid4())
    command = [
        sys.executable, "-m", "autograd.grade", *sorted(map(str, submissions.iterdir())),
        "--json", str(out / "results.json"), "--gradescope", str(out / "gradescope"),
        "--dashboard", str(out / "class.html"), "--csv", str(out / "class.csv"),
        "--timeout", "5", "--jobs", "2",
    ]  # fmt: skip
    started = time.monotonic()
    done = subprocess.run(
        command, capture_output=True, text=True, env={**os.environ, "GRADE_TEST_TAG": tag}
    )
    took = time.monotonic() - started
    return out, done, took, tag


def test_the_class_is_graded_within_the_speed_bar_and_leaves_nothing(graded):
    out, done, took, tag = graded
    assert done.returncode == 0, done.stderr
    assert took < 180, took
    assert tagged("GRADE_TEST_TAG", tag) == []
    assert "judy_power.py: 8/10  power" in done.stdout


def test_every_bug_class_is_named_and_correct_engines_get_full_marks(graded):
    out, *_ = graded
    results = json.loads((out / "results.json").read_text())
    assert results["schema"] == "chainrule.grade/1" and results["hints"] == "nudge"
    found = {e["submission"]: e["bug_classes"] for e in results["submissions"]}
    assert found == EXPECTED
    for entry in results["submissions"]:
        assert set(entry) >= {"submission", "score", "max_score", "bug_classes", "probes", "error"}
        if not EXPECTED[entry["submission"]]:
            assert entry["score"] == entry["max_score"] == 10 and entry["error"] is None
            assert all(p["passed"] for p in entry["probes"])
        for probe in entry["probes"]:
            assert set(probe) >= {"name", "passed", "bug_class", "hint", "score", "max_score"}


def test_scores_by_bug_class(graded):
    out, *_ = graded
    scores = {
        e["submission"]: e["score"]
        for e in json.loads((out / "results.json").read_text())["submissions"]
    }
    assert scores["judy_power.py"] == 8  # one class, weight 2, of 10
    assert scores["oscar_event.py"] == scores["nina_endless.py"] == 0  # every probe fails
    assert scores["sam_syntax.py"] == scores["tina_torch.py"] == scores["quinn_bomb.py"] == 0


def test_the_syntax_error_and_the_default_hints(graded):
    out, *_ = graded
    entries = {
        e["submission"]: e for e in json.loads((out / "results.json").read_text())["submissions"]
    }
    lines = (CLASS / "sam_syntax.py.txt").read_text().splitlines()
    colonless = lines.index("    def __mul__(self, other)") + 1  # the def that lost its colon
    assert f"expected ':' (line {colonless})" in entries["sam_syntax.py"]["error"]
    hints = {p["hint"] for p in entries["judy_power.py"]["probes"] if p["hint"]}
    assert hints == {"compare pow's derivative with the power rule at x = 2"}


def test_gradescope_results_follow_the_format(graded):
    out, *_ = graded
    for stem in (Path(name).stem for name in EXPECTED):
        text = (out / "gradescope" / stem / "results.json").read_text()
        assert "ⁿ⁻¹" not in text and "1 - t" not in text  # the default hints give no rule
        page = json.loads(text)
        assert set(page) == {"score", "tests"}
        for test in page["tests"]:
            assert set(test) == {"name", "score", "max_score", "output", "visibility"}
        assert sum(t["score"] for t in page["tests"]) == pytest.approx(page["score"])
        assert sum(t["max_score"] for t in page["tests"]) == 10


def test_the_csv_and_the_dashboard_count_the_classes(graded):
    out, *_ = graded
    rows = list(csv.DictReader((out / "class.csv").open()))
    assert len(rows) == 21 and rows[0]["score"] == "0.0"
    page = (out / "class.html").read_text()
    counts = dict(re.findall(r'end">([a-z_]+)</text>.*?>(\d+) of 21</text>', page))
    assert counts["hang"] == "2" and counts["forbidden"] == "2" and counts["power"] == "1"
    assert len(counts) == 16 and "<script" not in page


def test_a_notebook_is_read_by_its_code_cells_in_order(tmp_path):
    notebook = {
        "cells": [
            {"cell_type": "code", "source": ["import math\n"]},
            {"cell_type": "markdown", "source": ["text"]},
            {"cell_type": "code", "source": ["%time\n", "x = (\n"]},
        ]
    }
    path = tmp_path / "n.ipynb"
    path.write_text(json.dumps(notebook))
    found = read_submission(path)
    assert found.job is None and found.problem.kind == "syntax"
    assert "cell 2, line 2" in found.problem.text


def test_bad_arguments_exit_2_and_a_missing_file_is_graded_as_unreadable(tmp_path, capsys):
    assert main([str(tmp_path / "none.py"), "--json", str(tmp_path / "r.json")]) == 0
    (entry,) = json.loads((tmp_path / "r.json").read_text())["submissions"]
    assert entry["score"] == 0 and "cannot read" in entry["error"]
    assert main(["x.py", "--json", "r.json", "--timeout", "0"]) == 2
    assert main(["x.py", "--json", "r.json", "--weights", '{"nonsense": 1}']) == 2
    assert "--weights names no bug class: nonsense" in capsys.readouterr().err


def test_score_rules():
    assert score(set(), {}, 10, 38, 38) == 10
    assert score({"power", "sign"}, {"power": 3}, 10, 20, 38) == 5
    assert score({"hang"}, {}, 10, 0, 38) == 0  # fails every probe
    assert score({"syntax"}, {}, 10, 0, 0) == 0


def test_the_dashboard_in_a_real_browser(graded):
    from tests.browser import browser, screenshot

    out, *_ = graded
    driver = browser(1200, 1800)
    try:
        driver.get((out / "class.html").as_uri())
        bars = driver.find_elements("css selector", "svg rect")
        widths = [bar.size["width"] for bar in bars]
        rows = driver.find_elements("css selector", "table tr")
        score = driver.find_element("css selector", "td.n")
        screenshot(driver, "grade_dashboard.png")
        assert len(bars) == 16 and widths[0] == max(widths) > 2 * min(widths) * 0.99
        assert len(rows) == 22 and score.size["height"] < 30  # "0 / 10" on one line
    finally:
        driver.quit()


def test_another_class_name_weights_and_hints_with_numbers(tmp_path, submissions):
    source = engine_source(power=True).replace("Value", "Scalar")
    (tmp_path / "scalar.py").write_text(source)
    paths = [str(tmp_path / "scalar.py"), str(submissions / "alice_correct.py")]
    args = ["--json", str(tmp_path / "r.json"), "--class", "Scalar", "--hints", "numbers"]
    assert main([*paths, *args, "--weights", '{"power": 3}']) == 0
    scalar, alice = json.loads((tmp_path / "r.json").read_text())["submissions"]
    assert scalar["score"] == 7 and scalar["bug_classes"] == ["power"]
    hint = next(p["hint"] for p in scalar["probes"] if p["hint"])
    assert hint.endswith("`a ** 3` gives a.grad 1.029, expected 1.47")  # 3·0.7³, 3·0.7²
    assert alice["score"] == 0 and "defines no class named 'Scalar'" in alice["error"]


FORGE_RUNNER = """
import sys as _s
_m = _s.modules['__main__']
_orig = getattr(_m, 'run_probe', None) or _s.modules['autograd.check.probes'].run_probe
_m.run_probe = lambda cls, probe: _orig(_s.modules['autograd.value'].Value, probe)
"""
FORGE_PROBES = """
import sys as _s
_p = _s.modules['autograd.check.probes']; _build = _p.build
_p.build = lambda cls, probe: _build(_s.modules['autograd.value'].Value, probe)
"""
FORGE_LINES = """
import os as _os
for _fd in range(3, 64):
    try:
        _os.write(_fd, b'{"loaded": true, "forbidden": "", "name": "Value"}\\n{"index": 0}\\n')
    except OSError:
        pass
"""
BORROW_NODES = """
import sys as _s
_Theirs = _s.modules['autograd.value'].Value
class Value(Value):
    def __sub__(self, other):
        return _Theirs(self.data) - _Theirs(getattr(other, 'data', other))
"""


@pytest.mark.parametrize("forgery", [FORGE_RUNNER, FORGE_PROBES, FORGE_LINES])
def test_a_submission_cannot_forge_its_grade(tmp_path, forgery):
    source = engine_source(sub_sign=True)
    (tmp_path / "erin.py").write_text(source + forgery)
    assert main([str(tmp_path / "erin.py"), "--json", str(tmp_path / "r.json")]) == 0
    (entry,) = json.loads((tmp_path / "r.json").read_text())["submissions"]
    assert entry["bug_classes"] == ["sign"] and entry["score"] == 8


def test_nodes_of_chainrule_s_value_are_forbidden(tmp_path):
    source = engine_source()
    (tmp_path / "borrow.py").write_text(source + BORROW_NODES)
    assert main([str(tmp_path / "borrow.py"), "--json", str(tmp_path / "r.json")]) == 0
    (entry,) = json.loads((tmp_path / "r.json").read_text())["submissions"]
    assert "forbidden" in entry["bug_classes"] and entry["score"] == 0
    failed = {p["name"]: p["bug_class"] for p in entry["probes"] if not p["passed"]}
    assert failed["a - b"] == "forbidden"


@pytest.mark.parametrize(
    ("option", "value", "words"),
    [
        ("--weights", '{"sign": -3}', "--weights: sign must be a finite number >= 0, got -3"),
        ("--weights", '{"sign": "x"}', "--weights: sign must be a finite number >= 0, got 'x'"),
        ("--weights", '{"sign": NaN}', "--weights: sign must be a finite number >= 0, got nan"),
        ("--weights", '{"sign": true}', "--weights: sign must be a finite number >= 0"),
        ("--weights", "[1]", "--weights must be a JSON object"),
        ("--weights", '{"nonsense": 1}', "--weights names no bug class: nonsense (the classes: "),
        ("--weights", '{"sign"', "--weights: not JSON"),
        ("--max-score", "-5", "--max-score must be a number > 0, got -5.0"),
        ("--max-score", "0", "--max-score must be a number > 0"),
        ("--max-score", "nan", "--max-score must be a number > 0"),
    ],
)
def test_bad_weights_and_max_score_exit_2_with_one_line(tmp_path, capsys, option, value, words):
    path = tmp_path / "r.json"
    assert main(["alice_correct.py", "--json", str(path), option, value]) == 2
    err = capsys.readouterr().err
    assert words in err and err.count("\n") == 1 and not path.exists()


def test_the_score_never_exceeds_max_score():
    assert score({"sign"}, {"sign": 0.0}, 3, 38, 38) == 3
    assert score({"sign"}, {"sign": 0.5}, 3, 38, 38) == 2.5
    assert score({"sign", "power"}, {}, 3, 38, 38) == 0
