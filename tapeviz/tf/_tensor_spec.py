"""``tf.TensorSpec``: the shape (``None`` for any size) and dtype a tensor is expected to have.

Used by ``tf.function(input_signature=[...])`` to check and convert arguments, and by
``Dataset.element_spec``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import engine as _E
from ..engine.tensor import TensorShape


class TensorSpec:
    """``TensorSpec(shape=[None, 3], dtype=tf.float32)``: any number of rows of 3 floats."""

    def __init__(self, shape: Any, dtype: Any = "float32", name: str | None = None) -> None:
        dims = [] if shape is None else list(shape)
        self.shape = TensorShape(None if d is None else int(d) for d in dims)
        self.dtype = _E.as_dtype(dtype)
        self.name = name

    @classmethod
    def from_tensor(cls, tensor: Any, name: str | None = None) -> TensorSpec:
        value = _E.convert(tensor)
        return cls(value._value.shape, value._value.dtype.name, name)

    def is_compatible_with(self, value: Any) -> bool:
        """True when ``value`` (a tensor or a spec) has this dtype and a shape that fits."""
        if isinstance(value, TensorSpec):
            shape, dtype = tuple(value.shape), value.dtype
        else:
            tensor = value if isinstance(value, _E.Tensor) else _E.convert(value)
            shape, dtype = tensor._value.shape, _E.as_dtype(tensor._value.dtype.name)
        return dtype == self.dtype and _shape_fits(shape, tuple(self.shape))

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, TensorSpec) and tuple(self.shape) == tuple(other.shape)
                and self.dtype == other.dtype and self.name == other.name)

    def __hash__(self) -> int:
        return hash((tuple(self.shape), self.dtype.name, self.name))

    def __repr__(self) -> str:
        name = "None" if self.name is None else repr(self.name)
        return f"TensorSpec(shape={self.shape}, dtype={self.dtype!r}, name={name})"


def _shape_fits(shape: tuple[Any, ...], pattern: tuple[Any, ...]) -> bool:
    return len(shape) == len(pattern) and all(p is None or s is None or s == p for s, p in zip(shape, pattern))


def bind(spec: TensorSpec, value: Any, function: str, position: int) -> Any:
    """``value`` as a tensor matching ``spec`` (Python numbers and lists are converted to its
    dtype), or a TypeError naming the argument and both shapes, as TF refuses a call."""
    if isinstance(value, _E.Tensor):
        tensor = value
    else:
        try:
            tensor = _E.constant(np.asarray(value, dtype=spec.dtype.np))
        except (TypeError, ValueError):
            raise TypeError(f"{function}: argument {position} is {value!r:.60}, which cannot become {spec!r}") from None
    if not spec.is_compatible_with(tensor):
        got = TensorSpec(tensor._value.shape, tensor._value.dtype.name)
        raise TypeError(
            f"Binding inputs to tf.function {function!r} failed: argument {position} is {got!r}, "
            f"the input_signature expects {spec!r}"
        )
    return tensor
