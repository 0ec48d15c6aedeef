"""The engine's ops without recording: what a backward pass uses when no outer tape listens.

A VJP is written once, against an op namespace ``xp``. When an outer tape is recording (a
higher-order gradient), ``xp`` is ``tapeviz.engine.api`` and every op of the backward pass is
recorded. Otherwise it is this module: the same registered forward functions, called directly
on the arrays, skipping argument conversion, the recording checks and the Tensor wrappers.
Same math, less overhead. These functions take tensors or arrays and return plain numpy
arrays; the backward loop wraps only the gradients it hands back.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.array_utils import normalize_axis_index

from .registry import REGISTRY
from .tensor import Tensor

_R = REGISTRY


def _v(x: Any) -> Any:
    return x._value if isinstance(x, Tensor) else x


def _a(out: Any) -> np.ndarray:
    """An ndarray (a full reduction gives a numpy scalar)."""
    return out if type(out) is np.ndarray else np.asarray(out)


def _arrays(args: tuple[Any, ...]) -> list[np.ndarray]:
    """Tensors give their arrays; Python numbers take the dtype of the first tensor (TF's rule)."""
    arrays = [_v(a) for a in args]
    dtype = None
    for a in arrays:
        if type(a) is np.ndarray and a.dtype.kind == "f":
            dtype = a.dtype
            break
    return [a if type(a) is np.ndarray else np.asarray(a, dtype=dtype) for a in arrays]


def _fwd(name: str):  # one-line wrappers over a registered forward, attrs passed through
    forward = REGISTRY[name].forward

    def op(*args: Any, **attrs: Any) -> np.ndarray:
        return _a(forward(*_arrays(args), **attrs))

    op.__name__ = name
    return op


def _binary(name: str):  # the common case, two operands and no attrs, without *args packing
    forward = REGISTRY[name].forward

    def op(a: Any, b: Any) -> np.ndarray:
        a, b = _v(a), _v(b)
        if type(a) is not np.ndarray or type(b) is not np.ndarray:
            a, b = _arrays((a, b))
        return _a(forward(a, b))

    op.__name__ = name
    return op


add = _binary("add")
subtract = _binary("subtract")
multiply = _binary("multiply")
divide = _binary("divide")
power = _binary("power")
negative = _fwd("negative")
square = _fwd("square")
exp = _fwd("exp")
log = _fwd("log")
sin = _fwd("sin")
cos = _fwd("cos")
sign = _fwd("sign")
sigmoid = _fwd("sigmoid")
equal = _binary("equal")
greater = _binary("greater")
less = _binary("less")
logical_not = _fwd("logical_not")
logical_or = _binary("logical_or")
where = _fwd("where")


def matmul(a: Any, b: Any, transpose_a: bool = False, transpose_b: bool = False) -> np.ndarray:
    return _R["matmul"].forward(_v(a), _v(b), transpose_a=transpose_a, transpose_b=transpose_b)


def softmax(a: Any, axis: int = -1) -> np.ndarray:
    return _a(_R["softmax"].forward(_v(a), axis=int(axis)))


def log_softmax(a: Any, axis: int = -1) -> np.ndarray:
    return _a(_R["log_softmax"].forward(_v(a), axis=int(axis)))


def reduce_sum(a: Any, axis: Any = None, keepdims: bool = False) -> np.ndarray:
    return _a(_R["reduce_sum"].forward(_v(a), axis=axis, keepdims=keepdims))


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
    return arr if arr.shape == tuple(shape) else _a(_R["sum_to_shape"].forward(arr, shape=tuple(shape)))


def getitem(a: Any, key: Any) -> np.ndarray:
    return _a(_R["getitem"].forward(_v(a), key=key))


def scatter_into(g: Any, shape: Any, key: Any) -> np.ndarray:
    return _R["scatter_into"].forward(_v(g), shape=tuple(shape), key=key)


def zeros_like(a: Any) -> np.ndarray:
    return np.zeros_like(_v(a))


def ones_like(a: Any) -> np.ndarray:
    return np.ones_like(_v(a))
