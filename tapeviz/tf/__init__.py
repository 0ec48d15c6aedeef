"""A TensorFlow-compatible namespace: ``import tapeviz.tf as tf`` is the only change tutorial code needs.

Everything here is tapeviz's own engine under TF's names; TensorFlow's autodiff guide runs
under it with the same values, ``None``s and errors. A name tapeviz does not implement raises an
AttributeError that says so.

The op functions (``tf.add``, ``tf.reduce_sum``, ...) come from the op registry: each op's
definition lists the ``tf`` names it has (see ``_exposed``). Types read as in TF: tensor values are ``EagerTensor``, ``tf.Variable(...)`` makes a
``ResourceVariable``, and ``isinstance(variable, tf.Tensor)`` is False (see ``_tensor``).
``tf.function`` runs functions eagerly (no graph), so every op shows up in the trace.
"""

from __future__ import annotations

import sys as _sys
from typing import Any

from .. import engine as _E
from ..engine import (
    GradientTape,
    TensorShape,
    UnconnectedGradients,
    constant,
    custom_gradient,
    eye,
    fill,
    meshgrid,
    ones,
    ones_like,
    range,
    zeros,
    zeros_like,
)
from ..keras import (  # TF 2.21 keeps tf.losses/tf.metrics/tf.optimizers as Keras's
    losses,
    metrics,
    optimizers,
)
from . import config, data, dtypes, errors, image, linalg, math, nn, random, saved_model
from ._exposed import expose
from ._function import Function, function
from ._module import Module, name_scope
from ._tensor import Tensor, Variable
from ._tensor_spec import TensorSpec
from .clip import clip_by_norm
from .config import device
from .dtypes import *  # noqa: F403  (tf.float32, tf.bool, tf.as_dtype, ...: the names of tf.dtypes)

__version__ = "2.21.0"  # the TensorFlow version whose API and printed values tapeviz follows

newaxis = None

__all__ = [
    "Function", "GradientTape", "Module", "Tensor", "TensorShape", "UnconnectedGradients", "Variable",
    "clip_by_norm", "constant", "convert_to_tensor", "custom_gradient", "dtypes", "einsum", "errors", "eye",
    "fill", "function", "image", "linalg", "linspace", "math", "meshgrid", "name_scope", "newaxis", "nn",
    "one_hot", "ones", "ones_like", "random", "range", "rank", "shape", "size", "zeros", "zeros_like",
    "keras",  # noqa: F405  (imported on first use by __getattr__ below)
    *(name for name in dtypes.__all__ if name != "cast"),  # tf.cast is an op: expose() adds it
]
expose(globals(), "tf", __all__)  # every op whose definition lists a "tf.<name>"


def convert_to_tensor(value: Any, dtype: Any = None, dtype_hint: Any = None, name: str | None = None) -> Any:
    """Tensors pass through; Python numbers, lists and numpy arrays become constants.

    A Variable gives a tensor holding its current value. ``dtype_hint`` is used when the
    value has no dtype of its own (a Python number or list).
    """
    if isinstance(value, _E.Variable):
        value = _E.identity(value)
    if dtype is None and dtype_hint is not None and not hasattr(value, "dtype"):
        try:
            return _E.convert(value, dtype=dtype_hint)
        except (TypeError, ValueError):
            pass
    return _E.convert(value, dtype=dtype)


def linspace(start: Any, stop: Any, num: Any, name: str | None = None, axis: int = 0) -> Any:
    """``num`` evenly spaced values from ``start`` to ``stop`` inclusive (float32 for Python floats)."""
    if axis != 0:
        raise NotImplementedError("tapeviz.tf.linspace supports axis=0 only")
    return _E.linspace(start, stop, int(num))


def einsum(equation: str, *inputs: Any, name: str | None = None, **kwargs: Any) -> Any:
    """``tf.einsum("bxby->bxy", j)``: one recorded op with its own gradient (no ``...`` axes)."""
    return _E.einsum([convert_to_tensor(t) for t in inputs], equation, name=name)


def one_hot(indices: Any, depth: int, on_value: Any = 1.0, off_value: Any = 0.0, axis: int = -1, dtype: Any = None, name: str | None = None) -> Any:
    """One row per index with ``on_value`` at that index (a constant: not differentiable)."""
    import numpy as np

    idx = np.asarray(convert_to_tensor(indices))
    if idx.dtype.kind not in "iu":
        raise TypeError(f"one_hot: indices must be integers, got {idx.dtype.name}")
    dt = dtypes.as_dtype(dtype if dtype is not None else dtypes.float32).np
    hot = np.arange(int(depth)) == idx[..., None]
    out = np.where(hot, np.asarray(on_value, dt), np.asarray(off_value, dt)).astype(dt)
    if axis != -1:
        out = np.moveaxis(out, -1, axis)
    return constant(out)


def shape(x: Any, out_type: Any = None, name: str | None = None) -> Any:
    """The shape of ``x`` as an int32 tensor."""
    return constant(list(convert_to_tensor(x).shape), dtype=dtypes.int32 if out_type is None else out_type)


def size(x: Any, out_type: Any = None, name: str | None = None) -> Any:
    return constant(convert_to_tensor(x).size, dtype=dtypes.int32 if out_type is None else out_type)


def rank(x: Any, name: str | None = None) -> Any:
    return constant(convert_to_tensor(x).ndim, dtype=dtypes.int32)


def __getattr__(name: str) -> Any:
    if name == "keras":
        import importlib

        return importlib.import_module("tapeviz.keras")
    from ..keras.missing import missing_name

    raise missing_name("tapeviz.tf", name, dir(_sys.modules[__name__]), "the part of TensorFlow that tutorials on autodiff use")
