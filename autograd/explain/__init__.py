"""The explain wing: tools that say how a gradient came to be. They read the engine and
never change a ``.data`` or ``.grad``.

Two computations feed every view, each done once per graph:

- ``describe``: ``Description``, the graph as people read it: the nodes in order, the
  learner's names for them, and each edge's rule written in those names
  (``∂L/∂d = f``). ``graph_text`` prints it as a table.
- ``timeline``: ``Timeline``, one fresh backward from the root into a mapping of its
  own, every chain-rule step kept (``backward_timeline``).

Built on those:

- ``stepper``: ``root.backward_steps()``, a cursor over the timeline for the REPL.
- ``quiz``: ``steps.quiz()``, drills that ask each step and name a wrong answer's
  likeliest slip (its list: ``MISTAKES``).
- ``diagnose``: the classic bugs of a hand-written engine (``=`` for ``+=``, a lost
  ``out.grad``, ...), each tried in turn to explain a wrong gradient; ``check_engine``
  and ``compare`` name bugs with it (its list: ``BUG_CLASSES``).
- ``forward``: forward mode from the same op table: ``jvp``, ``Dual``,
  ``forward_steps`` and ``cost``.
- ``expression``: ``a*b + a.tanh()`` parsed with ``ast``, nothing else run (the drills'
  answers, ``python -m viz``).
- ``text`` and ``display``: how numbers and tables are written, as text and as HTML
  in a notebook.

Readers: ``autograd.check`` (its reports and diagnoses), ``viz`` (the diagram,
animation and explorer draw from ``describe`` and ``timeline``) and ``Value``
(``backward_steps``). The names users need are exported from ``autograd``.
"""
