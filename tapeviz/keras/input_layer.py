"""``InputLayer`` and ``keras.Input``: where a model's data comes in, as a symbolic ``KerasTensor``."""

from __future__ import annotations

from typing import Any

from .layers import Layer
from .symbolic import KerasTensor, Node, shape_tuple


class InputLayer(Layer):
    """Where a model's data comes in: ``InputLayer(shape=(4,))`` (batch left out). Its ``output``
    is the ``KerasTensor`` that ``keras.Input`` returns; it has no weights and records no op."""

    def __init__(self, shape: Any = None, batch_size: int | None = None, dtype: Any = None, sparse: Any = None,
                 batch_shape: Any = None, input_tensor: Any = None, optional: bool = False, name: str | None = None,
                 **kwargs: Any) -> None:
        if shape is None and "input_shape" in kwargs:
            shape = kwargs.pop("input_shape")
        if kwargs:
            raise TypeError(f"InputLayer: unexpected keyword argument(s): {', '.join(sorted(kwargs))}")
        if sparse or input_tensor is not None or optional:
            raise NotImplementedError("tapeviz's InputLayer takes shape, batch_size, batch_shape, dtype and name")
        if shape is not None and batch_shape is not None:
            raise ValueError("You cannot pass both `shape` and `batch_shape` at the same time.")
        if shape is None and batch_shape is None:
            raise ValueError("You must pass a `shape` argument.")
        super().__init__(name=name, dtype=dtype)
        full = shape_tuple(batch_shape, "batch_shape") if batch_shape is not None else (
            batch_size, *shape_tuple(shape, "shape"))
        self.batch_shape = full
        self.built = True
        self._output_shape = full
        node = Node(self, None, {}, [])
        node.outputs = [KerasTensor(full, self.dtype, name=self.name, node=node)]
        self._inbound_nodes.append(node)
        self.output = node.outputs[0]

    def __repr__(self) -> str:
        return f"<InputLayer name={self.name}, batch_shape={self.batch_shape}>"


def Input(shape: Any = None, batch_size: int | None = None, dtype: Any = None, sparse: Any = None,  # noqa: N802
          batch_shape: Any = None, name: str | None = None, tensor: Any = None, optional: bool = False) -> KerasTensor:
    """``keras.Input(shape=(4,))``: a symbolic batch of inputs (no values) to build a model from."""
    return InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, sparse=sparse, batch_shape=batch_shape,
                      input_tensor=tensor, optional=optional, name=name).output
