"""The engine's ops without recording: what a backward pass uses when no outer tape listens.

A VJP is written once, against an op namespace ``xp``. When an outer tape is recording (a
higher-order gradient), ``xp`` is ``tapeviz.engine.api`` and every op of the backward pass is
recorded. Otherwise it is this module: the same registered forward functions, called directly
on the arrays, skipping argument conversion, the recording checks and the Tensor wrappers.
Same math, less overhead. These functions take tensors or arrays and return plain numpy
arrays; the backward walk wraps only the gradients it hands back.

Every registered op has a function here, derived from its definition: taken from
``engine/_generated_fastops.py`` (real definitions written from the registry by
``python -m tapeviz.engine.generate``) or, for an op registered later, made by
``wrappers.fast_function``. The few written below take shortcuts for the ops a backward pass
calls most (ndarray methods instead of numpy's wrappers, no copy when nothing changes).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.array_utils import normalize_axis_index

from .registry import REGISTRY, OpDef, on_register
from .tensor import Tensor
from .wrappers import as_array, fast_function

_R = REGISTRY


def _v(x: Any) -> Any:
    return x._value if isinstance(x, Tensor) else x


def matmul(a: Any, b: Any, transpose_a: bool = False, transpose_b: bool = False) -> np.ndarray:
    return _R["matmul"].forward(_v(a), _v(b), transpose_a=transpose_a, transpose_b=transpose_b)


def softmax(a: Any, axis: int = -1) -> np.ndarray:
    return as_array(_R["softmax"].forward(_v(a), axis=int(axis)))


def log_softmax(a: Any, axis: int = -1) -> np.ndarray:
    return as_array(_R["log_softmax"].forward(_v(a), axis=int(axis)))


def reduce_sum(a: Any, axis: Any = None, keepdims: bool = False) -> np.ndarray:
    return as_array(_R["reduce_sum"].forward(_v(a), axis=axis, keepdims=keepdims))


def cast(a: Any, dtype: Any) -> np.ndarray:
    arr = _v(a)
    want = np.dtype(getattr(dtype, "np", dtype))
    return arr if arr.dtype == want else arr.astype(want)


def reshape(a: Any, shape: Any) -> np.ndarray:
    return _v(a).reshape(tuple(shape))  # ndarray methods: np.reshape/np.transpose minus their wrappers


def transpose(a: Any, perm: Any = None) -> np.ndarray:
    return _v(a).transpose(perm)


def expand_dims(a: Any, axis: int) -> np.ndarray:
    arr = _v(a)
    axis = normalize_axis_index(axis, arr.ndim + 1)  # np.expand_dims's own check, without its wrapper
    return arr.reshape(arr.shape[:axis] + (1,) + arr.shape[axis:])


def broadcast_to(a: Any, shape: Any) -> np.ndarray:
    arr = _v(a)
    return arr if arr.shape == tuple(shape) else _R["broadcast_to"].forward(arr, shape=tuple(shape))


def sum_to_shape(a: Any, shape: Any) -> np.ndarray:
    arr = _v(a)
    return arr if arr.shape == tuple(shape) else as_array(_R["sum_to_shape"].forward(arr, shape=tuple(shape)))


def getitem(a: Any, key: Any) -> np.ndarray:
    return as_array(_R["getitem"].forward(_v(a), key=key))


def scatter_into(g: Any, shape: Any, key: Any) -> np.ndarray:
    return _R["scatter_into"].forward(_v(g), shape=tuple(shape), key=key)


# not ops: constants a VJP builds
def zeros_like(a: Any) -> np.ndarray:
    return np.zeros_like(_v(a))


def ones_like(a: Any) -> np.ndarray:
    return np.ones_like(_v(a))


WRITTEN = frozenset({
    "matmul", "softmax", "log_softmax", "reduce_sum", "cast", "reshape", "transpose", "expand_dims",
    "broadcast_to", "sum_to_shape", "getitem", "scatter_into",
})
__all__ = [*sorted(WRITTEN), "ones_like", "zeros_like"]  # and, as ops register, every other op


def _derive(op: OpDef, added: bool) -> None:
    """Every other op gets the function derived from its definition."""
    if op.name in WRITTEN:
        return
    if added:
        written = getattr(_generated, op.name, None) if op.name in _generated.__all__ else None
        globals()[op.name] = written or fast_function(op)
        __all__.append(op.name)
    else:
        globals().pop(op.name, None)
        __all__.remove(op.name)


from . import _generated_fastops as _generated  # noqa: E402  (after WRITTEN, which the generator reads)

on_register(_derive)
