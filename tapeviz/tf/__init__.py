"""A TensorFlow-compatible namespace: ``import tapeviz.tf as tf`` is the only change tutorial code needs.

Everything here is tapeviz's own engine under TF's names. A name tapeviz does not implement
raises an AttributeError that says so.
"""

from __future__ import annotations

from typing import Any

from .. import engine as _E
from ..engine import (
    GradientTape,
    Tensor,
    TensorShape,
    UnconnectedGradients,
    Variable,
    abs,
    add,
    argmax,
    argmin,
    broadcast_to,
    cast,
    clip_by_value,
    concat,
    constant,
    cos,
    divide,
    equal,
    exp,
    expand_dims,
    eye,
    fill,
    greater,
    greater_equal,
    identity,
    less,
    less_equal,
    linspace,
    logical_and,
    logical_not,
    logical_or,
    matmul,
    maximum,
    minimum,
    multiply,
    name_scope,
    negative,
    not_equal,
    ones,
    ones_like,
    pow,
    range,
    reduce_max,
    reduce_mean,
    reduce_min,
    reduce_sum,
    reshape,
    sigmoid,
    sign,
    sin,
    sqrt,
    square,
    squeeze,
    stack,
    stop_gradient,
    subtract,
    tanh,
    transpose,
    where,
    zeros,
    zeros_like,
)
from ..engine.api import convert as convert_to_tensor
from ..engine.dtypes import DType, as_dtype, bool_ as bool, float16, float32, float64, int8, int16, int32, int64, uint8  # noqa: A004
from . import math, nn, random

newaxis = None


def shape(x: Any) -> Tensor:
    """The shape of ``x`` as an int32 tensor."""
    return constant(list(convert_to_tensor(x).shape), dtype=int32)


def size(x: Any) -> Tensor:
    return constant(convert_to_tensor(x).size, dtype=int32)


def rank(x: Any) -> Tensor:
    return constant(convert_to_tensor(x).ndim, dtype=int32)


def __getattr__(name: str) -> Any:
    if name == "keras":
        import importlib

        return importlib.import_module("tapeviz.keras")
    raise AttributeError(
        f"tapeviz.tf has no {name!r}: tapeviz implements the part of TensorFlow that tutorials on "
        f"autodiff use (see dir(tapeviz.tf) for what is there)"
    )
