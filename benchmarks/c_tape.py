"""chainrule against a tape written in C: how far a Python scalar engine is from the floor.

The workload is a chain of 200,000 ops drawn at random (add 30%, sub 15%, mul 30%,
tanh 20%, neg 5%) over 1,000 leaves: each op takes the previous node, and add, sub
and mul a leaf too (a weight of exactly ±1 for mul, an input under 1e-6 for add and
sub), so values stay near 0 and no gradient is 0: backward has every node to do.

- ``c tape``: ``benchmarks/c_tape.c``, compiled with ``cc -O2``, runs the chain as
  arrays (op, inputs, value, gradient) with a switch per op, 21 times; the median.
- ``chainrule``: the same chain written out as Python (``y = y * v[17]``, one line per
  op, as a user's program would read), built and differentiated 5 times; the median.
Both report ns per op, forward and backward, and the leaves' gradients, which must agree.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from array import array
from pathlib import Path
from typing import Any

from benchmarks.scalar import ratios, same_losses, spread, taking_turns

OPS, LEAVES = 200_000, 1_000
ADD, SUB, MUL, TANH, NEG = range(5)
MIX = ((ADD, 0.30), (SUB, 0.15), (MUL, 0.30), (TANH, 0.20), (NEG, 0.05))
SOURCE = Path(__file__).with_name("c_tape.c")


def chain(ops: int = OPS, leaves: int = LEAVES, seed: int = 0) -> dict[str, list]:
    """The op chain: leaf values, and per op its code and two input indices (a unary op
    names its input twice). Leaves 0 .. leaves/2 - 1 are the ±1 weights, the rest inputs."""
    rng = random.Random(seed)
    half = leaves // 2
    values = [rng.choice((-1.0, 1.0)) for _ in range(half)]
    values += [rng.uniform(-1e-6, 1e-6) for _ in range(leaves - half)]
    codes = rng.choices([c for c, _ in MIX], [w for _, w in MIX], k=ops)
    first, second = [], []
    for k, code in enumerate(codes):
        a = leaves + k - 1 if k else half  # the previous node (the first op: an input)
        if code == MUL:
            b = rng.randrange(half)
        elif code in (ADD, SUB):
            b = rng.randrange(half, leaves)
        else:
            b = a
        first.append(a)
        second.append(b)
    return {"leaves": values, "codes": codes, "a": first, "b": second}


def as_python(spec: dict[str, list]) -> str:
    """The chain as one Python function of the leaves ``v``: a line per op."""
    forms = {ADD: "y = y + v[{b}]", SUB: "y = y - v[{b}]", MUL: "y = y * v[{b}]",
             TANH: "y = y.tanh()", NEG: "y = -y"}
    lines = ["def build(v):", f"    y = v[{spec['a'][0]}]"]
    for code, b in zip(spec["codes"], spec["b"], strict=True):
        lines.append("    " + forms[code].format(b=b))
    lines.append("    return y")
    return "\n".join(lines)


def chainrule_worker(repeats: int = 5) -> dict[str, Any]:
    """Build and differentiate the chain ``repeats`` times: median ns per op, leaf grads."""
    from autograd import Value

    spec = chain()
    scope: dict[str, Any] = {}
    exec(compile(as_python(spec), "<the op chain>", "exec"), scope)
    build = scope["build"]
    fwd, bwd = [], []
    for _ in range(repeats):
        leaves = [Value(x) for x in spec["leaves"]]
        start = time.perf_counter()
        root = build(leaves)
        middle = time.perf_counter()
        root.backward()
        end = time.perf_counter()
        fwd.append((middle - start) / OPS * 1e9)
        bwd.append((end - middle) / OPS * 1e9)
        del root
    return {
        "forward ns": statistics.median(fwd),
        "backward ns": statistics.median(bwd),
        "grads": [x.grad for x in leaves],
    }


def compiler() -> str | None:
    """The C compiler to build the tape with ($CC, else cc or gcc), None if there is none."""
    return os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")


def c_worker(repeats: int = 21) -> dict[str, Any]:
    """Compile the C tape, hand it the chain, and read back its timings and leaf grads."""
    spec = chain()
    cc = compiler()
    if cc is None:
        raise RuntimeError("the C tape needs a C compiler: set CC or install cc")
    with tempfile.TemporaryDirectory() as tmp:
        where = Path(tmp)
        program = where / "c_tape"
        subprocess.run([cc, "-O2", "-o", str(program), str(SOURCE), "-lm"], check=True)
        with open(where / "spec", "wb") as out:
            array("i", [len(spec["leaves"]), OPS]).tofile(out)
            array("d", spec["leaves"]).tofile(out)
            for field in ("codes", "a", "b"):
                array("i", spec[field]).tofile(out)
        done = subprocess.run(
            [str(program), str(where / "spec"), str(where / "grads"), str(repeats)],
            check=True, capture_output=True, text=True,
        )
        grads = array("d")
        with open(where / "grads", "rb") as read:
            grads.fromfile(read, len(spec["leaves"]))
    return {**json.loads(done.stdout), "grads": grads.tolist()}


def compare(rounds: int = 3) -> dict[str, Any]:
    """chainrule's ns per op over the C tape's, forward and backward, round by round,
    and the largest difference between the two engines' leaf gradients."""
    runs = taking_turns(["c tape", "chainrule"], "benchmarks.c_tape", rounds)
    out: dict[str, Any] = {}
    for field in ("forward ns", "backward ns"):
        out[field] = ratios(runs, "chainrule", "c tape", field)
        out["c " + field] = spread([c[field] for c in runs["c tape"]])
    out["max |grad difference|"] = same_losses(runs, "chainrule", "c tape", "grads")
    if not out["max |grad difference|"] <= 1e-9:
        raise AssertionError(f"chainrule and the C tape disagree: {out['max |grad difference|']}")
    return out


if __name__ == "__main__":
    if sys.argv[1:2] == ["--worker"]:
        work = c_worker if sys.argv[2] == "c tape" else chainrule_worker
        print(json.dumps(work()))
    else:
        print(json.dumps(compare(int(sys.argv[1]) if len(sys.argv) > 1 else 3), indent=1))
