# %% [markdown]
# # Seed 003: backpropagation layer by layer, and a slip in the biases
#
# The fourth seed notebook builds a 2-3-3-1 network of sigmoid neurons that tells two kinds
# of people apart from their (weight, height), with a binary cross-entropy loss. It writes
# backpropagation layer by layer: dC/dZ, then dC/dW and dC/db, then dC/dA for the layer
# below. Two of its lines sum the wrong thing for the biases. Here the engine's gradients are
# compared with the correct layer formulas, and `check_nodes` points at exactly the nodes
# whose hand-computed gradient is wrong.

# %%
import numpy as np

from autograd import check_nodes
from nn import MLP, bce
from viz import draw_dot

# %% [markdown]
# ## The data
#
# Ten rows of (weight, height) with a label 0 or 1. Raw, the first layer's sigmoids saturate
# (weights in the hundreds), every output comes out the same and every gradient is nearly 0;
# so each feature is standardized to mean 0 and standard deviation 1.

# %%
X_raw = np.array([[150, 70], [254, 73], [312, 68], [120, 60], [154, 61],
                  [212, 65], [216, 67], [145, 67], [184, 64], [130, 69]], dtype=float)
Y = np.array([0, 1, 1, 0, 0, 1, 1, 0, 1, 0], dtype=float)
X = (X_raw - X_raw.mean(axis=0)) / X_raw.std(axis=0)
X.round(3)[:3]

# %% [markdown]
# The seed draws its weights with `randn` and no seed; we fix one, so the numbers repeat.
# Layer l has a weight matrix of shape (neurons, inputs) and a bias column.

# %%
sizes = [2, 3, 3, 1]
rng = np.random.RandomState(3)
Ws = [rng.randn(sizes[i + 1], sizes[i]) for i in range(3)]
bs = [rng.randn(sizes[i + 1], 1) for i in range(3)]

# %% [markdown]
# ## Backpropagation by layers
#
# With m samples as columns, A⁰ = Xᵀ and for each layer Zˡ = WˡAˡ⁻¹ + bˡ, Aˡ = σ(Zˡ). For
# the mean cross-entropy C with a sigmoid output, dC/dZ³ = (A³ - Y)/m. Then, from the top:
#
# - dC/dWˡ = dC/dZˡ · (Aˡ⁻¹)ᵀ
# - dC/dbˡ = the sum of dC/dZˡ over the samples
# - dC/dZˡ⁻¹ = (Wˡ)ᵀ dC/dZˡ ⊙ Aˡ⁻¹(1 - Aˡ⁻¹)
#
# The seed's slip: for the two lower layers it sums dC/dW instead of dC/dZ to get dC/db.
# `slip=True` keeps that mistake.

# %%
def by_layers(X, Ws, bs, slip=False):
    A = [X.T]
    for W, b in zip(Ws, bs):
        A.append(1 / (1 + np.exp(-(W @ A[-1] + b))))
    m = X.shape[0]
    dZ = (A[3] - Y.reshape(1, m)) / m
    dW, db = [None] * 3, [None] * 3
    for layer in (2, 1, 0):
        dW[layer] = dZ @ A[layer].T
        summed = dW[layer] if (slip and layer < 2) else dZ
        db[layer] = np.sum(summed, axis=1, keepdims=True)
        if layer:
            dZ = (Ws[layer].T @ dZ) * A[layer] * (1 - A[layer])
    return dW, db


right_W, right_b = by_layers(X, Ws, bs)
slip_W, slip_b = by_layers(X, Ws, bs, slip=True)

# %% [markdown]
# ## The engine's gradients
#
# The same network as an `MLP`, with the same weights. Short labels make the pictures and
# tables easy to read: `L1n2.w0` is the first weight of neuron 2 of layer 1.

# %%
model = MLP(2, [3, 3, 1], activation="sigmoid", output_activation="sigmoid", rng=0)
model.set_weights(Ws, [b.ravel() for b in bs])
for name, p in model.named_parameters():
    p.label = name.replace("layers.", "L").replace(".neurons.", "n")

# %% [markdown]
# First, why the features are standardized: on the raw rows the first layer saturates, and
# all ten outputs come out the same (as in the seed, where all ten were equal too).

# %%
raw = [model(list(row)).data for row in X_raw]
print(f"outputs on the raw rows: from {min(raw):.8f} to {max(raw):.8f}")
assert max(raw) - min(raw) < 1e-12

# %% [markdown]
# On the standardized rows, the loss and its gradients:

# %%
C = bce([model(list(row)) for row in X], list(Y))
C.label = "C"
C.backward()
C

# %%
engine_W = [np.array([[p.grad for p in n.w] for n in layer.neurons]) for layer in model.layers]
engine_b = [np.array([[n.b.grad] for n in layer.neurons]) for layer in model.layers]
gaps = []
for layer in range(3):
    gap_W = np.max(np.abs(engine_W[layer] - right_W[layer]))
    gap_b = np.max(np.abs(engine_b[layer] - right_b[layer]))
    print(f"layer {layer}: largest gap in dC/dW {gap_W:.1e}, in dC/db {gap_b:.1e}")
    gaps += [float(gap_W), float(gap_b)]
assert max(gaps) < 1e-12

# %% [markdown]
# Backward agrees with the correct layer formulas everywhere. The network, one box per
# neuron over all ten samples:

# %%
draw_dot(C, collapse=model)

# %% [markdown]
# ## Finding the slip node by node
#
# `check_nodes(C, hand)` takes a gradient for any nodes you computed by hand, checks each
# against a numeric derivative of C, and tells which are wrong. Give it the seed's numbers,
# slip included:

# %%
hand = {}
for layer, gW, gb in zip(model.layers, slip_W, slip_b):
    for j, neuron in enumerate(layer.neurons):
        hand.update({p: float(gW[j, i]) for i, p in enumerate(neuron.w)})
        hand[neuron.b] = float(gb[j, 0])
report = check_nodes(C, hand, atol=1e-9, rtol=1e-4)
print(report.diagnosis)
report

# %% [markdown]
# Every weight passes; the six failures are the biases of the two lower layers, exactly the
# ones the slipped line computes:

# %%
flagged = sorted(r.name for r in report.failures)
print(flagged)
assert flagged == [f"L{li}n{j}.b" for li in range(2) for j in range(3)]
