"""A run of python -m benchmarks judges each row by its ranges and says where it ran."""

from benchmarks.record import machine, verdict


def test_a_row_met_in_every_round_or_some_or_none():
    assert verdict("172.0x (115.3-189.2)", ">= 60x") == "met in every round"
    assert verdict("1.05x (0.83-1.21)", ">= 1x") == "missed in some rounds"
    assert verdict("0.90x (0.83-0.95)", ">= 1x") == "missed in every round"
    assert verdict("2.40x (2.17-3.95)", "<= 2.5x") == "missed in some rounds"
    assert verdict("3.88x (3.02-4.00)", "<= 2.5x") == "missed in every round"


def test_each_bar_of_a_two_part_row_is_judged():
    assert verdict("256 (243-348) / 66 (57-74)", "<= 600 / <= 400") == "met in every round"
    assert verdict("256 (243-348) / 366 (57-474)", "<= 600 / <= 400") == "missed in some rounds"
    # the loss bar has no range printed: only the ratio is judged
    assert verdict("5.47x (5.12-5.94), losses within 8.9e-16", ">= 3x, losses to 1e-9") == (
        "met in every round"
    )


def test_a_run_names_its_machine_commit_and_load():
    header = "\n".join(machine())
    assert "logical CPUs" in header and "commit " in header and "load average" in header
    assert "numpy " in header and "python " in header
