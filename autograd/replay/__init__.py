"""The replay wing: a graph traced once, then run on whole batches with numpy, trained
in arrays, and written out as ONNX.

In the order a graph passes through them:

- ``tape``: ``trace(f, *example)`` records ``f``'s graph as a flat ``Tape``;
  ``tape.forward(*batch)`` and ``tape.backward()`` replay it over many rows;
  ``tape.verify`` and ``TapeMismatch`` catch a graph that depends on the data. Its
  public surface (``widths``, ``program``, ``columns``, ``forward_rows``,
  ``backward_rows``) is what the modules below read.
- ``tape_layout``: the tape's program (an ``Input``, a ``Leaf`` or an ``Apply`` per
  node), depths, groups (every node of one op at one depth) and rows.
- ``tape_groups``: how one group is replayed, with the op table's array forms
  (``Op.array``) and rules on arrays; ``tape_rows``: the rows it reads and adds into.
- ``tape_training``: ``tape.training(optimizer)``, a training loop that keeps the
  parameters as arrays between steps.
- ``onnx_export``: ``tape.to_onnx(path, backward=True)``, the tape as an ONNX model,
  forward and gradients: the same array forms and rules, run on ``onnx_ops.Sym``, a
  symbolic tensor that writes ONNX operators for numpy's functions.
- ``lift``: ``lift(root)``, a built graph read as its tensor program (a layer one matrix
  product, an activation one elementwise op, a sum one reduction): ``lift_find`` finds
  the layers and groups, ``lift_layout`` places every node in an array, ``lift_forms``
  holds the blocks' formulas, ``lift_code`` writes them as numpy or PyTorch.

It reads the engine (``Value``, the op table, ``storage`` for numbers in bulk).
Readers: ``nn.fit`` (which trains on a tape when it pays) and ``gradcheck``. ``trace``,
``Tape``, ``TapeMismatch``, ``lift`` and ``Lifted`` are exported from ``autograd``;
numpy loads only when this wing is first used, onnx only with ``to_onnx``.
"""
