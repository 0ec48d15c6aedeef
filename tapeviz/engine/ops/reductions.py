"""Reductions over axes: sum, mean, max, min, and the (not differentiable) argmax/argmin."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..attrs import Attr, as_axis, as_int
from ..chain import ChainContext, Product, axes_of
from ..registry import OpDef, OpRecord, register
from ..tensor import Tensor
from ._common import count, dtype_of, keepdims_shape, unreduce

__all__: list[str] = []  # registers its ops; nothing to import from here


def _sum_forward(a: np.ndarray, axis: object = None, keepdims: bool = False) -> np.ndarray:
    return np.add.reduce(a, axis=axis, keepdims=keepdims, dtype=a.dtype)  # type: ignore[arg-type]


def _mean_forward(a: np.ndarray, axis: object = None, keepdims: bool = False) -> np.ndarray:
    if a.dtype.kind in "iu":  # TF keeps integer dtype for integer means
        return (np.sum(a, axis=axis, keepdims=keepdims) // count(a.shape, axis)).astype(a.dtype)  # type: ignore[arg-type]
    n = count(a.shape, axis)
    if a.dtype.kind == "f" and a.dtype.itemsize >= 4 and 0 < n < 2**24:
        # np.mean's own arithmetic (sum, then divide by the count) without its Python wrapper;
        # the count is exact in float32, so the result is bit-for-bit np.mean's.
        return np.add.reduce(a, axis=axis, keepdims=keepdims, dtype=a.dtype) / n  # type: ignore[arg-type]
    return np.mean(a, axis=axis, keepdims=keepdims, dtype=a.dtype)  # type: ignore[arg-type]


def _extreme_vjp(xp: Any, g: Tensor, rec: OpRecord, needs: tuple[bool, ...]) -> tuple[Tensor | None, ...]:
    a = rec.inputs[0]
    axis = rec.attrs.get("axis")
    shape = a._value.shape
    keep = keepdims_shape(shape, axis)
    best = xp.reshape(rec.output, keep)
    m = xp.cast(xp.equal(a, best), dtype_of(rec))
    ties = xp.reduce_sum(m, axis=axis, keepdims=True)
    return (xp.divide(xp.multiply(xp.broadcast_to(xp.reshape(g, keep), shape), m), ties),)


def _upstream_of(c: ChainContext) -> float:
    """The element of the (reduced) upstream gradient that input element ``c.element`` fed."""
    a = c.inputs[0]
    axes = axes_of(c.attrs.get("axis"), a.ndim)
    el = c.element
    if c.attrs.get("keepdims"):
        up = tuple(0 if i in axes else el[i] for i in range(a.ndim))
    else:
        up = tuple(el[i] for i in range(a.ndim) if i not in axes)
    g = np.asarray(c.upstream)
    return float(g[up]) if g.ndim else float(g)


def _sum_explain(c: ChainContext) -> Product:
    return Product(_upstream_of(c), "1", float(c.sent[c.element]))


def _mean_explain(c: ChainContext) -> Product:
    a = c.inputs[0]
    axes = axes_of(c.attrs.get("axis"), a.ndim)
    n = int(np.prod([a.shape[i] for i in axes])) if axes else 1
    return Product(_upstream_of(c), f"1/{n}", float(c.sent[c.element]))


_REDUCE_ATTRS = (Attr("axis", None, as_axis, omit_default=True), Attr("keepdims", False, bool, omit_default=True))

register(OpDef(
    "reduce_sum", _sum_forward, arity=1,
    vjp=lambda xp, g, rec, needs: (unreduce(xp, g, rec),),
    derivative="∂out/∂a = 1 for every summed element (g is copied back over the summed axes)",
    explain=_sum_explain, attrs=_REDUCE_ATTRS, tf_names=("tf.reduce_sum", "tf.math.reduce_sum"),
))
register(OpDef(
    "reduce_mean", _mean_forward, arity=1,
    # divide the (small) reduced gradient first, then copy it back over the averaged axes
    vjp=lambda xp, g, rec, needs: (
        unreduce(xp, xp.divide(g, float(count(rec.inputs[0]._value.shape, rec.attrs.get("axis")))), rec),
    ),
    derivative="∂out/∂a = 1/n for every averaged element (n = how many were averaged)",
    explain=_mean_explain, attrs=_REDUCE_ATTRS, tf_names=("tf.reduce_mean", "tf.math.reduce_mean"),
))
register(OpDef(
    "reduce_max", lambda a, axis=None, keepdims=False: np.max(a, axis=axis, keepdims=keepdims), arity=1,
    vjp=_extreme_vjp,
    derivative="∂out/∂a = 1 at the maximum (shared equally among ties), 0 elsewhere",
    attrs=_REDUCE_ATTRS, tf_names=("tf.reduce_max", "tf.math.reduce_max"),
))
register(OpDef(
    "reduce_min", lambda a, axis=None, keepdims=False: np.min(a, axis=axis, keepdims=keepdims), arity=1,
    vjp=_extreme_vjp,
    derivative="∂out/∂a = 1 at the minimum (shared equally among ties), 0 elsewhere",
    attrs=_REDUCE_ATTRS, tf_names=("tf.reduce_min", "tf.math.reduce_min"),
))
for _name, _fn in (("argmax", np.argmax), ("argmin", np.argmin)):
    register(OpDef(
        _name, (lambda f: lambda a, axis=0: f(a, axis=axis).astype(np.int64))(_fn), vjp=None,
        arity=1, differentiable=False, derivative="not differentiable (integer result)",
        attrs=(Attr("axis", 0, as_int),), tf_names=(f"tf.{_name}", f"tf.math.{_name}"),
    ))
