"""The replay: a traced graph compiled to numpy over a batch, trained in arrays, or written as ONNX.

In the order a graph passes through them:

- ``tape``: ``trace(fn, *example)`` records the graph once as a ``Tape``; ``forward``
  and ``backward`` replay it for a whole batch. Its public surface (``widths``,
  ``program``, ``columns``, ``forward_rows``, ``backward_rows``) is what the others read.
- ``tape_layout``: the tape's program (``Input``, ``Leaf``, ``Apply`` per node), depths,
  groups and rows.
- ``tape_groups``: how one group of nodes runs, with the op table's array forms
  (``Op.array``) and rules; ``tape_rows``: where a group reads and adds its rows.
- ``tape_training``: ``Tape.training``, steps of an optimizer on arrays.
- ``onnx_export`` and ``onnx_ops``: ``Tape.to_onnx``, the same array forms and rules
  evaluated on symbolic tensors that write ONNX operators.

It reads the engine (``autograd.value``, the op table ``autograd.ops``); ``nn.train``
and the checks read it. numpy loads with it; onnx only with ``to_onnx``.
"""
