"""The check wing: gradients compared with numbers computed another way, and engines
graded probe by probe. Nothing here changes a ``.data`` or ``.grad`` of yours.

- ``gradcheck``: ``gradcheck(f, inputs)`` against central differences, input by input
  (``order=2``: the Hessian); ``check_nodes(root)`` node by node on a built graph,
  naming the first node that disagrees and the local rule that is wrong.
- ``second_order``: the same at second order: a Hessian against differences of the
  gradient, and each op's rule, differentiated again by ``create_graph``, against
  differences of the rule.
- ``higher``: ``hessian(f, inputs)``, from ``autograd.grad`` with ``create_graph``.
- ``engine_check``: ``check_engine(TheirValue)`` grades a micrograd-style class on 42
  small graphs built with it and with chainrule's ``Value``.
- ``compare``: ``compare(their_root)`` rebuilds a learner's graph with chainrule and
  names the first node whose grad differs.

It reads the engine (``Value``, the op table), ``autograd.explain`` (descriptions,
the learners' slips in ``diagnose``, text and HTML), and the replay
(``gradcheck`` notes where ``f``'s graph depends on the data). The names users need
are exported from ``autograd``.
"""
