"""Helpers the op families share: broadcasting, reduction axes, masks, shape describers."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..registry import OpRecord
from ..tensor import Tensor

__all__ = [
    "axis_tuple", "broadcast_problem", "count", "dtype_of", "erf", "keepdims_shape", "mask", "sum_to", "unreduce",
]


def sum_to(x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``x`` over the axes that broadcasting added or stretched, giving ``shape``."""
    xshape = x.shape
    if xshape == shape:
        return x
    lead = len(xshape) - len(shape)
    if lead == 1 and xshape[1:] == shape:  # a bias's gradient: one batch axis added (every Dense, every step)
        return np.add.reduce(x, 0)
    stretched = tuple(i + lead for i, d in enumerate(shape) if d == 1 and x.shape[i + lead] != 1)
    if not stretched:  # only leading axes were added: summing them away leaves ``shape``
        return np.add.reduce(x, axis=tuple(range(lead))) if lead else x.reshape(shape)
    return np.add.reduce(x, axis=tuple(range(lead)) + stretched, keepdims=True).reshape(shape)


def broadcast_problem(a: Tensor, b: Tensor, **_: object) -> str | None:
    """The describer of binary elementwise ops: which shapes do not broadcast."""
    try:
        np.broadcast_shapes(a._value.shape, b._value.shape)
    except ValueError:
        return f"shapes {a._value.shape} and {b._value.shape} cannot be broadcast together"
    return None


def axis_tuple(axis: object, ndim: int) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)  # type: ignore[arg-type]
    return tuple(sorted(a % ndim for a in axes)) if ndim else ()


def keepdims_shape(shape: tuple[int, ...], axis: object) -> tuple[int, ...]:
    axes = axis_tuple(axis, len(shape))
    return tuple(1 if i in axes else d for i, d in enumerate(shape))


def count(shape: tuple[int, ...], axis: object) -> int:
    """How many elements a reduction over ``axis`` combines into each output element."""
    return math.prod(shape[i] for i in axis_tuple(axis, len(shape)))


def unreduce(xp: Any, g: Tensor, rec: OpRecord) -> Tensor:
    """Broadcast a reduction's upstream gradient back to the input's shape."""
    shape = rec.inputs[0]._value.shape
    g = xp.reshape(g, keepdims_shape(shape, rec.attrs.get("axis")))
    return xp.broadcast_to(g, shape)


def dtype_of(rec: OpRecord) -> np.dtype:
    return rec.output._value.dtype


def mask(condition: np.ndarray, dtype: np.dtype) -> Tensor:
    """A 0/1 constant from a boolean array. A comparison is never recorded (not differentiable),
    so building the mask in numpy gives the same tensors as comparing and casting with ops."""
    out = np.array(condition, dtype=dtype)  # an array even for 0-d inputs (numpy gives scalars)
    out.setflags(write=False)
    return Tensor._wrap(out)


_erf = np.frompyfunc(math.erf, 1, 1)  # numpy has no erf; the standard library's is exact enough


def erf(a: np.ndarray) -> np.ndarray:
    """The error function elementwise, in ``a``'s float dtype."""
    return np.asarray(_erf(a), dtype=a.dtype if a.dtype.kind == "f" else np.float64)
