"""A GPT of scalar Values trained on names: chainrule against a 40-line engine.

Run: ``python -m benchmarks.microgpt [ROUNDS]``. The model is microgpt's shape: token
and position embeddings, rmsnorm, one layer of single-head causal attention and a
ReLU MLP, each with a residual, a linear head, softmax cross-entropy over the next
character, and Adam. It is written once, as plain Python over whatever Value class it
is given, and runs on chainrule's Value and on ``Reference``, a micrograd-style
engine that stores each node's local derivatives at forward time (no closures).
Both start from the same weights and must give the same losses to 1e-9.
Each process trains STEPS steps (one name per step); fresh processes take turns.
"""

from __future__ import annotations

import math
import random
import sys
from typing import Any

N_EMBD, BLOCK, STEPS = 16, 16, 6
LR, BETA1, BETA2, EPS = 0.01, 0.85, 0.99, 1e-8


class Reference:
    """A scalar autograd engine as microgpt writes one: local grads stored, no closures."""

    __slots__ = ("data", "grad", "_children", "_local_grads")

    def __init__(self, data, children=(), local_grads=()):
        self.data = data
        self.grad = 0
        self._children = children
        self._local_grads = local_grads

    def __add__(self, other):
        other = other if isinstance(other, Reference) else Reference(other)
        return Reference(self.data + other.data, (self, other), (1, 1))

    def __mul__(self, other):
        other = other if isinstance(other, Reference) else Reference(other)
        return Reference(self.data * other.data, (self, other), (other.data, self.data))

    def __pow__(self, k):
        return Reference(self.data**k, (self,), (k * self.data ** (k - 1),))

    def log(self):
        return Reference(math.log(self.data), (self,), (1 / self.data,))

    def exp(self):
        return Reference(math.exp(self.data), (self,), (math.exp(self.data),))

    def relu(self):
        return Reference(max(0, self.data), (self,), (float(self.data > 0),))

    def __neg__(self):
        return self * -1

    def __radd__(self, other):
        return self + other

    def __sub__(self, other):
        return self + (-other)

    def __rsub__(self, other):
        return other + (-self)

    def __rmul__(self, other):
        return self * other

    def __truediv__(self, other):
        return self * other**-1

    def __rtruediv__(self, other):
        return other * self**-1

    def backward(self):
        topo, visited = [], set()

        def build_topo(v):
            if v not in visited:
                visited.add(v)
                for child in v._children:
                    build_topo(child)
                topo.append(v)

        build_topo(self)
        self.grad = 1
        for v in reversed(topo):
            for child, local_grad in zip(v._children, v._local_grads, strict=True):
                child.grad += local_grad * v.grad


def names(count: int = 300, seed: int = 7) -> list[str]:
    """Made-up names of 3 to 10 letters, syllable by syllable, the same on every run."""
    rng = random.Random(seed)
    onsets = ["", "b", "br", "c", "ch", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r"]
    onsets += ["s", "sh", "st", "t", "th", "v", "w", "z"]
    vowels = ["a", "e", "i", "o", "u", "y", "ai", "ea", "ie", "ou"]
    codas = ["", "", "", "n", "l", "r", "s", "th", "x"]
    out = []
    while len(out) < count:
        name = "".join(
            rng.choice(onsets) + rng.choice(vowels) + rng.choice(codas)
            for _ in range(rng.randint(1, 3))
        )
        if 3 <= len(name) <= 10:
            out.append(name)
    return out


def init_params(Value: type, vocab: int, seed: int = 42) -> dict[str, list[list[Any]]]:
    """Gaussian weights (std 0.08) for every matrix, drawn in one fixed order."""
    rng = random.Random(seed)
    shapes = {
        "wte": (vocab, N_EMBD),
        "wpe": (BLOCK, N_EMBD),
        "wq": (N_EMBD, N_EMBD),
        "wk": (N_EMBD, N_EMBD),
        "wv": (N_EMBD, N_EMBD),
        "wo": (N_EMBD, N_EMBD),
        "fc1": (4 * N_EMBD, N_EMBD),
        "fc2": (N_EMBD, 4 * N_EMBD),
        "head": (vocab, N_EMBD),
    }
    return {
        name: [[Value(rng.gauss(0.0, 0.08)) for _ in range(cols)] for _ in range(rows)]
        for name, (rows, cols) in shapes.items()
    }


def linear(x, w):
    return [sum(wi * xi for wi, xi in zip(row, x, strict=True)) for row in w]


def softmax(logits):
    top = max(v.data for v in logits)
    exps = [(v - top).exp() for v in logits]
    total = sum(exps)
    return [e / total for e in exps]


def rmsnorm(x):
    ms = sum(xi * xi for xi in x) / len(x)
    scale = (ms + 1e-5) ** -0.5
    return [xi * scale for xi in x]


def gpt(p, token: int, pos: int, keys: list, values: list) -> list:
    """The logits for the next token, given this one and the keys and values before it."""
    x = rmsnorm([t + q for t, q in zip(p["wte"][token], p["wpe"][pos], strict=True)])
    residual = x
    x = rmsnorm(x)
    q, k, v = linear(x, p["wq"]), linear(x, p["wk"]), linear(x, p["wv"])
    keys.append(k)
    values.append(v)
    scores = [sum(qi * ki for qi, ki in zip(q, kt, strict=True)) / N_EMBD**0.5 for kt in keys]
    weights = softmax(scores)
    attended = [
        sum(w * vt[j] for w, vt in zip(weights, values, strict=True)) for j in range(N_EMBD)
    ]
    x = [a + b for a, b in zip(linear(attended, p["wo"]), residual, strict=True)]
    residual = x
    hidden = [h.relu() for h in linear(rmsnorm(x), p["fc1"])]
    x = [a + b for a, b in zip(linear(hidden, p["fc2"]), residual, strict=True)]
    return linear(x, p["head"])


class Trainer:
    """One model, its Adam state and the names it learns, on one engine's Values."""

    def __init__(self, Value: type) -> None:
        self.docs = names()
        self.chars = sorted(set("".join(self.docs)))
        self.bos = len(self.chars)
        self.p = init_params(Value, len(self.chars) + 1)
        self.params = [w for matrix in self.p.values() for row in matrix for w in row]
        self.m = [0.0] * len(self.params)
        self.v = [0.0] * len(self.params)
        self.steps = 0

    def step(self) -> float:
        """Forward one name, backward, one Adam update: the loss."""
        doc = self.docs[self.steps % len(self.docs)]
        tokens = [self.bos, *(self.chars.index(c) for c in doc), self.bos]
        n = min(BLOCK, len(tokens) - 1)
        keys, values, losses = [], [], []
        for pos in range(n):
            probs = softmax(gpt(self.p, tokens[pos], pos, keys, values))
            losses.append(-probs[tokens[pos + 1]].log())
        loss = (1 / n) * sum(losses)
        loss.backward()
        self.steps += 1
        lr = LR * (1 - self.steps / 1000)
        for i, w in enumerate(self.params):
            self.m[i] = BETA1 * self.m[i] + (1 - BETA1) * w.grad
            self.v[i] = BETA2 * self.v[i] + (1 - BETA2) * w.grad**2
            m_hat = self.m[i] / (1 - BETA1**self.steps)
            v_hat = self.v[i] / (1 - BETA2**self.steps)
            w.data -= lr * m_hat / (v_hat**0.5 + EPS)
            w.grad = 0
        return loss.data


def worker(engine: str) -> dict:
    """STEPS training steps on ``engine``: the first's seconds, the mean of the rest, losses."""
    from benchmarks.scalar import timed_loop

    if engine == "chainrule":
        from autograd import Value
    else:
        Value = Reference
        sys.setrecursionlimit(20_000)  # its topological sort recurses through the graph
    return timed_loop(Trainer(Value).step, STEPS)


def microgpt(rounds: int = 5, env: dict[str, str] | None = None) -> dict[str, Any]:
    """The reference engine's time over chainrule's, steady and first step; loss agreement.

    ``env``: for both processes (``{"CHAINRULE_PURE_PYTHON": "1"}``: the pure storage)."""
    from benchmarks.scalar import ratios, same_losses, spread, taking_turns

    runs = taking_turns(["reference", "chainrule"], "benchmarks.microgpt", rounds, env=env)
    return {
        "steady": ratios(runs, "reference", "chainrule", "s"),
        "first": ratios(runs, "reference", "chainrule", "first"),
        "seconds": spread([r["s"] for r in runs["chainrule"]]),
        "reference seconds": spread([r["s"] for r in runs["reference"]]),
        "max |loss difference|": same_losses(runs, "reference", "chainrule"),
    }


if __name__ == "__main__":
    import json

    if len(sys.argv) == 3 and sys.argv[1] == "--worker":
        from benchmarks.scalar import diagnose_collector

        diagnose_collector(sys.argv[2])
        print(json.dumps(worker(sys.argv[2])))
    else:
        from benchmarks.scalar import show

        show(
            "microgpt step, the reference engine's time / chainrule's",
            microgpt(int(sys.argv[1]) if len(sys.argv) > 1 else 5),
        )
