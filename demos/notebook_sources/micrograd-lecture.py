# %% [markdown]
# # Backpropagation from scratch, with chainrule
#
# This notebook follows the path of Andrej Karpathy's micrograd lecture ("The spelled-out
# intro to neural networks and backpropagation"), with chainrule as the engine. You will:
#
# 1. build a small expression out of `Value`s and look at its graph;
# 2. find the gradient of the output with respect to every input, first by nudging inputs,
#    then by hand with the chain rule, then with `backward()`;
# 3. do the same for one neuron with a `tanh`, one node at a time;
# 4. step through backward, click through the graph in the explorer, and check gradients
#    against numeric derivatives;
# 5. train a tiny multi-layer perceptron.
#
# Every cell runs in a second or two. Run them in order (Shift+Enter).

# %%
from autograd import Value, gradcheck, graph_text
from viz import draw_dot, explore

# %% [markdown]
# ## 1. An expression is a graph
#
# A `Value` wraps one number. Every operation on Values makes a new Value that remembers
# which Values it came from and which operation made it. Give the Values labels, so the
# pictures and tables can use your names.

# %%
a = Value(2.0, label="a")
b = Value(-3.0, label="b")
c = Value(10.0, label="c")
e = a * b
e.label = "e"
d = e + c
d.label = "d"
f = Value(-2.0, label="f")
L = d * f
L.label = "L"
L

# %% [markdown]
# A Value shows its formula, its number (`data`) and its gradient (`grad`, still 0: nothing
# has been differentiated yet). The whole graph, drawn: a box per Value, a circle per
# operation. Until `backward()` runs, the gradients show as `?`.

# %%
draw_dot(L)

# %% [markdown]
# ## 2. What is ∂L/∂a?
#
# The gradient of `L` with respect to `a` answers: if `a` grows by a tiny amount `h`, by how
# much does `L` grow, per unit of `h`? We can simply try it: rebuild the expression with `a`
# nudged and compare.

# %%
def expression(a=2.0, b=-3.0, c=10.0, f=-2.0):
    """L = (a·b + c)·f, on plain numbers."""
    return (a * b + c) * f


point = {"a": 2.0, "b": -3.0, "c": 10.0, "f": -2.0}
h = 1e-6
for name in point:
    nudged = dict(point, **{name: point[name] + h})
    print(f"∂L/∂{name} ≈ {(expression(**nudged) - expression(**point)) / h:.4f}")

# %% [markdown]
# Nudging works, but it costs one extra evaluation per input, and a network has thousands of
# inputs. The chain rule gets all of them from one pass backwards through the graph.
#
# Start at the output: ∂L/∂L = 1. Then walk back one operation at a time. Each operation
# knows its *local* derivative, and the chain rule multiplies it by the gradient that has
# arrived from above:
#
# | node | how it is used | local derivative | gradient of L |
# |---|---|---|---|
# | `d` | `L = d · f` | ∂L/∂d = f = -2 | -2 |
# | `f` | `L = d · f` | ∂L/∂f = d = 4 | 4 |
# | `e` | `d = e + c` | ∂d/∂e = 1 | 1 · (-2) = -2 |
# | `c` | `d = e + c` | ∂d/∂c = 1 | 1 · (-2) = -2 |
# | `a` | `e = a · b` | ∂e/∂a = b = -3 | -3 · (-2) = 6 |
# | `b` | `e = a · b` | ∂e/∂b = a = 2 | 2 · (-2) = -4 |
#
# An addition passes its gradient through unchanged; a multiplication sends each input the
# *other* input times the gradient. Now let the engine do the same walk:

# %%
L.backward()
by_hand = {a: 6.0, b: -4.0, c: -2.0, d: -2.0, e: -2.0, f: 4.0, L: 1.0}
for node, grad in by_hand.items():
    print(f"{node.label}: by hand {grad:5}, backward() {node.grad:5}")
    assert node.grad == grad

# %% [markdown]
# The table the engine keeps, with each local derivative written in your names:

# %%
print(graph_text(L))

# %% [markdown]
# And the picture again, now with gradients. Each edge into an operation is labelled with its
# local derivative, so you can check every line of the table above against it.

# %%
draw_dot(L)

# %% [markdown]
# ## 3. A neuron
#
# A neuron multiplies each input by a weight, adds a bias and squashes the sum with an
# activation function, here `tanh`. The numbers are the lecture's: the bias is chosen so that
# the output comes out near 0.7071.

# %%
x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
bias = Value(6.8813735870195432, label="b")
x1w1 = x1 * w1
x1w1.label = "x1w1"
x2w2 = x2 * w2
x2w2.label = "x2w2"
x1w1x2w2 = x1w1 + x2w2
x1w1x2w2.label = "x1w1x2w2"
n = x1w1x2w2 + bias
n.label = "n"
o = n.tanh()
o.label = "o"
o

# %% [markdown]
# ### Backpropagation by hand
#
# Set each gradient yourself, from the output back. The only new rule is tanh's:
# d tanh(n)/dn = 1 - tanh(n)² = 1 - o².

# %%
o.grad = 1.0
n.grad = (1 - o.data**2) * o.grad  # 0.5
x1w1x2w2.grad = n.grad  # an addition passes the gradient through
bias.grad = n.grad
x1w1.grad = x1w1x2w2.grad
x2w2.grad = x1w1x2w2.grad
x1.grad = w1.data * x1w1.grad  # a product: the other factor times the gradient
w1.grad = x1.data * x1w1.grad
x2.grad = w2.data * x2w2.grad
w2.grad = x2.data * x2w2.grad
print(f"n {n.grad:.4f}   x1 {x1.grad:.4f}   w1 {w1.grad:.4f}   x2 {x2.grad:.4f}   w2 {w2.grad:.4f}")

# %% [markdown]
# The diagram draws the gradients you set, and checks each one against the chain rule: a node
# whose gradient is not the sum of what its consumers pass back would be drawn in red, with
# the value it should have.

# %%
draw_dot(o)

# %% [markdown]
# Try a slip on purpose: forget to multiply by the gradient arriving from above. The diagram
# catches it.

# %%
w1.grad = x1.data  # should be x1.data * x1w1.grad = 2 · 0.5
draw_dot(o)

# %% [markdown]
# ### One node at a time, the engine's way
#
# Each node has `_backward()`, as in micrograd: it applies the chain rule for that one node,
# adding into its inputs' gradients. Called from the output down (zero the gradients first),
# it reproduces the hand work.

# %%
o.zero_grad()
o.grad = 1.0
for node in (o, n, x1w1x2w2, x2w2, x1w1):
    node._backward()
print(f"n {n.grad:.4f}   x1 {x1.grad:.4f}   w1 {w1.grad:.4f}   x2 {x2.grad:.4f}   w2 {w2.grad:.4f}")
assert [round(v.grad, 9) for v in (x1, w1, x2, w2)] == [-1.5, 1.0, 0.5, 0.0]

# %% [markdown]
# `backward()` does exactly this for you, in the right order, for any graph. Calling it again
# without `zero_grad()` first would *add* into the leaves' gradients (as PyTorch does), so
# start from zero:

# %%
o.zero_grad()
o.backward()
print(f"x1 {x1.grad:.4f}   w1 {w1.grad:.4f}   x2 {x2.grad:.4f}   w2 {w2.grad:.4f}")

# %% [markdown]
# ### tanh, built from smaller pieces
#
# tanh(n) = (e²ⁿ - 1) / (e²ⁿ + 1). Build it from `exp`, subtraction and division, and the
# gradients come out the same: backward only needs each small operation's local derivative.

# %%
x1.grad = w1.grad = 0.0
e2n = (2 * n).exp()
o2 = (e2n - 1) / (e2n + 1)
o2.label = "o2"
o2.backward()
print(f"o2 = {o2.data:.4f}   x1 {x1.grad:.4f}   w1 {w1.grad:.4f}")

# %% [markdown]
# ## 4. Watching backward work
#
# `backward_steps()` runs backward one chain-rule step at a time, each step written out as
# the line of arithmetic you would write by hand. It keeps its own gradients, so the graph's
# `.grad` values are not touched.

# %%
steps = o.backward_steps()
next(steps)

# %%
next(steps)

# %% [markdown]
# The stepper shows where backward stands: which gradients are final, which are still
# waiting for a share.

# %%
steps

# %% [markdown]
# ### The explorer
#
# `explore(o)` is the same graph, live. Click a node to see its formula, its value, its
# gradient, the local derivative toward each input, and the shares that add up to its
# gradient. The slider (or ← and →, space to play) steps through the forward pass, then the
# backward pass. Pick a leaf under *paths* to see every route from the output to it. In the
# panel you can also change a leaf's value: the kernel recomputes the forward and backward
# passes and the picture follows.
#
# (`explore(o).save("neuron.html")` writes the same view as one page that opens in any
# browser.)

# %%
explore(o)

# %% [markdown]
# ### Checking gradients numerically
#
# `gradcheck` compares the engine's gradient with a central difference, (f(x + ε) - f(x - ε))
# / 2ε, for every input, and says which inputs disagree.

# %%
gradcheck(lambda x1, x2, w1, w2, b: (x1 * w1 + x2 * w2 + b).tanh(), [2.0, 0.0, -3.0, 1.0, 6.88])

# %% [markdown]
# It fails where a gradient is wrong. A classic mistake: using a Value's *number* in a
# formula, which takes it out of the graph. Here `x * x.data` looks like x², but backward
# treats `x.data` as a constant and finds 3 instead of 6.

# %%
gradcheck(lambda x: x * x.data, [3.0])

# %% [markdown]
# ### The bug in the lecture
#
# The lecture finds a bug in its first engine: when a Value is used twice (`a + a`), its
# gradient must be the *sum* of the two contributions, but the code assigned it with `=`.
# `check_engine` runs probes like that against any micrograd-style class. Here is a small
# engine with that bug, and what `check_engine` says about it:

# %%
from autograd import check_engine


class TinyValue:
    """A micrograd-style Value with the lecture's bug: gradients assigned, not added."""

    def __init__(self, data, _children=(), _op=""):
        self.data, self.grad = data, 0.0
        self._prev, self._op = set(_children), _op
        self._backward = lambda: None

    def __add__(self, other):
        other = other if isinstance(other, TinyValue) else TinyValue(other)
        out = TinyValue(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad = out.grad  # the bug: should be +=
            other.grad = out.grad

        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, TinyValue) else TinyValue(other)
        out = TinyValue(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad = other.data * out.grad  # the bug again
            other.grad = self.data * out.grad

        out._backward = _backward
        return out

    __radd__, __rmul__ = __add__, __mul__

    def backward(self):
        order, seen, stack = [], set(), [(self, False)]
        while stack:  # a depth-first walk without recursion
            node, done = stack.pop()
            if done:
                order.append(node)
            elif node not in seen:
                seen.add(node)
                stack.append((node, True))
                stack.extend((child, False) for child in node._prev)
        self.grad = 1.0
        for node in reversed(order):
            node._backward()


report = check_engine(TinyValue)
print(report.summary())
for probe in report.failures:
    print(f"- {probe.expression}: {probe.diagnosis}")

# %% [markdown]
# ## 5. A tiny multi-layer perceptron
#
# `nn.MLP(3, [4, 4, 1])` is three inputs, two hidden layers of four neurons and one output
# neuron, made of the same Values. The data set: four samples, each with a target of +1 or -1.
#
# **Which activation.** The lecture's network is `tanh` on every layer, the output too. But
# `MLP(3, [4, 4, 1])` alone is micrograd's *package* model: ReLU on the hidden layers and a
# linear output. With ReLU, the lecture's loop below mostly never learns (in 8 of 10 seeds
# the loss stays at 4.0: every ReLU is dead). The fix is one argument,
# `activation="tanh"`; adding `output_activation="tanh"` gives exactly the lecture's network,
# as here.

# %%
import random

from nn import MLP, SGD, History, fit

random.seed(1337)
model = MLP(3, [4, 4, 1], activation="tanh", output_activation="tanh")
xs = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
ys = [1.0, -1.0, -1.0, 1.0]
model

# %% [markdown]
# Training is the loop from the lecture: forward (the loss is the sum of squared errors),
# zero the gradients, backward, and move every parameter a small step against its gradient.

# %%
losses = []
for step in range(30):
    loss = sum(((model(x) - y) ** 2 for x, y in zip(xs, ys)), Value(0.0))
    model.zero_grad()
    loss.backward()
    for p in model.parameters():
        p.data -= 0.05 * p.grad
    losses.append(loss.data)
History(loss=losses)

# %% [markdown]
# The predictions are near their targets. Compute the loss once more, at the trained weights,
# and backward it, to look at its graph:

# %%
print([round(model(x).data, 3) for x in xs])
loss = sum(((model(x) - y) ** 2 for x, y in zip(xs, ys)), Value(0.0))
loss.label = "loss"
model.zero_grad()
loss.backward()
loss

# %% [markdown]
# This graph is large (every sample goes through every neuron), so draw it with one box per
# neuron, over the whole batch:

# %%
draw_dot(loss, collapse=model)

# %% [markdown]
# The explorer offers the same collapsed view, beside the full graph of one sample you choose:

# %%
explore(loss, collapse=model)

# %% [markdown]
# `nn.fit` runs the same loop for you and returns the history of the loss (and of the
# accuracy, for classification losses), which shows as a plot:

# %%
random.seed(1337)
model = MLP(3, [4, 4, 1], activation="tanh", output_activation="tanh")
fit(model, xs, ys, loss="mse", optimizer=SGD(model.parameters(), lr=0.05), epochs=60,
    progress=False)
