"""The replay wing: a graph traced once, then run on whole batches with numpy, and
written out as ONNX.

- ``tape``: ``trace(f, *example)`` records ``f``'s graph as a flat ``Tape``;
  ``tape.forward(*batch)`` and ``tape.backward()`` replay it over many rows, with the
  op table's rules on arrays; ``tape.verify`` and ``TapeMismatch`` catch a graph that
  depends on the data.
- ``tape_groups``: how one group (every node of one op at one depth) is replayed: the
  numpy calls, and the rows it reads and adds into.
- ``tape_training``: ``tape.training(optimizer)``, a training loop that keeps the
  parameters as arrays between steps.
- ``onnx_export``: ``tape.to_onnx(path, backward=True)``, the tape as an ONNX model,
  forward and gradients.
- ``onnx_ops``: ``Sym``, a symbolic tensor on which the op table's rules build ONNX
  nodes, and each built-in op's forward in ONNX operators.

It reads the engine (``Value``, the op table, ``storage`` for numbers in bulk).
Readers: ``nn.fit`` (which trains on a tape when it pays) and ``gradcheck``. ``trace``,
``Tape`` and ``TapeMismatch`` are exported from ``autograd``; numpy loads only when
this wing is first used.
"""
