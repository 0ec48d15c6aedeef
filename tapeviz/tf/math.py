"""``tf.math``: the same ops as the top-level names, plus ``log``."""

from __future__ import annotations

from typing import Any

from ..engine import (  # noqa: F401
    abs,
    add,
    argmax,
    argmin,
    cos,
    divide,
    equal,
    exp,
    greater,
    greater_equal,
    less,
    less_equal,
    log,
    logical_and,
    logical_not,
    logical_or,
    maximum,
    minimum,
    multiply,
    negative,
    not_equal,
    pow,
    reduce_max,
    reduce_mean,
    reduce_min,
    reduce_sum,
    sigmoid,
    sign,
    sin,
    softplus,
    sqrt,
    square,
    subtract,
    tanh,
)


def __getattr__(name: str) -> Any:
    raise AttributeError(f"tapeviz.tf.math has no {name!r} (see dir(tapeviz.tf.math) for what is there)")
