"""``explore``: the learner's own graph, to click, step through and edit.

The explorer is the animation (``viz.animate``) plus a panel per node, the forward
pass, the paths from the root to each leaf, and, in a notebook, editing a leaf. All
of it is computed here, in Python, from one description and one backward timeline;
the front end (viz/static/stepper.js with explore.js) only shows it. The same state
is a self-contained page (``save``) and an anywidget in Jupyter, VS Code or Colab
(``widget``).
"""

from __future__ import annotations

import math
import os
from html import escape
from pathlib import Path
from typing import Any

from autograd import Value
from autograd.backward import topo_order
from autograd.explain.describe import Description
from autograd.explain.quiz import questions_of, right_text, slips_of, unmatched_text
from autograd.explain.text import num
from autograd.explain.timeline import Timeline, forward_steps_of
from viz.animate import backward_state, page_html, warn_unused_timeout
from viz.blocks import blocks_state
from viz.diagram import MAX_NODES, GraphTooLarge, too_large
from viz.dot import node_id
from viz.model_view import model_view
from viz.panel import MAX_PATHS, node_panel, path_counts, paths_to

__all__ = ["Exploration", "explore", "explore_state", "quiz_state"]

TITLE = "chainrule: explore backprop"


def explore(
    root: Value,
    *,
    focus: Value | None = None,
    collapse: Any = None,
    sample: int = 0,
    rankdir: str = "LR",
    max_nodes: int = MAX_NODES,
    timeout: float | None = None,
) -> Exploration:
    """An interactive view of ``root``'s graph: ``.save("x.html")``, or display it.

    Click a node for its formula, data, grad, its inputs' rules and the shares that
    built its grad; step the forward pass then the backward pass (← → space); pick a
    leaf to see every path to it. ``focus`` explores only that node's inputs, backward
    from it. ``collapse=model`` (an ``nn`` model's loss) shows one box per layer (a
    row per neuron) over the batch, beside the graph of one ``sample``. Nothing changes the graph's
    ``.data`` or ``.grad``, except editing a leaf, which sets that leaf's ``.data``
    and recomputes the values that depend on it. The page lays the graph out itself
    (Graphviz in WebAssembly, shipped in it): no ``dot`` is run, and ``timeout`` is
    accepted for older calls with a DeprecationWarning.
    """
    if not isinstance(root, Value):
        raise TypeError(f"explore takes a Value, got {type(root).__name__}")
    warn_unused_timeout("explore", timeout)
    return Exploration(
        root,
        focus=focus,
        collapse=collapse,
        sample=sample,
        rankdir=rankdir,
        max_nodes=max_nodes,
    )


class Exploration:
    """The explorer's state for one graph; ``save`` writes the page, ``widget`` is live."""

    def __init__(self, root: Value, **options: Any) -> None:
        self.root = root
        self.options = options
        self._widget: Any = None
        self._lifted: Any = None
        self.top = root  # the node backward runs from: root, the focus or a sample's term
        self.state = self._compute()

    def _compute(self) -> dict[str, Any]:
        options = dict(self.options)
        model = options.pop("collapse")
        sample = options.pop("sample")
        focus = options.pop("focus")
        if model is None:
            self.top = self.root if focus is None else focus
            return explore_state(self.top, **options)
        view = model_view(self.root, model, sample, rankdir=options["rankdir"])
        self.top = view.term
        if self._lifted is None:  # the whole loss as blocks, once: choosing a sample keeps it
            self._lifted = lifted_or_none(self.root)
        state = explore_state(view.term, lifted=self._lifted, **options)
        state["model"] = dict(view.state, term=state["names"][state["root"]])
        return state

    def save(self, path: str | os.PathLike) -> Path:
        """Write one self-contained page (no network, every state precomputed)."""
        target = Path(path)
        state = dict(self.state, editable=False)
        target.write_text(page_html(TITLE, state, app="mountExplorer"), encoding="utf-8")
        return target

    def set_value(self, node: Value | str, value: float) -> None:
        """Set a leaf's ``.data`` and recompute every value that depends on it, then the
        grads (in the explorer's timeline, never ``.grad``). ``node`` is a leaf, its
        name or its id (``v0``). Nothing changes if any op fails on the new value."""
        described = Description(self.top)
        leaf = _find_leaf(described, node)
        value = _finite(value, described.names[leaf])
        computed = {leaf: value}
        for n in described.order:
            if n.is_leaf:
                continue
            inputs = [computed.get(p, p.data) for p in n.parents]
            if not any(p in computed for p in n.parents):
                continue
            op = n.op_spec
            try:
                out = op.run(*inputs)  # type: ignore[union-attr]
            except (ArithmeticError, ValueError, TypeError) as err:
                raise ValueError(
                    f"{described.names[leaf]} = {num(value)}: {described.formula(n)} fails "
                    f"({op.name} of {', '.join(num(x) for x in inputs)}: {err}); "  # type: ignore[union-attr]
                    "nothing was changed"
                ) from None
            if not math.isfinite(out):
                raise ValueError(
                    f"{described.names[leaf]} = {num(value)}: {described.formula(n)} gives "
                    f"{out}; nothing was changed"
                )
            computed[n] = out
        for n, out in computed.items():
            n.data = out
        self.state = self._compute()
        if self._widget is not None:
            self._widget.state = self.state

    def choose_sample(self, sample: int) -> None:
        """Explore another sample of the batch (with ``collapse=model``)."""
        previous = self.options["sample"]
        self.options["sample"] = sample
        try:
            self.state = self._compute()
        except ValueError:
            self.options["sample"] = previous
            raise
        if self._widget is not None:
            self._widget.sample = sample
            self._widget.state = self.state

    def widget(self) -> Any:
        """The anywidget (``pip install 'chainrule[interactive]'``), made once."""
        if self._widget is None:
            from viz.widget import ExplorerWidget

            self._widget = ExplorerWidget(self)
        return self._widget

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> Any:
        try:
            return self.widget()._repr_mimebundle_(include=include, exclude=exclude)
        except ImportError:  # no anywidget: the saved page, inline
            state = dict(self.state, editable=False)
            page = page_html(TITLE, state, app="mountExplorer")
            return {
                "text/html": f'<iframe srcdoc="{escape(page)}" style="width:100%;height:640px;'
                'border:1px solid #ddd"></iframe>',
                "text/plain": repr(self),
            }

    def __repr__(self) -> str:
        state = self.state
        if "steps" not in state:
            return f"<Exploration of a graph too large to draw: {state['blocks']['count']} blocks>"
        return (
            f"<Exploration of {state['names'][state['root']]}: {len(state['names'])} values, "
            f"{len(state['forward'])} forward and {len(state['steps'])} backward steps>"
        )


def lifted_or_none(root: Value) -> Any:
    """``lift(root)`` for the blocks view; None for a leaf, or where numpy is missing."""
    if root.is_leaf:
        return None
    try:
        from autograd.replay.lift import lift  # numpy loads only for the blocks view
    except ImportError:
        return None
    return lift(root)


def explore_state(
    root: Value, *, rankdir: str = "LR", max_nodes: int = MAX_NODES, lifted: Any = None
) -> dict[str, Any]:
    """The explorer's whole state for ``root``: the animation's, plus forward, panels,
    paths, and the blocks view of ``lifted`` (default ``lift(root)``; False: none). A
    graph over ``max_nodes`` gets the blocks view alone, with a note saying why."""
    size = len(topo_order(root))
    lifted = lifted_or_none(root) if lifted is None else lifted
    if size > max_nodes:
        refusal = too_large(explore, size, max_nodes)
        refusal += " With collapse=model, explore also steps through one sample."
        if not lifted:
            raise GraphTooLarge(refusal)
        return {
            "blocks": blocks_state(lifted, {}, "TB"),
            "note": f"The scalar graph is not drawn. {refusal.replace('explore: this', 'This')}",
            "editable": False,
        }
    described = Description(root)
    timeline = Timeline(described)
    state = backward_state(described, rankdir=rankdir, timeline=timeline)
    ids = {node: node_id(i) for node, i in described.index.items()}
    counts = path_counts(described)
    state.update(
        data={ids[n]: num(n.data) for n in described.order},
        forward=[
            {"node": ids[s.node], "inputs": [ids[p] for p in s.node.parents], "line": s.line}
            for s in forward_steps_of(described)
        ],
        nodes={ids[n]: node_panel(n, timeline) for n in described.order},
        rules={  # each edge's rule without its number, until forward computes its op
            f"{ids[e.node]}op_{e.slot}": e.rule
            for n in described.order
            for e in described.edges_into(n)
        },
        paths={
            ids[n]: paths_to(n, timeline, counts[n], MAX_PATHS)
            for n in described.order
            if n.is_leaf and n is not root
        },
        quiz=quiz_state(timeline),
        editable=True,
    )
    if lifted:
        state["blocks"] = blocks_state(lifted, ids, "TB")
    return state


def quiz_state(timeline: Timeline) -> list[list[dict[str, Any]]]:
    """Each backward step's questions as ``steps.quiz()`` asks them, for the page to
    check typed numbers without a kernel: the answer, and each slip's number and
    text, read from autograd.explain.quiz (the page matches them as ``_judge`` does)."""
    return [
        [
            {
                "kind": q.kind,
                "prompt": q.prompt,
                "answer": q.answer,
                "right": right_text(q),
                "slips": [
                    {"mistake": s.mistake, "value": s.value, "text": s.text}
                    for s in slips_of(q)
                    if math.isfinite(s.value)
                ],
                "otherwise": unmatched_text(q),
            }
            for q in questions
        ]
        for questions in questions_of(timeline)
    ]


def _find_leaf(described: Description, node: Value | str) -> Value:
    if isinstance(node, Value):
        found = node if node in described.index else None
    else:
        by_name = {name: n for n, name in described.names.items()}
        by_id = {node_id(i): n for n, i in described.index.items()}
        found = by_id.get(node) or by_name.get(node)
    if found is None:
        raise ValueError(f"{node!r} is not a node of this graph; pass a leaf, its name or its id")
    if not found.is_leaf:
        raise ValueError(
            f"{described.names[found]} is computed ({described.formula(found)}): edit one of "
            "the leaves it comes from instead"
        )
    return found


def _finite(value: Any, name: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: {value!r} is not a number") from None
    if not math.isfinite(number):
        raise ValueError(f"{name}: {value!r} is not a finite number")
    return number
