# %% [markdown]
# # Seed 000: weighted averages, a line fitted by descent, and derivatives
#
# The first seed notebook builds intuition with numpy: a dot product is a weighted average,
# a linear model is fitted by gradient descent, and a derivative can be estimated by nudging
# a weight or written by hand. Here each step is redone with chainrule's `Value`s: the hand
# derivation stays beside the engine's, and the figures the seed printed are checked with
# `assert`, so this notebook fails loudly if they ever disagree.

# %%
import math

from autograd import Value, define_op, dot, gradcheck, total
from viz import draw_dot

# %% [markdown]
# ## A dot product is a weighted average
#
# Five course grades, weighted by credits 1 to 5 (the weights k/15 add up to 1):

# %%
grades = [Value(g, label=f"g{k}") for k, g in enumerate([3.3, 3.1, 2.9, 3.4, 3.5], start=1)]
weights = [k / 15 for k in range(1, 6)]
gpa = dot(weights, grades)
gpa.label = "gpa"
gpa

# %% [markdown]
# By hand: (3.3·1 + 3.1·2 + 2.9·3 + 3.4·4 + 3.5·5) / 15 = 49.3 / 15 = 3.28666667. With equal
# weights of 1/5 it is the plain average, 3.24. A second student's grades give 2.77333333
# and 2.78.

# %%
student_b = [3.1, 2.5, 2.6, 2.8, 2.9]
gpa_b = dot(weights, student_b)
plain, plain_b = dot([0.2] * 5, grades), dot([0.2] * 5, student_b)
print(f"weighted: {gpa.data:.8f}, {gpa_b.data:.8f}   plain: {plain.data:.8f}, {plain_b.data:.8f}")
assert abs(gpa.data - 3.28666667) < 5e-9 and abs(gpa_b.data - 2.77333333) < 5e-9
assert abs(plain.data - 3.24) < 1e-12 and abs(plain_b.data - 2.78) < 1e-12

# %% [markdown]
# How much does the average move when one grade moves? The average is a sum of weight ×
# grade, so its derivative with respect to grade k is just weight k. `backward()` agrees:

# %%
gpa.backward()
for k, g in enumerate(grades):
    print(f"∂gpa/∂{g.label} = {g.grad:.6f}   (by hand {k + 1}/15 = {weights[k]:.6f})")
    assert abs(g.grad - weights[k]) < 1e-15

# %% [markdown]
# ## Solving 3x = 6 by descent
#
# Treat the unknown as a weight `w` and the equation as a model `3·w` that should output 6.
# The squared error L(w) = (3w - 6)² is smallest at the answer. Its derivative, by hand, is
# dL/dw = 2 · (3w - 6) · 3. At the starting guess w = 5 that is 2 · 9 · 3 = 54.

# %%
w = Value(5.0, label="w")
L = (3 * w - 6) ** 2
L.label = "L"
L.backward()
print(f"backward: dL/dw = {w.grad}, by hand 2·(3·5 - 6)·3 = {2 * (3 * 5 - 6) * 3}")
draw_dot(L)

# %% [markdown]
# Gradient descent moves `w` a small step against its derivative, and repeats:

# %%
for _ in range(200):
    L = (3 * w - 6) ** 2
    w.grad = 0.0
    L.backward()
    w.data -= 0.05 * w.grad
prediction = 4 * w.data
print(f"w = {w.data:.10f}; the model predicts {prediction:.10f} for x = 4")
assert abs(w.data - 2.0) < 1e-9

# %% [markdown]
# ## Two equations, two unknowns
#
# 2x₁ + x₂ = 7 and 3x₁ - x₂ = 3 is the same problem with two weights: the rows of the
# system are the inputs, the right-hand sides the targets, and the loss is the mean squared
# error (MSE) over the two rows.

# %%
rows, targets = [[2.0, 1.0], [3.0, -1.0]], [7.0, 3.0]


def mse(w):
    return total([(dot(w, row) - t) ** 2 for row, t in zip(rows, targets)]) * (1 / len(rows))


def mae(w):
    return total([(dot(w, row) - t).abs() for row, t in zip(rows, targets)]) * (1 / len(rows))


x = [Value(0.49460165, label="x1"), Value(0.2280831, label="x2")]
for _ in range(2000):
    loss = mse(x)
    for p in x:
        p.grad = 0.0
    loss.backward()
    for p in x:
        p.data -= 0.05 * p.grad
print(f"x1 = {x[0].data:.10f}, x2 = {x[1].data:.10f}")
assert abs(x[0].data - 2.0) < 1e-9 and abs(x[1].data - 3.0) < 1e-9

# %% [markdown]
# ## The derivative by nudging, and by hand
#
# The seed estimates each derivative numerically: move one weight by h = 0.005 and divide the
# change in the loss by h. At x = (3, 3) the two rows predict 9 and 6, so the errors are 2
# and 3, and the MSE is (2² + 3²)/2 = 6.5. By hand:
#
# - ∂MSE/∂x₁ = (2·2·2 + 2·3·3)/2 = 13
# - ∂MSE/∂x₂ = (2·2·1 + 2·3·(-1))/2 = -1
#
# The nudge overshoots a little, because the loss curves: the error of a one-sided difference
# is about h/2 times the second derivative, here 0.005/2 · 13 = 0.0325.

# %%
h = 0.005
at = [3.0, 3.0]
slopes = {}  # the loss's name: (backward's slopes, the nudged ones)
for name, loss_of in (("MSE", mse), ("MAE", mae)):
    point = [Value(v) for v in at]
    loss = loss_of(point)
    loss.backward()
    numeric = []
    for i in range(2):
        moved = list(at)
        moved[i] += h
        numeric.append((loss_of([Value(v) for v in moved]).data - loss.data) / h)
    slopes[name] = ([p.grad for p in point], numeric)
    print(f"{name} = {loss.data}: backward {slopes[name][0]}, "
          f"nudged {[round(n, 4) for n in numeric]}")
assert slopes["MSE"][0] == [13.0, -1.0]
assert abs(slopes["MSE"][1][0] - 13.0325) < 1e-9

# %% [markdown]
# The mean absolute error (MAE) behaves differently: each row contributes the *sign* of its
# error times its input, whatever the error's size. Both errors are positive here, so
# ∂MAE/∂x₁ = (2 + 3)/2 = 2.5 and ∂MAE/∂x₂ = (1 - 1)/2 = 0. The MSE's slope grows with the
# error; the MAE's does not.

# %% [markdown]
# ## A slip in a hand-written derivative
#
# The seed's sigmoid layer writes the sigmoid's derivative as `s * 1 - s`. Python reads that
# as (s·1) - s, which is always 0; the intended formula is s·(1 - s). Put the slipped rule
# into chainrule's op table as a new op, and let `gradcheck` compare it with a numeric
# derivative:

# %%
slipped = define_op(
    "sigmoid_slipped",
    lambda a: 1 / (1 + math.exp(-a)),
    lambda out, a: (out * 1 - out,),  # the seed's formula, as Python reads it
    rule="s * 1 - s",
)
report = gradcheck(lambda a, b: Value.apply(slipped, a * 0.5 + b), [0.4, -0.3])
print(report)
assert not report

# %% [markdown]
# Both inputs fail: the engine says 0, the nudges say about 0.12 and 0.25. The built-in `sigmoid`
# passes:

# %%
right = gradcheck(lambda a, b: (a * 0.5 + b).sigmoid(), [0.4, -0.3])
assert right
right

# %% [markdown]
# The diagram shows the slip on the edge itself: the local derivative is drawn with its rule,
# ∂s/∂z = s * 1 - s, and its value 0.

# %%
z = Value(0.4, label="z")
s = Value.apply(slipped, z)
s.label = "s"
s.backward()
draw_dot(s)
