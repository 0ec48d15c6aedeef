"""Ops that convert or select elements: cast, where, clip_by_value (their API is written by hand)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..attrs import Attr
from ..registry import OpDef, OpRecord, register
from ..tensor import Tensor

__all__: list[str] = []  # registers its ops; nothing to import from here


def _cast_forward(a: np.ndarray, dtype: str) -> np.ndarray:
    return a.astype(dtype)


def _cast_vjp(xp: Any, g: Tensor, rec: OpRecord, needs: tuple[bool, ...]) -> tuple[Tensor | None, ...]:
    src = rec.inputs[0]._value.dtype
    if src.kind != "f" or rec.output._value.dtype.kind != "f":
        return (None,)
    return (xp.cast(g, src),)


register(OpDef(
    "cast", _cast_forward, vjp=_cast_vjp, arity=1,
    derivative="∂out/∂a = 1 between float types; no gradient through integer or bool types",
    local=lambda a, out, **_: (np.ones_like(out),),
    attrs=(Attr("dtype"),), api="hand", tf_names=("tf.cast",),
    doc="Casts a tensor to a new type.",
))


def _where_forward(cond: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.where(cond, a, b)


def _where_vjp(xp: Any, g: Tensor, rec: OpRecord, needs: tuple[bool, ...]) -> tuple[Tensor | None, ...]:
    cond = rec.inputs[0]
    zeros = xp.zeros_like(g)
    return (
        None,
        xp.where(cond, g, zeros) if needs[1] else None,
        xp.where(cond, zeros, g) if needs[2] else None,
    )


register(OpDef(
    "where", _where_forward, vjp=_where_vjp, arity=3,
    derivative="∂out/∂a = 1 where cond else 0, ∂out/∂b = 0 where cond else 1",
    local=lambda c, a, b, out: (None, np.broadcast_to(c, out.shape).astype(out.dtype),
                                np.broadcast_to(~c, out.shape).astype(out.dtype)),
    params=("condition", "x", "y"), api="hand", tf_names=("tf.where",),
    doc="Returns the elements of x where condition is true, else those of y.",
))


def _clip_forward(a: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    return np.minimum(np.maximum(a, lo), hi)


def _clip_vjp(xp: Any, g: Tensor, rec: OpRecord, needs: tuple[bool, ...]) -> tuple[Tensor | None, ...]:
    a, lo, hi = rec.inputs
    zeros = xp.zeros_like(g)
    below, above = xp.less(a, lo), xp.greater(a, hi)
    inside = xp.logical_not(xp.logical_or(below, above))
    return (
        xp.where(inside, g, zeros) if needs[0] else None,
        xp.where(below, g, zeros) if needs[1] else None,
        xp.where(above, g, zeros) if needs[2] else None,
    )


register(OpDef(
    "clip_by_value", _clip_forward, vjp=_clip_vjp, arity=3,
    derivative="∂out/∂a = 1 where lo ≤ a ≤ hi else 0 (the bound that clipped gets the gradient)",
    local=lambda a, lo, hi, out: (((a >= lo) & (a <= hi)).astype(out.dtype), None, None),
    params=("t", "clip_value_min", "clip_value_max"), api="hand", tf_names=("tf.clip_by_value",),
    doc="Clips tensor values to a specified min and max.",
))
