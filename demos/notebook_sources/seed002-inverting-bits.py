# %% [markdown]
# # Seed 002: a 10-10-10 network learns to invert bits
#
# The third seed notebook trains a network with a `tanh` hidden layer and a sigmoid output
# layer to flip each of ten bits (input 1 → output 0 and back). Its backward pass is written
# by hand in four lines of numpy. Here we compare those four lines with what `backward()`
# finds for the same network built out of Values, then train it the seed's way and reproduce
# its loss after each of the first three epochs.

# %%
import numpy as np

from nn import MLP, bce

# %% [markdown]
# ## The data and the starting weights
#
# Everything comes from `np.random.seed(0)`, drawn in the seed's order: the input-to-hidden
# weights V (10×10), the hidden-to-output weights W (10×10), then 300 random bit vectors.
# The biases start at zero. The target of each sample is its bits flipped.

# %%
rng = np.random.RandomState(0)
V = rng.normal(scale=0.1, size=(10, 10))
W = rng.normal(scale=0.1, size=(10, 10))
X = rng.binomial(1, 0.5, (300, 10))
T = X ^ 1
unseen = rng.binomial(1, 0.5, 10)
X[:3], T[:3]

# %% [markdown]
# ## The hand-written backward pass
#
# For one sample x with target t, the seed computes
#
# - forward: A = x·V + b_V, Z = tanh(A), B = Z·W + b_W, Y = σ(B);
# - backward: the error at the output, E_W = Y - t, and at the hidden layer,
#   E_V = tanh'(A) ⊙ (W·E_W), with tanh'(A) = 1 - tanh(A)²;
# - gradients: dW = Z ⊗ E_W (an outer product) and dV = x ⊗ E_V.
#
# Y - t is the derivative of the binary cross-entropy *summed* over the ten outputs, taken
# with respect to B: the sigmoid's derivative σ(1 - σ) cancels against the loss's
# 1/(σ(1 - σ)).

# %%
def hand_backward(x, t, V, W):
    A = x @ V
    Z = np.tanh(A)
    Y = 1 / (1 + np.exp(-(Z @ W)))
    E_W = Y - t
    E_V = (1 - np.tanh(A) ** 2) * (W @ E_W)
    return np.outer(x, E_V), np.outer(Z, E_W), E_V, E_W


dV, dW, E_V, E_W = hand_backward(X[0], T[0], V, W)

# %% [markdown]
# ## The same network out of Values
#
# `MLP(10, [10, 10])` with `tanh` then `sigmoid` is the same network. Neuron j of the first
# layer holds column j of V, so its weights are V transposed. `bce` is the mean over the
# outputs, so the summed loss is ten times it.

# %%
model = MLP(10, [10, 10], activation="tanh", output_activation="sigmoid", rng=0)
model.set_weights([V.T, W.T], [np.zeros(10), np.zeros(10)])
x0, t0 = [float(v) for v in X[0]], [float(v) for v in T[0]]
loss = bce(model(x0), t0) * 10
loss.backward()
hidden, output = model.layers
engine_dV = np.array([[p.grad for p in n.w] for n in hidden.neurons]).T
engine_dW = np.array([[p.grad for p in n.w] for n in output.neurons]).T
print(f"largest difference in dV: {np.max(np.abs(engine_dV - dV)):.1e}")
print(f"largest difference in dW: {np.max(np.abs(engine_dW - dW)):.1e}")
assert np.allclose(engine_dV, dV, rtol=0, atol=1e-12)
assert np.allclose(engine_dW, dW, rtol=0, atol=1e-12)

# %% [markdown]
# The biases' gradients are the errors themselves: ∂L/∂b_W = E_W and ∂L/∂b_V = E_V.

# %%
print("engine, output biases:", np.round([n.b.grad for n in output.neurons], 5))
print("by hand, E_W:         ", np.round(E_W, 5))
assert np.allclose([n.b.grad for n in output.neurons], E_W, rtol=0, atol=1e-12)
assert np.allclose([n.b.grad for n in hidden.neurons], E_V, rtol=0, atol=1e-12)

# %% [markdown]
# ## Training the seed's way
#
# Stochastic gradient descent, one sample at a time, learning rate 0.01, momentum 0.9. Three
# details matter to match the seed's losses to eight digits: the gradient is that of the
# *summed* loss (the printed loss is the mean), the momentum starts from zero at each epoch,
# and each step first applies the *previous* update, then computes the new one from the
# gradient just taken.

# %%
samples = [[float(v) for v in row] for row in X]
targets = [[float(v) for v in row] for row in T]


def summed_backward(model, x, t):
    """One sample's loss (the mean), after backward of its sum over the ten outputs."""
    loss = bce(model(x), t)
    (loss * 10).backward()
    return loss.data


def train(model, epochs, sample_step=summed_backward):
    """The seed's SGD with momentum; the mean loss of each epoch."""
    params = model.parameters()
    epoch_losses = []
    for epoch in range(epochs):
        update = [0.0] * len(params)
        losses = []
        for x, t in zip(samples, targets):
            model.zero_grad()
            losses.append(sample_step(model, x, t))
            for p, u in zip(params, update):
                p.data -= u
            update = [0.01 * p.grad + 0.9 * u for p, u in zip(params, update)]
        epoch_losses.append(float(np.mean(losses)))
        print(f"epoch {epoch}: mean loss {epoch_losses[-1]:.8f}")
    return epoch_losses


epoch_losses = train(model, 10)

# %% [markdown]
# The seed printed 0.45465070, 0.13697961 and 0.06206941 for its first three epochs:

# %%
for got, seed in zip(epoch_losses, [0.45465070, 0.13697961, 0.06206941]):
    assert abs(got - seed) < 1e-7, (got, seed)

# %% [markdown]
# ## An input it has not seen

# %%
predicted = [int(y.data > 0.5) for y in model([float(b) for b in unseen])]
print("input:    ", unseen.tolist())
print("predicted:", predicted)
assert predicted == (unseen ^ 1).tolist()
