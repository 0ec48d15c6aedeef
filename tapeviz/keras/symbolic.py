"""Symbolic inputs for the functional API: ``KerasTensor`` placeholders and the ``Node`` that made each.

``keras.Input(shape=(4,))`` gives a ``KerasTensor``: a shape (batch dimension ``None``) and a
dtype, no values. Calling a layer on one builds the layer (its weights are real) and returns
another ``KerasTensor`` whose history names the layer; ``keras.Model(inputs, outputs)`` then
reads the graph from that history. To learn the output shape, the layer runs once on zeros
with every tape and listener set aside (``silent()``), so building a model records no op: the
trace shows only what runs on real data.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np

from .. import engine as E
from ..engine.registry import state as _recording


class KerasTensor:
    """A placeholder for a batch of tensors: a ``shape`` with ``None`` for the batch, a ``dtype``.

    It holds no values and records nothing; ``_node`` is the call that produced it (the layer, its
    symbolic inputs), ``_index`` its place among that call's outputs.
    """

    def __init__(self, shape: tuple[int | None, ...], dtype: str = "float32", name: str | None = None,
                 node: Node | None = None, index: int = 0) -> None:
        self.shape = tuple(None if d is None else int(d) for d in shape)
        self.dtype = str(dtype)
        self.name = name
        self._node = node
        self._index = index

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def numpy(self) -> Any:
        raise TypeError(
            "A KerasTensor is a symbolic placeholder (from keras.Input or a layer called on one): it has no "
            "values. Build a model with keras.Model(inputs, outputs) and call the model on data."
        )

    __array__ = numpy

    def __repr__(self) -> str:
        name = f", name={self.name}" if self.name else ""
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}{name}>"

    def _refuse(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError(
            "tapeviz's functional API connects layers only: wrap arithmetic on a KerasTensor in a layer "
            "(keras.layers.Lambda(lambda t: ...), keras.layers.Add(), Concatenate(), ...)"
        )

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = __matmul__ = __neg__ = _refuse
    __getitem__ = _refuse


class Node:
    """One call of a layer on symbolic inputs: ``layer(args)`` gave ``outputs``."""

    def __init__(self, layer: Any, args: Any, kwargs: dict[str, Any], outputs: list[KerasTensor]) -> None:
        self.layer = layer
        self.args = args
        self.kwargs = kwargs
        self.outputs = outputs

    @property
    def inputs(self) -> list[KerasTensor]:
        """The symbolic tensors this call read, in the order they appear in its arguments."""
        return [leaf for leaf in leaves(self.args) if isinstance(leaf, KerasTensor)]


trial_batches: list[int | None] = []  # the batch dimension of the placeholders a trial run stands for


def trial_run(layer: Any, structure: Any, kwargs: dict[str, Any] | None = None) -> tuple[Any, int | None]:
    """Call ``layer`` on zeros shaped like the placeholders in ``structure``, silently: its
    weights are made (as a first call makes them), no op reaches a tape or the trace. Returns
    the outputs and the placeholders' batch dimension."""
    placeholders = [leaf for leaf in leaves(structure) if isinstance(leaf, KerasTensor)]
    batch = placeholders[0].shape[0] if placeholders and placeholders[0].shape else None
    kwargs = dict(kwargs or {})
    kwargs.setdefault("training", False)
    with silent():
        concrete = map_structure(lambda v: zeros_for(v.shape, v.dtype) if isinstance(v, KerasTensor) else v, structure)
        trial_batches.append(batch)
        try:
            return layer(concrete, **kwargs), batch
        finally:
            trial_batches.pop()


def symbolic_call(layer: Any, inputs: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """``layer(keras_tensors)``: build it by a trial run, note the call as a ``Node``, return placeholders."""
    if args or any(isinstance(leaf, KerasTensor) for leaf in leaves(kwargs)):
        raise TypeError(f"layer '{layer.name}': in the functional API pass the symbolic inputs as the first "
                        "argument (a tensor, or a list of them)")
    outputs, batch = trial_run(layer, inputs, kwargs)
    node = Node(layer, inputs, dict(kwargs), [])
    flat = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
    node.outputs = [symbolic_like(t, batch, node, i) for i, t in enumerate(flat)]
    layer._inbound_nodes.append(node)
    if len(node.outputs) == 1 and node.outputs[0].shape:
        layer._output_shape = node.outputs[0].shape
        layer._symbolic_shape = True
    return node.outputs if isinstance(outputs, (list, tuple)) else node.outputs[0]


def leaves(value: Any) -> Iterator[Any]:
    """The leaves of nested lists, tuples and dicts (dict values in insertion order)."""
    if isinstance(value, (list, tuple)):
        for item in value:
            yield from leaves(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from leaves(item)
    else:
        yield value


def map_structure(fn: Any, value: Any) -> Any:
    if isinstance(value, list):
        return [map_structure(fn, v) for v in value]
    if isinstance(value, tuple):
        return tuple(map_structure(fn, v) for v in value)
    if isinstance(value, dict):
        return {k: map_structure(fn, v) for k, v in value.items()}
    return fn(value)


def holds_symbolic(value: Any) -> bool:
    return any(isinstance(leaf, KerasTensor) for leaf in leaves(value))


@contextlib.contextmanager
def silent() -> Iterator[None]:
    """Run ops with no tape recording and no listener told: a layer's trial run on zeros."""
    from ..engine import events

    saved = (list(_recording.tapes), list(_recording.paused), list(events.listeners))
    _recording.tapes.clear()
    _recording.paused.clear()
    events.listeners.clear()
    try:
        yield
    finally:
        _recording.tapes[:], _recording.paused[:], events.listeners[:] = saved


def zeros_for(shape: tuple[int | None, ...], dtype: str) -> E.Tensor:
    """Zeros standing in for a symbolic tensor: each unknown dimension (the batch) is 1."""
    return E.constant(np.zeros(tuple(1 if d is None else d for d in shape), dtype=np.dtype(dtype)))


def symbolic_like(tensor: Any, batch: int | None, node: Node, index: int) -> KerasTensor:
    """The placeholder for one output of a trial run: its shape with the batch put back."""
    if not isinstance(tensor, E.Tensor):
        raise TypeError(f"layer '{node.layer.name}' returned {type(tensor).__name__}; a layer used in the "
                        "functional API must return tensors")
    shape: tuple[int | None, ...] = tuple(tensor._value.shape)
    if shape:
        shape = (batch, *shape[1:])
    return KerasTensor(shape, tensor._value.dtype.name, name=node.layer.name, node=node, index=index)


def shape_tuple(shape: Any, what: str) -> tuple[int | None, ...]:
    """``(4,)``, ``[4]``, ``4`` or ``(None, 3)`` → a tuple of ints and Nones."""
    if isinstance(shape, (int, np.integer)) and not isinstance(shape, bool):
        shape = (shape,)
    try:
        out = tuple(None if d is None else int(d) for d in shape)
    except (TypeError, ValueError):
        raise TypeError(f"{what} must be a tuple of integers (None for an unknown size), got {shape!r}") from None
    if any(d is not None and d < 0 for d in out):
        raise ValueError(f"{what} has a negative dimension: {shape!r}")
    return out
