# %% [markdown]
# # Seed 001: a network by hand, its six partial derivatives, and SGD
#
# The second seed notebook wires the smallest network that still has a hidden layer: two
# inputs, two hidden neurons, one output, no biases and no activation functions. It writes
# out the derivative of the loss with respect to each of the six weights by hand, then trains
# with stochastic gradient descent. Here the engine derives the same six numbers with
# `backward()`, and we check them against the hand formulas.

# %%
import numpy as np

from autograd import Value, total
from viz import draw_dot

# %% [markdown]
# ## The data
#
# The seed draws a regression problem with scikit-learn's `make_regression(n_features=2,
# n_informative=2, random_state=42)`. The same numbers come from numpy alone, replaying the
# draws scikit-learn makes: normal inputs, coefficients 100·uniform, then a shuffle of the
# samples and of the two features.

# %%
def make_regression(n_informative=2, noise=0.0):
    rng = np.random.RandomState(42)
    x = rng.standard_normal(size=(100, 2))
    truth = np.zeros((2, 1))
    truth[:n_informative, :] = 100 * rng.uniform(size=(n_informative, 1))
    y = x @ truth
    if noise > 0:
        y += rng.normal(scale=noise, size=y.shape)
    rows = np.arange(100)
    rng.shuffle(rows)
    x, y = x[rows], y[rows]
    columns = np.arange(2)
    rng.shuffle(columns)
    return x[:, columns], y.ravel()


X, y = make_regression()
X[:3], y[:3]

# %% [markdown]
# ## The network
#
# Inputs x₁, x₂; hidden neurons H₁ = w₁x₁ + w₃x₂ and H₂ = w₂x₁ + w₄x₂; output ŷ = w₅H₁ + w₆H₂.
# Everything is linear, so the network can only compute a linear function of its inputs:
# ŷ = (w₁w₅ + w₂w₆)·x₁ + (w₃w₅ + w₄w₆)·x₂.

# %%
def network(w, x1, x2):
    h1 = w[0] * x1 + w[2] * x2
    h2 = w[1] * x1 + w[3] * x2
    h1.label, h2.label = "H1", "H2"
    out = w[4] * h1 + w[5] * h2
    out.label = "ŷ"
    return out


def starting_weights():
    """w1 … w6 as the seed draws them."""
    start = np.random.RandomState(42).rand(6)
    return [Value(float(v), label=f"w{i + 1}") for i, v in enumerate(start)]


w = starting_weights()
network(w, 1.0, 2.0)

# %% [markdown]
# ## Six partial derivatives by hand
#
# The loss is the sum of squared errors over all samples, L = Σ (y - ŷ)². Write r = y - ŷ
# for one sample's error. The chain rule gives ∂L/∂w = Σ 2r · (-∂ŷ/∂w), and ∂ŷ/∂w is read
# off the wiring:
#
# | weight | path to ŷ | ∂ŷ/∂w | ∂L/∂w |
# |---|---|---|---|
# | w₁ | x₁ → H₁ → ŷ | w₅x₁ | -2 w₅ Σ x₁ r |
# | w₂ | x₁ → H₂ → ŷ | w₆x₁ | -2 w₆ Σ x₁ r |
# | w₃ | x₂ → H₁ → ŷ | w₅x₂ | -2 w₅ Σ x₂ r |
# | w₄ | x₂ → H₂ → ŷ | w₆x₂ | -2 w₆ Σ x₂ r |
# | w₅ | H₁ → ŷ | H₁ | -2 Σ H₁ r |
# | w₆ | H₂ → ŷ | H₂ | -2 Σ H₂ r |

# %%
def by_hand(w, X, y):
    w1, w2, w3, w4, w5, w6 = w
    x1, x2 = X[:, 0], X[:, 1]
    h1, h2 = w1 * x1 + w3 * x2, w2 * x1 + w4 * x2
    r = y - (w5 * h1 + w6 * h2)
    return np.array([
        -2 * w5 * np.sum(x1 * r),
        -2 * w6 * np.sum(x1 * r),
        -2 * w5 * np.sum(x2 * r),
        -2 * w6 * np.sum(x2 * r),
        -2 * np.sum(h1 * r),
        -2 * np.sum(h2 * r),
    ])


hand = by_hand([p.data for p in w], X, y)

# %% [markdown]
# Now the engine: build L over all 100 samples and call `backward()` once.

# %%
L = total([(network(w, a, b) - t) ** 2 for (a, b), t in zip(X, y)])
L.backward()
engine = [p.grad for p in w]
for i, p in enumerate(w):
    print(f"∂L/∂{p.label}: backward {engine[i]:16.8f}   by hand {hand[i]:16.8f}")
    assert abs(engine[i] - hand[i]) < 1e-9 * max(1.0, abs(hand[i]))

# %% [markdown]
# ## One sample's graph
#
# For one sample the graph is small enough to read. Each edge carries its local derivative,
# and the gradient of each weight is the product along its path, as in the table above.
# The inputs are Values named x1 and x2, so each is one node feeding both hidden neurons
# (a plain number would become a new, unnamed node at each use).

# %%
def first_sample_loss(w):
    """L₀ = (y₀ - ŷ)², the loss of the first sample alone."""
    x1, x2 = Value(float(X[0, 0]), label="x1"), Value(float(X[0, 1]), label="x2")
    loss = (network(w, x1, x2) - float(y[0])) ** 2
    loss.label = "L₀"
    return loss


first = first_sample_loss(w)
first.zero_grad()  # the weights still hold the gradient of the whole data set
first.backward()
draw_dot(first)

# %% [markdown]
# ## Stochastic gradient descent
#
# The seed updates the weights after every sample. Its update is 0.004 times each weight's
# derivative written without the factor 2 (the derivative of ½(y - ŷ)²). `backward()` of
# (y - ŷ)² includes the 2, so the step here is 0.004/2 times the gradient: the same update.
# Three passes over the data:

# %%
lr = 4e-3
for epoch in range(3):
    for (a, b), t in zip(X, y):
        loss = (network(w, a, b) - t) ** 2
        for p in w:
            p.grad = 0.0
        loss.backward()
        for p in w:
            p.data -= lr / 2 * p.grad
    v = [p.data for p in w]
    beta = (v[0] * v[4] + v[1] * v[5], v[2] * v[4] + v[3] * v[5])
    rmse = float(np.sqrt(np.mean((X @ np.array(beta) - y) ** 2)))
    print(f"epoch {epoch + 1}: RMSE {rmse:.3g}")

# %% [markdown]
# The network is linear, so what it learned is two coefficients, w₁w₅ + w₂w₆ and
# w₃w₅ + w₄w₆. They are the least-squares solution (without an intercept), found by
# numpy directly:

# %%
least_squares = np.linalg.lstsq(X, y, rcond=None)[0]
print(f"network:       {beta[0]:.8f}, {beta[1]:.8f}")
print(f"least squares: {least_squares[0]:.8f}, {least_squares[1]:.8f}")
assert abs(beta[0] - 87.73730719) < 5e-9 and abs(beta[1] - 74.07686178) < 5e-9
assert rmse < 1e-6
