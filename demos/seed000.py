"""Seed 000: dot products as weighted averages, linear models fitted by descent, derivatives."""

from __future__ import annotations

import math
from pathlib import Path

from autograd import Value, define_op, dot, gradcheck, total
from demos.report import Figure, say, standalone
from viz import draw_dot

GPA = [3.3, 3.1, 2.9, 3.4, 3.5]
STUDENT_B = [3.1, 2.5, 2.6, 2.8, 2.9]
WEIGHTED = (3.28666667, 2.77333333)
PLAIN = (3.24, 2.78)
H = 0.005  # the notebook's step for its numeric derivative


def descend(x: list[list[float]], y: list[float], w0: list[float], lr: float, steps: int):
    """Fit w in x·w = y by gradient descent on the mean squared error, with backward()."""
    w = [Value(v, label=f"w{i + 1}") for i, v in enumerate(w0)]
    for _ in range(steps):
        loss = mse_of(w, x, y)
        for p in w:
            p.grad = 0.0
        loss.backward()
        for p in w:
            p.data -= lr * p.grad
    return w


def mse_of(w: list[Value], x: list[list[float]], y: list[float]) -> Value:
    return total([(dot(w, row) - t) ** 2 for row, t in zip(x, y, strict=True)]) * (1 / len(y))


def mae_of(w: list[Value], x: list[list[float]], y: list[float]) -> Value:
    return total([(dot(w, row) - t).abs() for row, t in zip(x, y, strict=True)]) * (1 / len(y))


def run(out: Path) -> list[Figure]:
    weights = [k / 15 for k in range(1, 6)]
    students = [dot(weights, GPA), dot(weights, STUDENT_B)]
    averages = [dot([0.2] * 5, GPA), dot([0.2] * 5, STUDENT_B)]
    say(f"weighted GPA (weights k/15): {[round(s.data, 8) for s in students]}")
    say(f"plain average (weights 1/5): {[round(a.data, 8) for a in averages]}")

    w = descend([[3.0]], [6.0], [5.0], lr=0.05, steps=200)
    prediction = dot(w, [4.0]).data
    say(
        f"3x = 6 by descent from w = 5: w = {w[0].data:.10f}; "
        f"it predicts {prediction:.10f} for x = 4"
    )

    system = [[2.0, 1.0], [3.0, -1.0]]
    w2 = descend(system, [7.0, 3.0], [0.49460165, 0.2280831], lr=0.05, steps=2000)
    say(f"2x1 + x2 = 7, 3x1 - x2 = 3 by descent: x1 = {w2[0].data:.10f}, x2 = {w2[1].data:.10f}")

    at = [3.0, 3.0]
    rows = []
    for name, loss_of in (("MSE", mse_of), ("MAE", mae_of)):
        point = [Value(v) for v in at]
        loss = loss_of(point, system, [7.0, 3.0])
        loss.backward()
        numeric = []
        for i in range(2):
            moved = list(at)
            moved[i] += H
            numeric.append(
                (loss_of([Value(v) for v in moved], system, [7.0, 3.0]).data - loss.data) / H
            )
        rows.append((name, loss.data, [p.grad for p in point], numeric))
        say(
            f"{name} at w = {at}: {loss.data:g}; analytic dL/dw {[p.grad for p in point]}, "
            f"numeric (h = {H}) {[round(n, 4) for n in numeric]}"
        )
    say("MSE's slope grows with the error; MAE's is the sign of each error times its input")

    wrong = define_op(
        "sigmoid_seed000",
        lambda a: 1 / (1 + math.exp(-a)),
        lambda out, a: (out * 1 - out,),  # the notebook's precedence slip: (s·1) - s = 0
        rule="s * 1 - s",
    )
    report = gradcheck(lambda a, b: Value.apply(wrong, a * 0.5 + b), [0.4, -0.3])
    say("gradcheck on a sigmoid whose derivative is written s * 1 - s:")
    for line in str(report).splitlines():
        say(f"  {line}")
    right = gradcheck(lambda a, b: (a * 0.5 + b).sigmoid(), [0.4, -0.3])
    z = Value(0.4, label="z")
    s = Value.apply(wrong, z)
    s.label = "s"
    s.backward()  # the picture shows the slip: ∂s/∂z = s * 1 - s = 0 on the edge
    draw_dot(s).save(out / "seed000-wrong-sigmoid.svg")

    mse_row = rows[0]
    return [
        Figure("000", "GPA, student a", WEIGHTED[0], students[0].data, 5e-9),
        Figure("000", "GPA, student b", WEIGHTED[1], students[1].data, 5e-9),
        Figure("000", "plain average, student a", PLAIN[0], averages[0].data, 1e-12),
        Figure("000", "plain average, student b", PLAIN[1], averages[1].data, 1e-12),
        Figure("000", "3x = 6: w", 2.0, w[0].data, 1e-9),
        Figure("000", "3x = 6: prediction at x = 4", 8.0, prediction, 1e-8),
        Figure("000", "system: x1", 2.0, w2[0].data, 1e-9),
        Figure("000", "system: x2", 3.0, w2[1].data, 1e-9),
        Figure("000", "numeric dL/dw1, h = 0.005", 13.0325, mse_row[3][0], 1e-9),
        Figure("000", "analytic dL/dw1 (backward)", 13.0, mse_row[2][0], 0),
        Figure("000", "gradcheck fails on s * 1 - s", 0.0, float(bool(report)), 0),
        Figure("000", "gradcheck passes on sigmoid", 1.0, float(bool(right)), 0),
    ]


if __name__ == "__main__":
    standalone(run, __doc__)
