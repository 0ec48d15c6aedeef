"""The engine's ops without recording: what a backward pass uses when no outer tape listens.

A VJP is written once, against an op namespace ``xp``. When an outer tape is recording (a
higher-order gradient), ``xp`` is ``tapeviz.engine.api`` and every op of the backward pass is
recorded. Otherwise it is this module: the same registered forward functions, called directly
on the arrays, skipping argument conversion and the recording checks. Same math, less overhead.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .registry import REGISTRY
from .tensor import Tensor

_R = REGISTRY


def _v(x: Any) -> Any:
    return x._value if isinstance(x, Tensor) else x


def _w(out: Any) -> Tensor:
    if type(out) is not np.ndarray:
        out = np.asarray(out)
    out.flags.writeable = False
    return Tensor._wrap(out)


def _arrays(args: tuple[Any, ...]) -> list[np.ndarray]:
    """Tensors give their arrays; Python numbers take the dtype of the first tensor (TF's rule)."""
    arrays = [_v(a) for a in args]
    if all(type(a) is np.ndarray for a in arrays):
        return arrays
    like = next((a for a in arrays if type(a) is np.ndarray and a.dtype.kind == "f"), None)
    dtype = like.dtype if like is not None else None
    return [a if type(a) is np.ndarray else np.asarray(a, dtype=dtype) for a in arrays]


def _fwd(name: str):  # one-line wrappers over a registered forward, attrs passed through
    forward = REGISTRY[name].forward

    def op(*args: Any, **attrs: Any) -> Tensor:
        return _w(forward(*_arrays(args), **attrs))

    op.__name__ = name
    return op


add = _fwd("add")
subtract = _fwd("subtract")
multiply = _fwd("multiply")
divide = _fwd("divide")
power = _fwd("power")
negative = _fwd("negative")
square = _fwd("square")
exp = _fwd("exp")
log = _fwd("log")
sin = _fwd("sin")
cos = _fwd("cos")
sign = _fwd("sign")
sigmoid = _fwd("sigmoid")
equal = _fwd("equal")
greater = _fwd("greater")
less = _fwd("less")
logical_not = _fwd("logical_not")
logical_or = _fwd("logical_or")
where = _fwd("where")


def matmul(a: Any, b: Any, transpose_a: bool = False, transpose_b: bool = False) -> Tensor:
    return _w(_R["matmul"].forward(_v(a), _v(b), transpose_a=transpose_a, transpose_b=transpose_b))


def softmax(a: Any, axis: int = -1) -> Tensor:
    return _w(_R["softmax"].forward(_v(a), axis=int(axis)))


def log_softmax(a: Any, axis: int = -1) -> Tensor:
    return _w(_R["log_softmax"].forward(_v(a), axis=int(axis)))


def reduce_sum(a: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    return _w(_R["reduce_sum"].forward(_v(a), axis=axis, keepdims=keepdims))


def cast(a: Any, dtype: Any) -> Tensor:
    arr = _v(a)
    want = np.dtype(getattr(dtype, "np", dtype))
    return a if arr.dtype == want else _w(arr.astype(want))


def reshape(a: Any, shape: Any) -> Tensor:
    return _w(np.reshape(_v(a), tuple(shape)))


def transpose(a: Any, perm: Any = None) -> Tensor:
    return _w(np.transpose(_v(a), perm))


def expand_dims(a: Any, axis: int) -> Tensor:
    return _w(np.expand_dims(_v(a), axis))


def broadcast_to(a: Any, shape: Any) -> Tensor:
    arr = _v(a)
    return a if arr.shape == tuple(shape) else _w(_R["broadcast_to"].forward(arr, shape=tuple(shape)))


def sum_to_shape(a: Any, shape: Any) -> Tensor:
    arr = _v(a)
    return a if arr.shape == tuple(shape) else _w(_R["sum_to_shape"].forward(arr, shape=tuple(shape)))


def getitem(a: Any, key: Any) -> Tensor:
    return _w(_R["getitem"].forward(_v(a), key=key))


def scatter_into(g: Any, shape: Any, key: Any) -> Tensor:
    return _w(_R["scatter_into"].forward(_v(g), shape=tuple(shape), key=key))


def zeros_like(a: Any) -> Tensor:
    return _w(np.zeros_like(_v(a)))


def ones_like(a: Any) -> Tensor:
    return _w(np.ones_like(_v(a)))
