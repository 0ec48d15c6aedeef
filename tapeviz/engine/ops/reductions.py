"""Reductions over axes: sum, mean, prod, max, min, norm, and the (not differentiable) argmax/argmin."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..attrs import Attr, as_axis, as_int, as_ord
from ..chain import ChainContext, Formula, Product, axes_of
from ..registry import OpDef, OpRecord, register
from ..tensor import Tensor
from ._common import axis_tuple, count, dtype_of, keepdims_shape, mask, unreduce

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
    doc="Computes the sum of elements across dimensions of a tensor.",
))
register(OpDef(
    "reduce_mean", _mean_forward, arity=1,
    # divide the (small) reduced gradient first, then copy it back over the averaged axes
    vjp=lambda xp, g, rec, needs: (
        unreduce(xp, xp.divide(g, float(count(rec.inputs[0]._value.shape, rec.attrs.get("axis")))), rec),
    ),
    derivative="∂out/∂a = 1/n for every averaged element (n = how many were averaged)",
    explain=_mean_explain, attrs=_REDUCE_ATTRS, tf_names=("tf.reduce_mean", "tf.math.reduce_mean"),
    doc="Computes the mean of elements across dimensions of a tensor.",
))
for _name, _fn, _which in (("reduce_max", np.max, "maximum"), ("reduce_min", np.min, "minimum")):
    register(OpDef(
        _name, (lambda f: lambda a, axis=None, keepdims=False: f(a, axis=axis, keepdims=keepdims))(_fn), arity=1,
        vjp=_extreme_vjp,
        derivative=f"∂out/∂a = 1 at the {_which} (shared equally among ties), 0 elsewhere",
        attrs=_REDUCE_ATTRS, tf_names=(f"tf.{_name}", f"tf.math.{_name}"),
        doc=f"Computes the {_which} of elements across dimensions of a tensor.",
    ))
for _name, _fn in (("argmax", np.argmax), ("argmin", np.argmin)):
    register(OpDef(
        _name, (lambda f: lambda a, axis=0: f(a, axis=axis).astype(np.int64))(_fn), vjp=None,
        arity=1, differentiable=False, derivative="not differentiable (integer result)",
        attrs=(Attr("axis", 0, as_int),), tf_names=(f"tf.{_name}", f"tf.math.{_name}"),
        doc=f"Returns the index with the {'largest' if _name == 'argmax' else 'smallest'} value across an axis of a tensor.",
    ))


# ---------------------------------------------------------------------------------------
# reduce_prod: the gradient is "the product of the others", also where some inputs are 0


def _prod_forward(a: np.ndarray, axis: object = None, keepdims: bool = False) -> np.ndarray:
    return np.multiply.reduce(a, axis=axis, keepdims=keepdims, dtype=a.dtype)  # type: ignore[arg-type]


def _prod_vjp(xp: Any, g: Tensor, rec: OpRecord, needs: tuple[bool, ...]) -> tuple[Tensor | None, ...]:
    """g times the product of the other elements of the slice, without dividing by a zero.

    No zero in a slice: out / a. One zero: the zero's partial is the product of the rest, the
    others' partials are 0. Two or more zeros: every partial is 0.
    """
    a, axis = rec.inputs[0], rec.attrs.get("axis")
    shape, dt = a._value.shape, dtype_of(rec)
    keep = keepdims_shape(shape, axis)
    zero = a._value == 0
    if not zero.any():
        others = xp.divide(xp.reshape(rec.output, keep), a)
    else:
        zeros_in_slice = np.add.reduce(zero, axis=axis_tuple(axis, len(shape)), keepdims=True)
        safe = xp.add(a, mask(zero, dt))  # the zeros replaced by ones
        rest = xp.reduce_prod(safe, axis=axis, keepdims=True)
        no_zero = mask(np.broadcast_to(zeros_in_slice == 0, shape), dt)
        the_zero = mask(zero & (zeros_in_slice == 1), dt)
        others = xp.add(xp.multiply(no_zero, xp.divide(rest, safe)), xp.multiply(the_zero, rest))
    return (xp.multiply(xp.reshape(g, keep), others),)


def _others_product(c: ChainContext) -> float:
    """The product of the other elements in the explained element's slice."""
    a = c.inputs[0]
    axes = axes_of(c.attrs.get("axis"), a.ndim)
    block = np.array(a[tuple(slice(None) if i in axes else e for i, e in enumerate(c.element))], dtype=np.float64)
    block[tuple(c.element[i] for i in axes)] = 1.0
    return float(np.prod(block))


register(OpDef(
    "reduce_prod", _prod_forward, arity=1, vjp=_prod_vjp,
    derivative="∂out/∂a_i = the product of the other elements (no division: correct where some a are 0)",
    explain=lambda c: Product(_upstream_of(c), _others_product(c), float(c.sent[c.element])),
    attrs=_REDUCE_ATTRS, tf_names=("tf.reduce_prod", "tf.math.reduce_prod"), lesson="reduce_prod",
    doc="Computes the product of elements across dimensions of a tensor.",
))

# ---------------------------------------------------------------------------------------
# norm: vector norms (axis None or an int) and matrix norms (axis a pair), as tf.norm


def _norm_kind(ord: Any, axis: Any, ndim: int) -> tuple[str, tuple[int, ...]]:
    """Which norm TF computes for ``ord`` and ``axis``, and over which axes (TF's checks and messages)."""
    if isinstance(axis, tuple) and len(axis) == 2:
        if axis[0] % max(ndim, 1) == axis[1] % max(ndim, 1):
            raise ValueError(f"'axis' must be None, an integer, or a tuple of 2 unique integers, got {axis}")
        axes = tuple(a % ndim for a in axis)
        if ord in ("euclidean", "fro"):
            return "2", axes
        if ord in (1, float("inf")):
            return ("matrix1" if ord == 1 else "matrixinf"), axes
        if ord == 2:
            raise ValueError("norm: the matrix 2-norm (largest singular value) needs an SVD, which tapeviz does not "
                             "have; use ord='fro' or 'euclidean', 1 or np.inf")
        raise ValueError(f"'ord' must be a supported matrix norm in ['euclidean', 'fro', 1, 2, inf], got {ord}")
    if isinstance(axis, tuple):
        raise ValueError(f"'axis' must be None, an integer, or a tuple of 2 unique integers, got {axis}")
    axes = axis_tuple(axis, ndim)
    if ord in ("euclidean", 2):
        return "2", axes
    if ord == 1:
        return "1", axes
    if ord == float("inf"):
        return "inf", axes
    if isinstance(ord, str) or ord <= 0:
        raise ValueError(f"'ord' must be a supported vector norm, got {ord}")
    return "p", axes


def _norm_forward(a: np.ndarray, ord: Any = "euclidean", axis: Any = None, keepdims: bool = False) -> np.ndarray:
    kind, axes = _norm_kind(ord, axis, a.ndim)
    x = np.abs(a)
    if kind == "2":
        out = np.sqrt(np.add.reduce(a * a, axis=axes, keepdims=True))
    elif kind == "1":
        out = np.add.reduce(x, axis=axes, keepdims=True)
    elif kind == "inf":
        out = np.maximum.reduce(x, axis=axes, keepdims=True) if x.size else np.zeros(keepdims_shape(x.shape, axes), x.dtype)
    elif kind == "p":
        out = np.power(np.add.reduce(np.power(x, ord), axis=axes, keepdims=True), 1.0 / ord)
    else:  # matrix 1: the largest column sum; matrix inf: the largest row sum
        summed, biggest = (axes[0], axes[1]) if kind == "matrix1" else (axes[1], axes[0])
        out = np.maximum.reduce(np.add.reduce(x, axis=summed, keepdims=True), axis=biggest, keepdims=True)
    out = out.astype(a.dtype, copy=False)
    return out if keepdims else np.squeeze(out, axis=axes)


def _norm_vjp(xp: Any, g: Tensor, rec: OpRecord, needs: tuple[bool, ...]) -> tuple[Tensor | None, ...]:
    a = rec.inputs[0]
    ord = rec.attrs.get("ord", "euclidean")
    kind, axes = _norm_kind(ord, rec.attrs.get("axis"), a._value.ndim)
    shape, dt = a._value.shape, dtype_of(rec)
    keep = keepdims_shape(shape, axes)
    n, g = xp.reshape(rec.output, keep), xp.reshape(g, keep)
    if kind == "2":
        return (xp.multiply(g, xp.divide(a, n)),)
    sign = xp.sign(a)
    if kind == "1":
        return (xp.multiply(g, sign),)
    if kind == "p":
        ratio = xp.divide(xp.abs(a), n)
        return (xp.multiply(g, xp.multiply(sign, xp.power(ratio, float(ord) - 1.0))),)
    # the largest |a| (vector inf) or the largest column/row sum (matrix 1/inf); ties share g
    if kind == "inf":
        top, spread = np.abs(a._value) == rec.output._value.reshape(keep), axes
    else:
        summed, biggest = (axes[0], axes[1]) if kind == "matrix1" else (axes[1], axes[0])
        sums = np.add.reduce(np.abs(a._value), axis=summed, keepdims=True)
        top, spread = np.broadcast_to(sums == rec.output._value.reshape(keep), shape), (biggest,)
    ties = np.add.reduce(top, axis=spread, keepdims=True).astype(dt)
    share = mask(top / ties, dt)
    return (xp.multiply(g, xp.multiply(sign, share)),)


def _norm_explain(c: ChainContext) -> Formula | None:
    kind, axes = _norm_kind(c.attrs.get("ord", "euclidean"), c.attrs.get("axis"), c.inputs[0].ndim)
    if kind != "2":
        return None
    el, a = c.element, c.inputs[0]
    n = float(np.sqrt(np.sum(np.square(a[tuple(slice(None) if i in axes else e for i, e in enumerate(el))]))))
    return Formula("g·a/‖a‖", "{}×{}/{}", (_upstream_of(c), float(a[el]), n), float(c.sent[el]))


register(OpDef(
    "norm", _norm_forward, arity=1, vjp=_norm_vjp,
    derivative="∂‖a‖₂/∂a = a/‖a‖₂; ∂‖a‖₁/∂a = sign(a); ∂‖a‖∞/∂a = sign(a) at the largest |a| (ties share), "
               "0 elsewhere; ∂‖a‖ₚ/∂a = sign(a)·(|a|/‖a‖ₚ)^(p−1)",
    explain=_norm_explain, params=("tensor",),
    attrs=(Attr("ord", "euclidean", as_ord, omit_default=True), Attr("axis", None, as_axis, omit_default=True),
           Attr("keepdims", False, bool, omit_default=True)),
    tf_names=("tf.norm", "tf.linalg.norm"), lesson="norm",
    doc="Computes the norm of vectors, matrices, and tensors.",
))
