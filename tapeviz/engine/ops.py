"""Every op tapeviz knows: numpy forward, VJP (written with engine ops) and derivative statement.

A VJP receives the upstream gradient ``g`` (the gradient of the final target with respect to
the op's output), the op's record (inputs, output, attrs) and which inputs need a gradient.
It may return gradients in the broadcast output shape: the backward loop reduces them to each
input's shape in one place (``sum_to_shape``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .registry import OpDef, OpRecord, register
from .tensor import Tensor

# ---------------------------------------------------------------------------------------
# helpers for forwards and describers


def _sum_to(x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``x`` over the axes that broadcasting added or stretched, giving ``shape``."""
    if x.shape == shape:
        return x
    lead = x.ndim - len(shape)
    stretched = tuple(i + lead for i, d in enumerate(shape) if d == 1 and x.shape[i + lead] != 1)
    if not stretched:  # only leading axes were added: summing them away leaves ``shape``
        return np.add.reduce(x, axis=tuple(range(lead))) if lead else x.reshape(shape)
    return np.add.reduce(x, axis=tuple(range(lead)) + stretched, keepdims=True).reshape(shape)


def _broadcast_forward(a: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """A fresh array of ``shape`` filled by broadcasting ``a`` (copyto: no Python-level overhead)."""
    try:
        out = np.empty(shape, dtype=a.dtype)
        np.copyto(out, a)
    except ValueError:
        return np.broadcast_to(a, shape).copy()  # raises numpy's own message for bad shapes
    return out


def _broadcast_problem(a: Tensor, b: Tensor, **_: object) -> str | None:
    try:
        np.broadcast_shapes(a._value.shape, b._value.shape)
    except ValueError:
        return f"shapes {a._value.shape} and {b._value.shape} cannot be broadcast together"
    return None


def _axis_tuple(axis: object, ndim: int) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)  # type: ignore[arg-type]
    return tuple(sorted(a % ndim for a in axes)) if ndim else ()


def _keepdims_shape(shape: tuple[int, ...], axis: object) -> tuple[int, ...]:
    axes = _axis_tuple(axis, len(shape))
    return tuple(1 if i in axes else d for i, d in enumerate(shape))


def _unreduce(xp: Any, g: Tensor, rec: OpRecord) -> Tensor:
    """Broadcast a reduction's upstream gradient back to the input's shape."""
    shape = rec.inputs[0]._value.shape
    g = xp.reshape(g, _keepdims_shape(shape, rec.attrs.get("axis")))
    return xp.broadcast_to(g, shape)


def _dtype_of(rec: OpRecord) -> np.dtype:
    return rec.output._value.dtype


def _mask(condition: np.ndarray, dtype: np.dtype) -> Tensor:
    """A 0/1 constant from a boolean array. A comparison is never recorded (not differentiable),
    so building the mask in numpy gives the same tensors as comparing and casting with ops."""
    out = np.array(condition, dtype=dtype)  # an array even for 0-d inputs (numpy gives scalars)
    out.setflags(write=False)
    return Tensor._wrap(out)


# ---------------------------------------------------------------------------------------
# elementwise binary ops

register(OpDef(
    "add", np.add,
    vjp=lambda xp, g, rec, needs: (g, g),
    derivative="∂out/∂a = 1, ∂out/∂b = 1",
    local=lambda a, b, out: (np.ones_like(out), np.ones_like(out)),
    describe=_broadcast_problem,
))

register(OpDef(
    "subtract", np.subtract,
    vjp=lambda xp, g, rec, needs: (g, xp.negative(g) if needs[1] else None),
    derivative="∂out/∂a = 1, ∂out/∂b = −1",
    local=lambda a, b, out: (np.ones_like(out), -np.ones_like(out)),
    describe=_broadcast_problem,
))

register(OpDef(
    "multiply", np.multiply,
    vjp=lambda xp, g, rec, needs: (
        xp.multiply(g, rec.inputs[1]) if needs[0] else None,
        xp.multiply(g, rec.inputs[0]) if needs[1] else None,
    ),
    derivative="∂out/∂a = b, ∂out/∂b = a",
    local=lambda a, b, out: (np.broadcast_to(b, out.shape), np.broadcast_to(a, out.shape)),
    describe=_broadcast_problem,
))


def _divide_vjp(xp: Any, g: Tensor, rec: OpRecord, needs: tuple[bool, ...]) -> tuple[Tensor | None, ...]:
    a, b = rec.inputs
    ga = xp.divide(g, b) if needs[0] else None
    gb = xp.negative(xp.multiply(g, xp.divide(a, xp.square(b)))) if needs[1] else None
    return ga, gb


def _divide_forward(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    # Division by zero gives ±inf/NaN as in TF; the trace flags it, numpy need not warn.
    if b.size == 1 and math.isfinite(b.item()) and b.item() != 0:
        return np.true_divide(a, b)  # a finite nonzero scalar cannot warn: skip errstate's cost
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.true_divide(a, b)


register(OpDef(
    "divide", _divide_forward, vjp=_divide_vjp,
    derivative="∂out/∂a = 1/b, ∂out/∂b = −a/b²",
    local=lambda a, b, out: (np.broadcast_to(1 / b, out.shape), np.broadcast_to(-a / (b * b), out.shape)),
    describe=_broadcast_problem,
))


def _power_forward(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.power(a, b)


def _power_vjp(xp: Any, g: Tensor, rec: OpRecord, needs: tuple[bool, ...]) -> tuple[Tensor | None, ...]:
    a, b = rec.inputs
    ga = gb = None
    if needs[0]:
        ga = xp.multiply(g, xp.multiply(b, xp.power(a, xp.subtract(b, 1))))
    if needs[1]:
        # TF's convention: ∂(a^b)/∂b is taken as 0 where a ≤ 0 (log a is undefined there).
        positive = xp.greater(a, 0)
        safe_a = xp.where(positive, a, xp.ones_like(a))
        log_a = xp.where(positive, xp.log(safe_a), xp.zeros_like(a))
        gb = xp.multiply(g, xp.multiply(rec.output, log_a))
    return ga, gb


def _power_local(a: np.ndarray, b: np.ndarray, out: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    with np.errstate(invalid="ignore", divide="ignore"):
        da = b * np.power(a, b - 1)
        db = np.where(a > 0, out * np.log(np.where(a > 0, a, 1)), 0)
    return np.broadcast_to(da, out.shape), np.broadcast_to(db, out.shape)


register(OpDef(
    "power", _power_forward, vjp=_power_vjp,
    derivative="∂out/∂a = b·a^(b−1), ∂out/∂b = a^b·ln a",
    local=_power_local, describe=_broadcast_problem,
))


def _maximum_vjp(xp: Any, g: Tensor, rec: OpRecord, needs: tuple[bool, ...]) -> tuple[Tensor | None, ...]:
    a, b = rec.inputs
    mask = _mask(np.greater_equal(a._value, b._value), _dtype_of(rec))
    return (
        xp.multiply(g, mask) if needs[0] else None,
        xp.multiply(g, xp.subtract(1, mask)) if needs[1] else None,
    )


def _minimum_vjp(xp: Any, g: Tensor, rec: OpRecord, needs: tuple[bool, ...]) -> tuple[Tensor | None, ...]:
    a, b = rec.inputs
    mask = _mask(np.less_equal(a._value, b._value), _dtype_of(rec))
    return (
        xp.multiply(g, mask) if needs[0] else None,
        xp.multiply(g, xp.subtract(1, mask)) if needs[1] else None,
    )


register(OpDef(
    "maximum", np.maximum, vjp=_maximum_vjp,
    derivative="∂out/∂a = 1 where a ≥ b else 0, ∂out/∂b = 1 where b > a else 0",
    local=lambda a, b, out: (
        np.broadcast_to((a >= b).astype(out.dtype), out.shape),
        np.broadcast_to((a < b).astype(out.dtype), out.shape),
    ),
    describe=_broadcast_problem,
))
register(OpDef(
    "minimum", np.minimum, vjp=_minimum_vjp,
    derivative="∂out/∂a = 1 where a ≤ b else 0, ∂out/∂b = 1 where b < a else 0",
    local=lambda a, b, out: (
        np.broadcast_to((a <= b).astype(out.dtype), out.shape),
        np.broadcast_to((a > b).astype(out.dtype), out.shape),
    ),
    describe=_broadcast_problem,
))

# Comparisons give bool tensors and, as in TF, are never differentiated or recorded.
for _name, _fn in (
    ("less", np.less), ("less_equal", np.less_equal), ("greater", np.greater),
    ("greater_equal", np.greater_equal), ("equal", np.equal), ("not_equal", np.not_equal),
    ("logical_and", np.logical_and), ("logical_or", np.logical_or),
):
    register(OpDef(_name, _fn, vjp=None, derivative="not differentiable (boolean result)",
                   differentiable=False, describe=_broadcast_problem))

register(OpDef("logical_not", np.logical_not, vjp=None, derivative="not differentiable (boolean result)",
               arity=1, differentiable=False))

# ---------------------------------------------------------------------------------------
# elementwise unary ops

register(OpDef(
    "negative", np.negative, arity=1,
    vjp=lambda xp, g, rec, needs: (xp.negative(g),),
    derivative="∂out/∂a = −1",
    local=lambda a, out: (-np.ones_like(out),),
))
register(OpDef(
    "identity", lambda a: a, arity=1,
    vjp=lambda xp, g, rec, needs: (g,),
    derivative="∂out/∂a = 1",
    local=lambda a, out: (np.ones_like(out),),
))
register(OpDef(
    "stop_gradient", lambda a: a, arity=1,
    vjp=lambda xp, g, rec, needs: (None,),
    derivative="∂out/∂a is defined as 0: no gradient flows through stop_gradient",
))
register(OpDef(
    "square", np.square, arity=1,
    vjp=lambda xp, g, rec, needs: (xp.multiply(g, xp.multiply(2, rec.inputs[0])),),
    derivative="∂out/∂a = 2a",
    local=lambda a, out: (2 * a,),
))


def _sqrt_forward(a: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return np.sqrt(a)


register(OpDef(
    "sqrt", _sqrt_forward, arity=1,
    vjp=lambda xp, g, rec, needs: (xp.divide(xp.multiply(g, 0.5), rec.output),),
    derivative="∂out/∂a = 1/(2√a)",
    local=lambda a, out: (0.5 / out,),
))
register(OpDef(
    "exp", np.exp, arity=1,
    vjp=lambda xp, g, rec, needs: (xp.multiply(g, rec.output),),
    derivative="∂out/∂a = exp(a)",
    local=lambda a, out: (out,),
))


def _log_forward(a: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log(a)


register(OpDef(
    "log", _log_forward, arity=1,
    vjp=lambda xp, g, rec, needs: (xp.divide(g, rec.inputs[0]),),
    derivative="∂out/∂a = 1/a",
    local=lambda a, out: (1 / a,),
))
register(OpDef(
    "abs", np.abs, arity=1,
    vjp=lambda xp, g, rec, needs: (xp.multiply(g, xp.sign(rec.inputs[0])),),
    derivative="∂out/∂a = sign(a)",
    local=lambda a, out: (np.sign(a).astype(out.dtype),),
))
register(OpDef("sign", np.sign, vjp=lambda xp, g, rec, needs: (xp.zeros_like(g),), arity=1,
               derivative="∂out/∂a = 0", local=lambda a, out: (np.zeros_like(out),)))
register(OpDef(
    "sin", np.sin, arity=1,
    vjp=lambda xp, g, rec, needs: (xp.multiply(g, xp.cos(rec.inputs[0])),),
    derivative="∂out/∂a = cos(a)",
    local=lambda a, out: (np.cos(a),),
))
register(OpDef(
    "cos", np.cos, arity=1,
    vjp=lambda xp, g, rec, needs: (xp.negative(xp.multiply(g, xp.sin(rec.inputs[0]))),),
    derivative="∂out/∂a = −sin(a)",
    local=lambda a, out: (-np.sin(a),),
))


def _relu_forward(a: np.ndarray) -> np.ndarray:
    return np.maximum(a, 0).astype(a.dtype, copy=False)


register(OpDef(
    "relu", _relu_forward, arity=1,
    vjp=lambda xp, g, rec, needs: (xp.multiply(g, _mask(rec.output._value > 0, _dtype_of(rec))),),
    derivative="∂out/∂a = 1 where a > 0 else 0",
    local=lambda a, out: ((out > 0).astype(out.dtype),),
))


def _sigmoid_forward(a: np.ndarray) -> np.ndarray:
    # Split by sign so that exp never overflows.
    out = np.empty_like(a)
    pos = a >= 0
    out[pos] = 1 / (1 + np.exp(-a[pos]))
    e = np.exp(a[~pos])
    out[~pos] = e / (1 + e)
    return out


register(OpDef(
    "sigmoid", _sigmoid_forward, arity=1,
    vjp=lambda xp, g, rec, needs: (xp.multiply(g, xp.multiply(rec.output, xp.subtract(1, rec.output))),),
    derivative="∂out/∂a = out·(1 − out)",
    local=lambda a, out: (out * (1 - out),),
))
register(OpDef(
    "tanh", np.tanh, arity=1,
    vjp=lambda xp, g, rec, needs: (xp.multiply(g, xp.subtract(1, xp.square(rec.output))),),
    derivative="∂out/∂a = 1 − out²",
    local=lambda a, out: (1 - out * out,),
))


def _softplus_forward(a: np.ndarray) -> np.ndarray:
    return np.logaddexp(0, a).astype(a.dtype, copy=False)


register(OpDef(
    "softplus", _softplus_forward, arity=1,
    vjp=lambda xp, g, rec, needs: (xp.multiply(g, xp.sigmoid(rec.inputs[0])),),
    derivative="∂out/∂a = sigmoid(a)",
    local=lambda a, out: (1 / (1 + np.exp(-a)),),
))


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
))

# ---------------------------------------------------------------------------------------
# matmul


def _matmul_forward(a: np.ndarray, b: np.ndarray, transpose_a: bool = False, transpose_b: bool = False) -> np.ndarray:
    if a.ndim < 2 or b.ndim < 2:
        raise ValueError("matmul needs inputs of rank 2 or more")
    if transpose_a:
        a = a.swapaxes(-1, -2)  # the method: same view as np.swapaxes, without its dispatch wrapper
    if transpose_b:
        b = b.swapaxes(-1, -2)
    return np.matmul(a, b)


def _matmul_describe(a: Tensor, b: Tensor, transpose_a: bool = False, transpose_b: bool = False) -> str:
    sa, sb = a._value.shape, b._value.shape
    if len(sa) < 2 or len(sb) < 2:
        return f"{sa} @ {sb}: both inputs need rank 2 or more (shape (n, k) @ (k, m))"
    ka = sa[-2] if transpose_a else sa[-1]
    kb = sb[-1] if transpose_b else sb[-2]
    if ka != kb:
        return f"{sa} @ {sb}: inner dimensions {ka} and {kb} differ"
    return f"{sa} @ {sb}: batch dimensions {sa[:-2]} and {sb[:-2]} cannot be broadcast together"


def _matmul_vjp(xp: Any, g: Tensor, rec: OpRecord, needs: tuple[bool, ...]) -> tuple[Tensor | None, ...]:
    a, b = rec.inputs
    ta, tb = rec.attrs.get("transpose_a", False), rec.attrs.get("transpose_b", False)
    mm = xp.matmul
    if not ta and not tb:
        ga = mm(g, b, transpose_b=True) if needs[0] else None
        gb = mm(a, g, transpose_a=True) if needs[1] else None
    elif not ta and tb:
        ga = mm(g, b) if needs[0] else None
        gb = mm(g, a, transpose_a=True) if needs[1] else None
    elif ta and not tb:
        ga = mm(b, g, transpose_b=True) if needs[0] else None
        gb = mm(a, g) if needs[1] else None
    else:
        ga = mm(b, g, transpose_a=True, transpose_b=True) if needs[0] else None
        gb = mm(g, a, transpose_a=True, transpose_b=True) if needs[1] else None
    return ga, gb


register(OpDef(
    "matmul", _matmul_forward, vjp=_matmul_vjp,
    derivative="∂L/∂a = g·bᵀ, ∂L/∂b = aᵀ·g",
    describe=_matmul_describe,
))

# ---------------------------------------------------------------------------------------
# softmax family


def _softmax_forward(a: np.ndarray, axis: int = -1) -> np.ndarray:
    # ufunc.reduce directly: same result as np.max/np.sum without their Python-level wrapper
    shifted = a - np.maximum.reduce(a, axis=axis, keepdims=True)
    e = np.exp(shifted)
    return e / np.add.reduce(e, axis=axis, keepdims=True)


def _log_softmax_forward(a: np.ndarray, axis: int = -1) -> np.ndarray:
    shifted = a - np.maximum.reduce(a, axis=axis, keepdims=True)
    return shifted - np.log(np.add.reduce(np.exp(shifted), axis=axis, keepdims=True))


def _softmax_vjp(xp: Any, g: Tensor, rec: OpRecord, needs: tuple[bool, ...]) -> tuple[Tensor | None, ...]:
    out, axis = rec.output, rec.attrs.get("axis", -1)
    dot = xp.reduce_sum(xp.multiply(g, out), axis=axis, keepdims=True)
    return (xp.multiply(out, xp.subtract(g, dot)),)


def _log_softmax_vjp(xp: Any, g: Tensor, rec: OpRecord, needs: tuple[bool, ...]) -> tuple[Tensor | None, ...]:
    axis = rec.attrs.get("axis", -1)
    total = xp.reduce_sum(g, axis=axis, keepdims=True)
    return (xp.subtract(g, xp.multiply(xp.exp(rec.output), total)),)


register(OpDef(
    "softmax", _softmax_forward, vjp=_softmax_vjp, arity=1,
    derivative="∂L/∂a = out·(g − Σ g·out)  (Σ along the softmax axis)",
))
register(OpDef(
    "log_softmax", _log_softmax_forward, vjp=_log_softmax_vjp, arity=1,
    derivative="∂L/∂a = g − softmax(a)·Σ g  (Σ along the softmax axis)",
))


def _xent_forward(labels: np.ndarray, logits: np.ndarray, axis: int = -1) -> np.ndarray:
    return -np.add.reduce(labels * _log_softmax_forward(logits, axis=axis), axis=axis)


def _xent_vjp(xp: Any, g: Tensor, rec: OpRecord, needs: tuple[bool, ...]) -> tuple[Tensor | None, ...]:
    """TF's fused rule: logits get g·(softmax − labels), exact only when label rows sum to 1."""
    labels, logits = rec.inputs
    axis = rec.attrs.get("axis", -1)
    g = xp.expand_dims(g, axis)
    d_labels = xp.negative(xp.multiply(g, xp.log_softmax(logits, axis))) if needs[0] else None
    d_logits = xp.multiply(g, xp.subtract(xp.softmax(logits, axis), labels)) if needs[1] else None
    return (d_labels, d_logits)


register(OpDef(
    "softmax_cross_entropy_with_logits", _xent_forward, vjp=_xent_vjp,
    derivative="∂L/∂logits = g·(softmax(logits) − labels), ∂L/∂labels = −g·log_softmax(logits)  "
               "(TF's fused rule: exact when each row of labels sums to 1)",
    describe=_broadcast_problem,
))

# ---------------------------------------------------------------------------------------
# reductions


def _sum_forward(a: np.ndarray, axis: object = None, keepdims: bool = False) -> np.ndarray:
    return np.add.reduce(a, axis=axis, keepdims=keepdims, dtype=a.dtype)  # type: ignore[arg-type]


def _mean_forward(a: np.ndarray, axis: object = None, keepdims: bool = False) -> np.ndarray:
    if a.dtype.kind in "iu":  # TF keeps integer dtype for integer means
        return (np.sum(a, axis=axis, keepdims=keepdims) // _count(a.shape, axis)).astype(a.dtype)  # type: ignore[arg-type]
    count = _count(a.shape, axis)
    if a.dtype.kind == "f" and a.dtype.itemsize >= 4 and 0 < count < 2**24:
        # np.mean's own arithmetic (sum, then divide by the count) without its Python wrapper;
        # the count is exact in float32, so the result is bit-for-bit np.mean's.
        return np.add.reduce(a, axis=axis, keepdims=keepdims, dtype=a.dtype) / count  # type: ignore[arg-type]
    return np.mean(a, axis=axis, keepdims=keepdims, dtype=a.dtype)  # type: ignore[arg-type]


def _count(shape: tuple[int, ...], axis: object) -> int:
    return math.prod(shape[i] for i in _axis_tuple(axis, len(shape)))


def _extreme_vjp(xp: Any, g: Tensor, rec: OpRecord, needs: tuple[bool, ...]) -> tuple[Tensor | None, ...]:
    a = rec.inputs[0]
    axis = rec.attrs.get("axis")
    shape = a._value.shape
    keep = _keepdims_shape(shape, axis)
    best = xp.reshape(rec.output, keep)
    mask = xp.cast(xp.equal(a, best), _dtype_of(rec))
    ties = xp.reduce_sum(mask, axis=axis, keepdims=True)
    return (xp.divide(xp.multiply(xp.broadcast_to(xp.reshape(g, keep), shape), mask), ties),)


register(OpDef(
    "reduce_sum", _sum_forward, arity=1,
    vjp=lambda xp, g, rec, needs: (_unreduce(xp, g, rec),),
    derivative="∂out/∂a = 1 for every summed element (g is copied back over the summed axes)",
))
register(OpDef(
    "reduce_mean", _mean_forward, arity=1,
    # divide the (small) reduced gradient first, then copy it back over the averaged axes
    vjp=lambda xp, g, rec, needs: (
        _unreduce(xp, xp.divide(g, float(_count(rec.inputs[0]._value.shape, rec.attrs.get("axis")))), rec),
    ),
    derivative="∂out/∂a = 1/n for every averaged element (n = how many were averaged)",
))
register(OpDef(
    "reduce_max", lambda a, axis=None, keepdims=False: np.max(a, axis=axis, keepdims=keepdims), arity=1,
    vjp=_extreme_vjp,
    derivative="∂out/∂a = 1 at the maximum (shared equally among ties), 0 elsewhere",
))
register(OpDef(
    "reduce_min", lambda a, axis=None, keepdims=False: np.min(a, axis=axis, keepdims=keepdims), arity=1,
    vjp=_extreme_vjp,
    derivative="∂out/∂a = 1 at the minimum (shared equally among ties), 0 elsewhere",
))
for _name, _fn in (("argmax", np.argmax), ("argmin", np.argmin)):
    register(OpDef(_name, (lambda f: lambda a, axis=0: f(a, axis=axis).astype(np.int64))(_fn), vjp=None,
                   arity=1, differentiable=False, derivative="not differentiable (integer result)"))

# ---------------------------------------------------------------------------------------
# shape ops


def _reshape_describe(a: Tensor, shape: tuple[int, ...]) -> str:
    return f"cannot reshape {a._value.size} elements of shape {a._value.shape} into {tuple(shape)}"


register(OpDef(
    "reshape", lambda a, shape: np.reshape(a, shape), arity=1,
    vjp=lambda xp, g, rec, needs: (xp.reshape(g, rec.inputs[0]._value.shape),),
    derivative="∂L/∂a = g reshaped back to a's shape",
    describe=_reshape_describe,
))
register(OpDef(
    "transpose", lambda a, perm=None: np.transpose(a, perm), arity=1,
    vjp=lambda xp, g, rec, needs: (
        xp.transpose(g, None if rec.attrs.get("perm") is None else tuple(int(i) for i in np.argsort(rec.attrs["perm"]))),
    ),
    derivative="∂L/∂a = g transposed back (the inverse permutation)",
))
register(OpDef(
    "expand_dims", lambda a, axis: np.expand_dims(a, axis), arity=1,
    vjp=lambda xp, g, rec, needs: (xp.reshape(g, rec.inputs[0]._value.shape),),
    derivative="∂L/∂a = g with the added axis removed",
))
register(OpDef(
    "squeeze", lambda a, axis=None: np.squeeze(a, axis=axis), arity=1,
    vjp=lambda xp, g, rec, needs: (xp.reshape(g, rec.inputs[0]._value.shape),),
    derivative="∂L/∂a = g with the removed axes put back",
))
register(OpDef(
    "broadcast_to", _broadcast_forward, arity=1,
    vjp=lambda xp, g, rec, needs: (xp.sum_to_shape(g, rec.inputs[0]._value.shape),),
    derivative="∂L/∂a = g summed over the broadcast axes",
))
register(OpDef(
    "sum_to_shape", lambda a, shape: _sum_to(a, tuple(shape)), arity=1,
    vjp=lambda xp, g, rec, needs: (xp.broadcast_to(g, rec.inputs[0]._value.shape),),
    derivative="∂L/∂a = g copied back along the summed (broadcast) axes",
))


def _concat_vjp(xp: Any, g: Tensor, rec: OpRecord, needs: tuple[bool, ...]) -> tuple[Tensor | None, ...]:
    axis = rec.attrs["axis"]
    ndim = rec.output._value.ndim
    axis = axis % ndim
    grads: list[Tensor | None] = []
    start = 0
    for t, need in zip(rec.inputs, needs):
        size = t._value.shape[axis]
        if need:
            key = (slice(None),) * axis + (slice(start, start + size),)
            grads.append(xp.getitem(g, key))
        else:
            grads.append(None)
        start += size
    return tuple(grads)


def _stack_vjp(xp: Any, g: Tensor, rec: OpRecord, needs: tuple[bool, ...]) -> tuple[Tensor | None, ...]:
    axis = rec.attrs["axis"] % rec.output._value.ndim
    return tuple(
        xp.getitem(g, (slice(None),) * axis + (k,)) if need else None for k, need in enumerate(needs)
    )


register(OpDef(
    "concat", lambda *arrays, axis: np.concatenate(arrays, axis=axis), vjp=_concat_vjp, arity=-1,
    derivative="∂L/∂a_k = the slice of g that came from a_k",
))
register(OpDef(
    "stack", lambda *arrays, axis: np.stack(arrays, axis=axis), vjp=_stack_vjp, arity=-1,
    derivative="∂L/∂a_k = g at index k along the stacked axis",
))


def _scatter_forward(g: np.ndarray, shape: tuple[int, ...], key: object) -> np.ndarray:
    out = np.zeros(shape, dtype=g.dtype)
    np.add.at(out, key, g)  # add.at: repeated indices accumulate, as they must
    return out


register(OpDef(
    "getitem", lambda a, key: a[key], arity=1,
    vjp=lambda xp, g, rec, needs: (xp.scatter_into(g, rec.inputs[0]._value.shape, rec.attrs["key"]),),
    derivative="∂L/∂a = g placed back at the selected positions, 0 elsewhere",
))
register(OpDef(
    "scatter_into", _scatter_forward, arity=1,
    vjp=lambda xp, g, rec, needs: (xp.getitem(g, rec.attrs["key"]),),
    derivative="∂L/∂g = the selected positions of the upstream gradient",
))
