"""The engine's functional API: convert arguments, then run the registered op.

Most op functions are derived from the registry: they appear in this module when their op is
registered, taken from ``engine/_generated_api.py`` (real definitions, written from the
registry by ``python -m tapeviz.engine.generate``) or, for an op a program registers later,
made by ``wrappers.api_function``. Written here by hand are the conversions, the ops declared
with ``api="hand"`` (their arguments need more than a conversion to tensors) and the
constructors, which make constants and record nothing. Every op function takes TensorFlow's
``name=``: it labels the op's node wherever the trace is shown.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import dtypes
from .attrs import as_shape
from .errors import DTypeError
from .registry import REGISTRY, OpDef, apply, on_register
from .scope import current_scope
from .tensor import Tensor, to_array
from .wrappers import api_docstring, api_function

_R = REGISTRY  # filled in by ops.py (imported by the package before any op runs)


# ---------------------------------------------------------------------------------------
# conversion


def convert(value: Any, dtype: Any = None, name: str | None = None) -> Tensor:
    """``tf.convert_to_tensor``: tensors pass through, everything else becomes a constant."""
    if isinstance(value, Tensor):
        if dtype is not None and value._value.dtype != dtypes.as_dtype(dtype).np:
            raise DTypeError(
                f"convert_to_tensor: tensor has dtype {value._value.dtype.name}, requested "
                f"{dtypes.as_dtype(dtype).name} (use tf.cast to change it)"
            )
        return value
    return Tensor._wrap(to_array(value, dtype))


def constant(value: Any, dtype: Any = None, shape: Sequence[int] | None = None, name: str | None = None) -> Tensor:
    """A constant tensor; with ``shape``, a scalar is broadcast to fill it (as in TF)."""
    if isinstance(value, Tensor):
        value = value._value
    arr = to_array(value, dtype)
    if shape is not None:
        shape = tuple(int(d) for d in shape)
        if arr.size == 1:
            arr = np.full(shape, arr.reshape(()), dtype=arr.dtype)
        else:
            arr = arr.reshape(shape)
        arr.setflags(write=False)
    return Tensor._wrap(arr)


def _like(value: Any, other: Tensor, op: str) -> Tensor:
    """Convert a Python/numpy operand to the dtype of the tensor it meets (TF's rule)."""
    want = other._value.dtype
    arr = np.asarray(value.numpy() if isinstance(value, Tensor) else value)
    if arr.dtype.kind == "O" or arr.dtype.kind not in "fiub":
        raise TypeError(f"{op}: cannot use {type(value).__name__} {value!r:.40} as a tensor")
    if want.kind in "iu" and arr.dtype.kind == "f":
        raise DTypeError(f"{op}: cannot convert {value!r:.40} to a tensor of dtype {want.name}")
    arr = arr.astype(want)
    arr.setflags(write=False)
    return Tensor._wrap(arr)


def _pair(a: Any, b: Any, op: str) -> tuple[Tensor, Tensor]:
    if isinstance(a, Tensor):
        if isinstance(b, Tensor):
            if a._value.dtype is not b._value.dtype and a._value.dtype != b._value.dtype:
                where = current_scope()
                place = f"{op} in {where}" if where else op
                raise DTypeError(
                    f"{place}: cannot combine {a._value.dtype.name} {a._value.shape} with "
                    f"{b._value.dtype.name} {b._value.shape}; cast one of them with tf.cast"
                )
            return a, b
        return a, _like(b, a, op)
    if isinstance(b, Tensor):
        return _like(a, b, op), b
    a = convert(a)
    return a, _like(b, a, op)


# ---------------------------------------------------------------------------------------
# ops whose arguments need more than converting to tensors (the rest are derived, see below)


def cast(a: Any, dtype: Any, name: str | None = None) -> Tensor:
    """``a`` as ``dtype``; a tensor that already has it is returned as is."""
    want = dtypes.as_dtype(dtype).np
    a = a if isinstance(a, Tensor) else convert(a)
    if a._value.dtype == want:
        return a
    return apply(_R["cast"], (a,), {"dtype": want.name}, name)


def where(condition: Any, x: Any, y: Any, name: str | None = None) -> Tensor:
    """``x`` where ``condition`` holds, else ``y``; the condition must be bool."""
    cond = condition if isinstance(condition, Tensor) else convert(condition)
    if cond._value.dtype.kind != "b":
        raise DTypeError(f"where: the condition must be bool, got {cond._value.dtype.name}")
    x, y = _pair(x, y, "where")
    return apply(_R["where"], (cond, x, y), None, name)


def clip_by_value(t: Any, clip_value_min: Any, clip_value_max: Any, name: str | None = None) -> Tensor:
    """``t`` limited to ``[min, max]``; Python bounds take ``t``'s dtype."""
    t = t if isinstance(t, Tensor) else convert(t)
    lo = clip_value_min if isinstance(clip_value_min, Tensor) else _like(clip_value_min, t, "clip_by_value")
    hi = clip_value_max if isinstance(clip_value_max, Tensor) else _like(clip_value_max, t, "clip_by_value")
    return apply(_R["clip_by_value"], (t, lo, hi), None, name)


def matmul(a: Any, b: Any, transpose_a: bool = False, transpose_b: bool = False, name: str | None = None) -> Tensor:
    """``a @ b``; the transpose flags are recorded only when one is set."""
    a, b = _pair(a, b, "matmul")
    attrs = None
    if transpose_a or transpose_b:
        attrs = {"transpose_a": bool(transpose_a), "transpose_b": bool(transpose_b)}
    return apply(_R["matmul"], (a, b), attrs, name)




def softmax_cross_entropy_with_logits(labels: Any, logits: Any, axis: int = -1, name: str | None = None) -> Tensor:
    """Per-row ``−Σ labels·log_softmax(logits)`` as one fused op with TF's gradient rule."""
    logits = logits if isinstance(logits, Tensor) else convert(logits)
    labels = labels if isinstance(labels, Tensor) else _like(labels, logits, "softmax_cross_entropy_with_logits")
    if labels._value.dtype != logits._value.dtype:
        labels = cast(labels, logits._value.dtype)
    if labels._value.shape != logits._value.shape:
        from .errors import ShapeError

        raise ShapeError(
            f"softmax_cross_entropy_with_logits: labels {labels._value.shape} and logits "
            f"{logits._value.shape} must have the same shape"
        )
    return apply(_R["softmax_cross_entropy_with_logits"], (labels, logits), {"axis": int(axis)}, name)


def sigmoid_cross_entropy_with_logits(labels: Any = None, logits: Any = None, name: str | None = None) -> Tensor:
    """Elementwise logistic loss of ``logits`` against ``labels`` in [0, 1]; both of one shape (as TF requires)."""
    if labels is None or logits is None:
        raise ValueError("sigmoid_cross_entropy_with_logits: both labels= and logits= are required")
    labels, logits = _pair(labels, logits, "sigmoid_cross_entropy_with_logits")
    if labels._value.shape != logits._value.shape:
        from .errors import ShapeError

        raise ShapeError(
            f"sigmoid_cross_entropy_with_logits: logits and labels must have the same shape "
            f"({logits._value.shape} vs {labels._value.shape})"
        )
    return apply(_R["sigmoid_cross_entropy_with_logits"], (labels, logits), None, name)


def meshgrid(*args: Any, indexing: str = "xy", name: str | None = None) -> list[Tensor]:
    """``tf.meshgrid``: N 1-D tensors → N tensors of one N-D shape, each varying along its own axis.

    Composed of ``reshape`` and ``broadcast_to`` (both recorded, both with gradients): an op has
    one output, meshgrid has N. ``indexing="xy"`` (the default) swaps the first two axes, as
    in TF and numpy.
    """
    if indexing not in ("xy", "ij"):
        raise ValueError("meshgrid: the indexing parameter must be either 'xy' or 'ij'")
    tensors = [a if isinstance(a, Tensor) else convert(a) for a in args]
    n = len(tensors)
    sizes = [t._value.size for t in tensors]
    full = list(sizes)
    if indexing == "xy" and n > 1:
        full[0], full[1] = full[1], full[0]
    out = []
    for i, t in enumerate(tensors):
        axis = (1 if i == 0 else 0 if i == 1 else i) if indexing == "xy" and n > 1 else i
        shape = [1] * n
        shape[axis] = sizes[i]
        out.append(broadcast_to(apply(_R["reshape"], (t,), {"shape": tuple(shape)}), tuple(full)))
    return out


# ---------------------------------------------------------------------------------------
# shapes


def broadcast_to(a: Any, shape: Any, name: str | None = None) -> Tensor:
    """``a`` stretched to ``shape``; nothing is recorded when it already has that shape."""
    a = a if isinstance(a, Tensor) else convert(a)
    shape = as_shape(shape)
    if a._value.shape == shape:
        return a
    return apply(_R["broadcast_to"], (a,), {"shape": shape}, name)


def sum_to_shape(a: Tensor, shape: Any, name: str | None = None) -> Tensor:
    """Sum a broadcast gradient back down to ``shape`` (the one place broadcasting is undone)."""
    shape = as_shape(shape)
    if a._value.shape == shape:
        return a
    return apply(_R["sum_to_shape"], (a,), {"shape": shape}, name)


def _same_dtype(values: Sequence[Any], op: str) -> tuple[Tensor, ...]:
    if not values:
        raise ValueError(f"{op}: needs at least one tensor")
    first = next((v for v in values if isinstance(v, Tensor)), None)
    if first is None:
        first = convert(values[0])
    out = []
    for v in values:
        t = v if isinstance(v, Tensor) else _like(v, first, op)
        if t._value.dtype != first._value.dtype:
            raise DTypeError(f"{op}: cannot combine {first._value.dtype.name} with {t._value.dtype.name}")
        out.append(t)
    return tuple(out)


def _indices(value: Any, op: str) -> Tensor:
    """An op's integer index argument (gather's ``indices``) as an integer tensor."""
    t = value if isinstance(value, Tensor) else convert(value)
    if t._value.dtype.kind not in "iu":
        if t._value.size == 0:
            return Tensor._wrap(t._value.astype(np.int32))
        raise DTypeError(f"{op}: indices must be integers, got {t._value.dtype.name}")
    return t


def _index(key: Any) -> Any:
    """Normalize an index: tensors become ints or index arrays, lists become tuples of ints."""
    if isinstance(key, tuple):
        return tuple(_index(k) for k in key)
    if isinstance(key, Tensor):
        value = key._value
        if value.dtype.kind not in "iub":
            raise TypeError(f"indices must be integers or bool, not {value.dtype.name}")
        return int(value) if value.ndim == 0 else _index(value.tolist())
    if isinstance(key, slice):
        return slice(*(None if v is None else int(v) for v in (key.start, key.stop, key.step)))
    if isinstance(key, (list, np.ndarray)):
        arr = np.asarray(key)
        if arr.dtype.kind == "b":
            if arr.ndim != 1:
                raise TypeError("boolean masks must be 1-D; use tf.where for n-D selection")
            return [int(i) for i in np.flatnonzero(arr)]
        if arr.dtype.kind not in "iu":
            raise TypeError(f"indices must be integers, not {arr.dtype.name}")
        return arr.tolist()
    if key is None or key is Ellipsis:
        return key
    return int(key)


def getitem(a: Tensor, key: Any) -> Tensor:
    """``a[key]`` for ints, slices, None, Ellipsis and integer lists (gather)."""
    return apply(_R["getitem"], (a,), {"key": _index(key)})


# ---------------------------------------------------------------------------------------
# constructors (constants: never recorded)


def _const(arr: np.ndarray) -> Tensor:
    arr.setflags(write=False)
    return Tensor._wrap(arr)


def zeros(shape: Any, dtype: Any = "float32", name: str | None = None) -> Tensor:
    return _const(np.zeros(as_shape(shape), dtype=dtypes.as_dtype(dtype).np))


def ones(shape: Any, dtype: Any = "float32", name: str | None = None) -> Tensor:
    return _const(np.ones(as_shape(shape), dtype=dtypes.as_dtype(dtype).np))


def zeros_like(t: Any, dtype: Any = None, name: str | None = None) -> Tensor:
    arr = t._value if isinstance(t, Tensor) else np.asarray(t)
    return _const(np.zeros(arr.shape, dtype=arr.dtype if dtype is None else dtypes.as_dtype(dtype).np))


def ones_like(t: Any, dtype: Any = None, name: str | None = None) -> Tensor:
    arr = t._value if isinstance(t, Tensor) else np.asarray(t)
    return _const(np.ones(arr.shape, dtype=arr.dtype if dtype is None else dtypes.as_dtype(dtype).np))


def fill(dims: Any, value: Any, name: str | None = None) -> Tensor:
    v = to_array(value)
    return _const(np.full(as_shape(dims), v, dtype=v.dtype))


def eye(num_rows: int, num_columns: int | None = None, dtype: Any = "float32", name: str | None = None) -> Tensor:
    return _const(np.eye(int(num_rows), None if num_columns is None else int(num_columns), dtype=dtypes.as_dtype(dtype).np))


def range(start: Any, limit: Any = None, delta: Any = 1, dtype: Any = None, name: str | None = None) -> Tensor:  # noqa: A001
    if limit is None:
        start, limit = 0, start
    values = [v._value.item() if isinstance(v, Tensor) else v for v in (start, limit, delta)]
    if dtype is None:
        is_float = builtins.any(isinstance(v, float) or (isinstance(v, np.generic) and np.dtype(type(v)).kind == "f") for v in values)
        dtype = "float32" if is_float else "int32"
    return _const(np.arange(*values, dtype=dtypes.as_dtype(dtype).np))


def linspace(start: Any, stop: Any, num: int, name: str | None = None) -> Tensor:
    s = to_array(start)
    dtype = s.dtype if s.dtype.kind == "f" else np.dtype("float64")  # TF: integer ends give float64
    return _const(np.linspace(float(s), float(np.asarray(stop)), int(num)).astype(dtype))


# ---------------------------------------------------------------------------------------
# the derived op functions

__all__ = [
    "broadcast_to", "cast", "clip_by_value", "constant", "convert", "eye", "fill", "getitem",
    "linspace", "matmul", "meshgrid", "ones", "ones_like", "range", "sigmoid_cross_entropy_with_logits",
    "softmax_cross_entropy_with_logits",
    "sum_to_shape", "where", "zeros", "zeros_like",
]


_HAND_DOCS: dict[str, str] = {}  # the hand-written functions' own docstrings


def _derive(op: OpDef, added: bool) -> None:
    """Install (or remove) ``op``'s API function, unless the op says it is written by hand."""
    if op.api == "hand":
        if op.name not in globals():
            raise ValueError(f"op {op.name!r} declares api='hand' but engine/api.py has no {op.name}()")
        if added:  # help() reads as for a derived function, with the hand-written text as detail
            fn = globals()[op.name]
            fn.__doc__ = api_docstring(op, detail=_HAND_DOCS.setdefault(op.name, fn.__doc__ or ""))
        return
    if op.api != "derived":
        return
    if added:
        if op.name in globals():
            raise ValueError(f"engine.api.{op.name} exists already; declare the op with api='hand' or rename it")
        written = getattr(_generated, op.name, None) if op.name in _generated.__all__ else None
        globals()[op.name] = written or api_function(op, convert, _pair, _same_dtype, _indices)
        __all__.append(op.name)
    else:
        globals().pop(op.name, None)
        __all__.remove(op.name)


from . import _generated_api as _generated  # noqa: E402  (it imports the conversions above)

on_register(_derive)
