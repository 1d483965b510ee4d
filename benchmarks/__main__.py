"""Every row of issue 17's table in one run: ``python -m benchmarks [--quick]``.

Each row comes from fresh processes taking turns (A B A B …), a ratio per round,
and prints its median and range. PyTorch runs on one thread
(``torch.set_num_threads(1)``), float64; the hand-written numpy step does only the
step's work. Needs micrograd 0.1.0 and torch 2.13.0 in this interpreter (the dev
extra). ``--quick``: one round of each (a smoke run, minutes); the full run takes
three rounds (``--rounds N`` for more). ``--write`` keeps the table, with the machine
it ran on, as ``benchmarks/last_run.txt``: the figures ``docs/performance.md`` quotes.
"""

from __future__ import annotations

import sys
from typing import Any

from benchmarks.record import LAST_RUN, load, machine, verdict
from benchmarks.scalar import ratios, spread, taking_turns


def _range(figures: dict[str, float], unit: str = "x", digits: int = 2) -> str:
    m, lo, hi = figures["median"], figures["min"], figures["max"]
    return f"{m:.{digits}f}{unit} ({lo:.{digits}f}-{hi:.{digits}f})"


def rows(rounds: int) -> list[tuple[str, str, str]]:
    """(workload, measured, target) for each row of the issue's table."""
    from benchmarks.diagrams import PAIRS
    from benchmarks.microgpt import microgpt
    from benchmarks.replay import compare
    from benchmarks.scalar import fused_step, graph_nodes, import_time, micrograd_style

    out: list[tuple[str, str, str]] = []
    fused = fused_step(rounds)
    out.append(
        (
            "demo step, our nn (fused dot), steady, vs micrograd 0.1.0",
            _range(fused["steady"], digits=1),
            ">= 60x",
        )
    )
    out.append(("same, first step of a fresh process", _range(fused["first"], digits=1), ">= 45x"))
    styles = micrograd_style(rounds)
    out.append(
        (
            "same step in micrograd's own nn code on our Values",
            _range(styles["micrograd's nn"]["steady"], digits=1),
            ">= 30x",
        )
    )
    out.append(
        (
            "same, the neuron as sum(wi*xi for ...) + b, the mean as sum(losses) / len",
            _range(styles["micrograd's nn, by hand"]["steady"], digits=1),
            ">= 30x",
        )
    )
    gpt = microgpt(rounds)
    out.append(
        (
            "microgpt-style step vs a 40-line local-grads engine",
            f"{_range(gpt['steady'])}, losses within {gpt['max |loss difference|']:.1e}",
            ">= 3x, losses to 1e-9",
        )
    )
    nodes = graph_nodes(few(rounds))
    for name, figures in nodes.items():
        if name == "nodes":
            continue
        out.append(
            (
                f"{nodes['nodes']:,}-node graph, {name} ({figures['zero share']:.1%} of nodes "
                "0), ns per node fwd / bwd",
                f"{_range(figures['forward ns'], '', 0)} / "
                f"{_range(figures['backward ns'], '', 0)}",
                "<= 600 / <= 400",
            )
        )
    tape = c_tape(few(rounds))
    if tape is not None:
        out.append(
            (
                "random op chain, 200,000 ops, every gradient live: ns per op over a C tape's, "
                "fwd / bwd",
                f"{_range(tape['forward ns'])} / {_range(tape['backward ns'])}; C tape "
                f"{tape['c forward ns']['median']:.1f} / {tape['c backward ns']['median']:.1f} ns, "
                f"grads within {tape['max |grad difference|']:.0e}",
                "<= 25x / <= 25x",
            )
        )
    out.extend(pure_storage_rows(rounds))
    kinds = ["chainrule replay", "replay, own loop", "numpy by hand"]
    demo = taking_turns(kinds, "benchmarks.demo_step", rounds)
    out.append(
        (
            "replay of the demo step vs numpy by hand (times slower)",
            _range(ratios(demo, "chainrule replay", "numpy by hand", "s")),
            "<= 2.5x",
        )
    )
    out.append(
        (
            "same, the loop of zero_grad, forward, backward, step on the Values",
            _range(ratios(demo, "replay, own loop", "numpy by hand", "s")),
            "<= 2.5x",
        )
    )
    batched = compare(rounds, values=True)
    for key, figures in batched["torch / replay"].items():
        out.append(
            (
                f"replay vs torch (1 thread), MLP(2,[h,h,1]) {key}: torch's time / ours",
                _range(figures),
                ">= 1x",
            )
        )
    for key, figures in batched["torch / replay, Values read and written each step"].items():
        out.append(
            (
                f"same, the loop of zero_grad, forward, backward, step on the Values, {key}",
                _range(figures),
                ">= 1x",
            )
        )
    out.append(
        (
            "fit at full batch (1000 moons), per epoch, vs torch (times slower)",
            _range(batched["fit / torch per epoch"]),
            "<= 1.5x",
        )
    )
    for ours, plain in PAIRS:  # 1,630 and 2,276 values
        draw = taking_turns([ours, plain], "benchmarks.diagrams", rounds)
        out.append(
            (
                f"draw_dot(...).svg() of a {draw[ours][0]['nodes']:,}-value graph vs micrograd's "
                "diagram",
                f"{_range(ratios(draw, ours, plain, 's'))}, "
                f"{_range(spread([r['s'] for r in draw[ours]]), ' s', 1)}",
                "<= 2x",
            )
        )
    imports = import_time(max(3, rounds))
    out.append(("import nn", _range(imports["import nn ms"], " ms", 0), "<= 80 ms"))
    return out


def few(rounds: int) -> int:
    """The rounds of a row that takes seconds a process (a big graph): at most three."""
    return max(1, min(rounds, 3))


def c_tape(rounds: int) -> dict[str, Any] | None:
    """benchmarks.c_tape's comparison, or None (and a note) where no C compiler is found."""
    from benchmarks.c_tape import compare, compiler

    if compiler() is None:
        print("no C compiler (set CC): the C tape row is left out", flush=True)
        return None
    return compare(rounds)


def pure_storage_rows(rounds: int) -> list[tuple[str, str, str]]:
    """The scalar rows again on the pure-Python storage (no C compiler; the browser lab),
    and how the cost per node grows with the graph on both storages."""
    from benchmarks.microgpt import microgpt
    from benchmarks.scalar import COLLECTOR_OFF, graph_nodes, graph_sizes, micrograd_style

    pure = {"CHAINRULE_PURE_PYTHON": "1"}
    styles = micrograd_style(rounds, env=pure)
    gpt = microgpt(rounds, env=pure)
    live = graph_nodes(few(rounds), env=pure)["live gradients"]
    out = [
        (
            "pure-Python storage: micrograd's own nn code on our Values, vs micrograd 0.1.0",
            _range(styles["micrograd's nn"]["steady"], digits=1),
            ">= 30x",
        ),
        (
            "pure-Python storage: microgpt-style step vs the 40-line engine",
            _range(gpt["steady"]),
            ">= 3x",
        ),
        (
            "pure-Python storage: the 200,000-node graph, live gradients, ns per node fwd / bwd",
            f"{_range(live['forward ns'], '', 0)} / {_range(live['backward ns'], '', 0)}",
            "<= 600 / <= 400",
        ),
    ]
    off = {**pure, COLLECTOR_OFF: "1"}  # a diagnosis: only our workers' collector is off
    diagnosis = "(diagnosis, not judged: the benchmark switched our process's collector off)"
    out.append(
        (
            f"same micrograd row, {diagnosis}",
            _range(micrograd_style(rounds, env=off)["micrograd's nn"]["steady"], digits=1),
            "none",
        )
    )
    out.append(
        (f"same microgpt row, {diagnosis}", _range(microgpt(rounds, env=off)["steady"]), "none")
    )
    for storage, env in (("compiled", None), ("pure-Python", pure)):
        growth = graph_sizes(few(rounds), env=env)["growth"]
        small, big = growth["sizes"]
        out.append(
            (
                f"{storage} storage: ns per node at {big:,} nodes over at {small:,}, fwd / bwd",
                f"{_range(growth['forward'])} / {_range(growth['backward'])}",
                "<= 1.5x / <= 1.5x",
            )
        )
    return out


def main(argv: list[str]) -> None:
    quick = "--quick" in argv
    rounds = int(argv[argv.index("--rounds") + 1]) if "--rounds" in argv else 1 if quick else 3
    lines = machine()
    lines.append(
        f"{rounds} round(s) of fresh processes taking turns; each figure: median (min-max) "
        "over the rounds; torch on 1 thread, float64"
    )
    print("\n".join(lines), flush=True)
    table: list[Any] = rows(rounds)
    width = max(len(w) for w, _, _ in table)
    body = [f"\n{'workload':<{width}}  {'measured':<40}  {'target':<22}  verdict"]
    for workload, measured, target in table:
        body.append(
            f"{workload:<{width}}  {measured:<40}  {target:<22}  {verdict(measured, target)}"
        )
    body.append(f"\nload average at the end: {load()}")
    print("\n".join(body))
    if "--write" in argv:
        LAST_RUN.write_text("\n".join(lines + body) + "\n")
        print(f"written to {LAST_RUN}")


if __name__ == "__main__":
    main(sys.argv[1:])
