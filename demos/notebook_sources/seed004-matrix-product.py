# %% [markdown]
# # Seed 004: a matrix product, an L1 loss, and one step of descent
#
# The last seed notebook writes a matrix product as three nested loops, measures the error
# with the L1 loss (the sum of absolute differences), derives its gradients by hand as
# matrix products, and takes one step of gradient descent. Here the same loops run on Values,
# so every multiplication and addition is a node, and `backward()` gives the two gradient
# matrices the seed derived.

# %%
import numpy as np

from autograd import Value

# %% [markdown]
# ## The numbers
#
# x is 3×2 and w is 2×4, so x·w is 3×4. The target is drawn from `np.random.seed(0)` after
# the seed's draws of x and w, which we replay to land on the same numbers.

# %%
X = [[4, 0], [3, 3], [3, 1]]
W = [[0, 1, -1, 1], [-1, -1, -1, 1]]
rng = np.random.RandomState(0)
rng.randint(5, size=(3, 2))  # the seed's draw of x
rng.randint(-1, 2, size=(2, 4))  # and of w
target = rng.uniform(-1, 1, (3, 4))
target.round(3)

# %% [markdown]
# ## Three loops of scalar operations

# %%
def matmul(x, w):
    """out[d][j] = Σᵢ x[d][i]·w[i][j], one multiplication and one addition at a time."""
    rows, inner, cols = len(x), len(w), len(w[0])
    out = []
    for d in range(rows):
        row = []
        for j in range(cols):
            s = Value(0.0)
            for i in range(inner):
                s = s + x[d][i] * w[i][j]
            row.append(s)
        out.append(row)
    return out


def l1(out, target):
    """Σ |out - target| over every entry."""
    total = Value(0.0)
    for out_row, target_row in zip(out, target):
        for o, t in zip(out_row, target_row):
            total = total + (o - float(t)).abs()
    return total


x = [[Value(float(v), label=f"x{d}{i}") for i, v in enumerate(row)] for d, row in enumerate(X)]
w = [[Value(float(v), label=f"w{i}{j}") for j, v in enumerate(row)] for i, row in enumerate(W)]
L = l1(matmul(x, w), target)
L.label = "L"
print(f"L = {L.data!r}")
assert abs(L.data - 41.578510114266535) < 1e-12

# %% [markdown]
# ## The gradients by hand
#
# Write o = x·w. The derivative of |o - t| is the sign of o - t, so dL/do = sign(o - t), a
# 3×4 matrix of ±1. Each entry oⱼ of row d uses x[d][i] with weight w[i][j], so
#
# - dL/dx = dL/do · wᵀ (3×4 times 4×2: the shape of x),
# - dL/dw = xᵀ · dL/do (2×3 times 3×4: the shape of w).

# %%
dL_do = np.sign(np.array(X) @ np.array(W) - target)
hand_dx = dL_do @ np.array(W).T
hand_dw = np.array(X).T @ dL_do
hand_dx, hand_dw

# %% [markdown]
# ## The gradients by backward

# %%
L.backward()
engine_dx = np.array([[v.grad for v in row] for row in x])
engine_dw = np.array([[v.grad for v in row] for row in w])
print("dL/dx:", engine_dx.tolist())
print("dL/dw:", engine_dw.tolist())
assert engine_dx.tolist() == hand_dx.tolist() == [[3, 0], [3, 2], [3, 2]]
assert engine_dw.tolist() == hand_dw.tolist() == [[-2, 10, -10, 10], [-4, 4, -4, 4]]

# %% [markdown]
# Each weight's gradient is a sum of 3 shares, one per row of x it multiplies. For `w01`
# (row 0, column 1 of w) the hand formula reads Σ_d x[d][0] · sign(o[d][1] - t[d][1]), and
# all three signs are +1, so it is 4 + 3 + 3 = 10. The stepper lists backward's steps in
# order; here are the three that reach `w01`:

# %%
steps = [s for s in L.backward_steps() if s.parent_name == "w01"]
for s in steps:
    print(s)
print("total:", sum(s.contribution for s in steps), "= backward's", w[0][1].grad)

# %% [markdown]
# ## One step of descent
#
# Move every weight against its gradient with a step size of 0.01, and the loss falls.

# %%
stepped = [[Value(v.data - 0.01 * v.grad) for v in row] for row in w]
after = l1(matmul(x, stepped), target)
print(f"L before {L.data!r}, after one step {after.data!r}")
assert abs(after.data - 38.088094755935614) < 1e-12
