"""The check wing: is a gradient right, and if not, which slip made it wrong?

- ``gradcheck``: gradients against central differences, per input (``gradcheck``) and
  per node (``check_nodes``); ``data_reads`` tells a ``.data`` read from a branch.
- ``second_order``, ``higher``: Hessians and each rule differentiated again.
- ``compare``: a learner's built graph beside chainrule's, first difference named.
- ``engine_check``: ``check_engine(TheirValue)``, probe by probe; the probes are in
  ``probes``, run in a child process by ``sandbox`` (parent) and ``runner`` (child), or
  where there are no processes within a budget of executed lines (``lines``).
- ``grade``, ``submission``, ``dashboard``: ``python -m autograd.grade`` for a class.
- ``slips``: the one list of bug classes every tool names; ``report``: the base of
  every report (text, HTML, truthiness).
"""
