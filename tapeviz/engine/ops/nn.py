"""Activations, the softmax family and the fused softmax and sigmoid cross-entropies."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..attrs import Attr, as_int
from ..chain import ChainContext, Formula, softmax_of
from ..registry import OpDef, OpRecord, register
from ..tensor import Tensor
from ._common import broadcast_problem, dtype_of, erf, mask

__all__: list[str] = []  # registers its ops; nothing to import from here


def _relu_forward(a: np.ndarray) -> np.ndarray:
    return np.maximum(a, 0).astype(a.dtype, copy=False)


register(OpDef(
    "relu", _relu_forward, arity=1,
    vjp=lambda xp, g, rec, needs: (xp.multiply(g, mask(rec.output._value > 0, dtype_of(rec))),),
    derivative="∂out/∂a = 1 where a > 0 else 0",
    local=lambda a, out: ((out > 0).astype(out.dtype),),
    tf_names=("tf.nn.relu",),
    doc="Computes rectified linear: max(a, 0).",
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
    tf_names=("tf.sigmoid", "tf.math.sigmoid", "tf.nn.sigmoid"),
    doc="Computes sigmoid of a element-wise: 1 / (1 + exp(-a)).",
))
register(OpDef(
    "tanh", np.tanh, arity=1,
    vjp=lambda xp, g, rec, needs: (xp.multiply(g, xp.subtract(1, xp.square(rec.output))),),
    derivative="∂out/∂a = 1 − out²",
    local=lambda a, out: (1 - out * out,),
    tf_names=("tf.tanh", "tf.math.tanh", "tf.nn.tanh"), lesson="tanh",
    doc="Computes hyperbolic tangent of a element-wise.",
))


def _softplus_forward(a: np.ndarray) -> np.ndarray:
    return np.logaddexp(0, a).astype(a.dtype, copy=False)


register(OpDef(
    "softplus", _softplus_forward, arity=1,
    vjp=lambda xp, g, rec, needs: (xp.multiply(g, xp.sigmoid(rec.inputs[0])),),
    derivative="∂out/∂a = sigmoid(a)",
    local=lambda a, out: (1 / (1 + np.exp(-a)),),
    tf_names=("tf.math.softplus", "tf.nn.softplus"),
    doc="Computes softplus: log(exp(a) + 1).",
))


def _elu_forward(a: np.ndarray) -> np.ndarray:
    return np.where(a > 0, a, np.expm1(np.minimum(a, 0))).astype(a.dtype, copy=False)


register(OpDef(
    "elu", _elu_forward, arity=1,
    # TF's EluGrad: g·(out + 1) where out < 0, else g
    vjp=lambda xp, g, rec, needs: (
        xp.multiply(g, xp.add(1, xp.multiply(mask(rec.output._value < 0, dtype_of(rec)), rec.output))),
    ),
    derivative="∂out/∂a = 1 where a > 0 else exp(a) (= out + 1)",
    local=lambda a, out: (np.where(out < 0, out + 1, 1).astype(out.dtype),),
    tf_names=("tf.nn.elu",), lesson="elu",
    doc="Computes the exponential linear function: a if a > 0 else exp(a) - 1.",
))


def _leaky_forward(a: np.ndarray, alpha: float = 0.2) -> np.ndarray:
    return np.where(a > 0, a, a * alpha).astype(a.dtype, copy=False)


def _leaky_slope(a: np.ndarray, dtype: np.dtype, alpha: float) -> np.ndarray:
    return np.where(a > 0, 1.0, alpha).astype(dtype)


register(OpDef(
    "leaky_relu", _leaky_forward, arity=1,
    vjp=lambda xp, g, rec, needs: (
        xp.multiply(g, mask(_leaky_slope(rec.inputs[0]._value, dtype_of(rec), rec.attrs.get("alpha", 0.2)), dtype_of(rec))),
    ),
    derivative="∂out/∂a = 1 where a > 0 else alpha",
    local=lambda a, out, alpha=0.2: (_leaky_slope(a, out.dtype, alpha),),
    params=("features",), attrs=(Attr("alpha", 0.2, float, omit_default=True),),
    tf_names=("tf.nn.leaky_relu",), lesson="leaky_relu",
    doc="Computes the Leaky ReLU activation: a if a > 0 else alpha * a.",
))

_GELU_C = math.sqrt(2 / math.pi)  # the tanh approximation's constant


def _gelu_forward(a: np.ndarray, approximate: bool = False) -> np.ndarray:
    if approximate:
        out = 0.5 * a * (1 + np.tanh(_GELU_C * (a + 0.044715 * a**3)))
    else:
        out = 0.5 * a * (1 + erf(a / math.sqrt(2)))
    return out.astype(a.dtype, copy=False)


def _gelu_vjp(xp: Any, g: Tensor, rec: OpRecord, needs: tuple[bool, ...]) -> tuple[Tensor | None, ...]:
    a = rec.inputs[0]
    if rec.attrs.get("approximate", False):
        # out = a·s with s = (1 + tanh(u))/2, u = c(a + 0.044715a³): ∂out/∂a = s + a·(1 − t²)/2 · u'
        t = xp.tanh(xp.multiply(_GELU_C, xp.add(a, xp.multiply(0.044715, xp.power(a, 3.0)))))
        du = xp.multiply(_GELU_C, xp.add(1.0, xp.multiply(3 * 0.044715, xp.square(a))))
        s = xp.multiply(0.5, xp.add(1.0, t))
        local = xp.add(s, xp.multiply(xp.multiply(0.5, a), xp.multiply(xp.subtract(1.0, xp.square(t)), du)))
    else:
        # Φ(a) + a·φ(a): the normal CDF plus a times the normal density
        cdf = xp.multiply(0.5, xp.add(1.0, xp.erf(xp.multiply(a, 1 / math.sqrt(2)))))
        pdf = xp.multiply(1 / math.sqrt(2 * math.pi), xp.exp(xp.multiply(-0.5, xp.square(a))))
        local = xp.add(cdf, xp.multiply(a, pdf))
    return (xp.multiply(g, local),)


def _gelu_local(a: np.ndarray, out: np.ndarray, approximate: bool = False) -> tuple[np.ndarray]:
    if approximate:
        t = np.tanh(_GELU_C * (a + 0.044715 * a**3))
        return (0.5 * (1 + t) + 0.5 * a * (1 - t * t) * _GELU_C * (1 + 3 * 0.044715 * a * a),)
    return (0.5 * (1 + erf(a / math.sqrt(2))) + a * np.exp(-0.5 * a * a) / math.sqrt(2 * math.pi),)


register(OpDef(
    "gelu", _gelu_forward, arity=1, vjp=_gelu_vjp,
    derivative="∂out/∂a = Φ(a) + a·φ(a)  (Φ, φ: the normal CDF and density; approximate=True: of the tanh form)",
    local=_gelu_local,
    params=("features",), attrs=(Attr("approximate", False, bool, omit_default=True),),
    tf_names=("tf.nn.gelu",), lesson="gelu",
    doc="Computes the Gaussian Error Linear Unit (GELU) activation: a * P(X <= a), X ~ N(0, 1).",
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


def _row(c: ChainContext) -> tuple[Any, ...]:
    """The index of the softmax row (along ``axis``) that holds the explained element."""
    axis = int(c.attrs.get("axis", -1)) % c.output.ndim
    return tuple(slice(None) if i == axis else e for i, e in enumerate(c.element))


def _softmax_explain(c: ChainContext) -> Formula:
    row, el, g, out = _row(c), c.element, c.upstream, c.output
    dot = float(np.sum(g[row] * out[row]))
    return Formula("out·(g − Σg·out)", "{}×({} − {})", (float(out[el]), float(g[el]), dot), float(c.sent[el]))


def _log_softmax_explain(c: ChainContext) -> Formula:
    el, g = c.element, c.upstream
    total = float(np.sum(g[_row(c)]))
    soft = float(np.exp(c.output[el]))
    return Formula("g − softmax·Σg", "{} − {}×{}", (float(g[el]), soft, total), float(c.sent[el]))


_AXIS = (Attr("axis", -1, as_int),)

register(OpDef(
    "softmax", _softmax_forward, vjp=_softmax_vjp, arity=1,
    derivative="∂L/∂a = out·(g − Σ g·out)  (Σ along the softmax axis)",
    explain=_softmax_explain,
    params=("logits",), attrs=_AXIS, tf_names=("tf.nn.softmax",), lesson="softmax",
    doc="Computes softmax activations: exp(logits) / reduce_sum(exp(logits), axis).",
))
register(OpDef(
    "log_softmax", _log_softmax_forward, vjp=_log_softmax_vjp, arity=1,
    derivative="∂L/∂a = g − softmax(a)·Σ g  (Σ along the softmax axis)",
    explain=_log_softmax_explain,
    params=("logits",), attrs=_AXIS, tf_names=("tf.nn.log_softmax",),
    doc="Computes log softmax activations: logits - log(reduce_sum(exp(logits), axis)).",
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


def _xent_explain(c: ChainContext) -> Formula | None:
    if c.k != 1:  # the labels' gradient: the derivative statement says enough
        return None
    labels, logits = c.inputs
    axis = int(c.attrs.get("axis", -1)) % logits.ndim
    soft = softmax_of(logits, axis)
    el = c.element
    row = tuple(e for i, e in enumerate(el) if i != axis)
    upstream = float(np.asarray(c.upstream)[row]) if np.ndim(c.upstream) else float(c.upstream)
    return Formula("g·(softmax − label)", "{}×({} − {})", (upstream, float(soft[el]), float(labels[el])),
                   float(c.sent[el]))


register(OpDef(
    "softmax_cross_entropy_with_logits", _xent_forward, vjp=_xent_vjp,
    derivative="∂L/∂logits = g·(softmax(logits) − labels), ∂L/∂labels = −g·log_softmax(logits)  "
               "(TF's fused rule: exact when each row of labels sums to 1)",
    describe=broadcast_problem, explain=_xent_explain,
    params=("labels", "logits"), attrs=_AXIS, api="hand",
    doc="Computes softmax cross entropy between logits and labels.",
))


# ---------------------------------------------------------------------------------------
# sigmoid cross-entropy on logits (logistic regression's loss), elementwise


def _sigmoid_xent_forward(labels: np.ndarray, logits: np.ndarray) -> np.ndarray:
    """TF's stable form: max(x, 0) − x·z + log(1 + exp(−|x|)), never exp of a large number."""
    x, z = logits, labels
    return (np.maximum(x, 0) - x * z + np.log1p(np.exp(-np.abs(x)))).astype(x.dtype, copy=False)


def _sigmoid_xent_vjp(xp: Any, g: Tensor, rec: OpRecord, needs: tuple[bool, ...]) -> tuple[Tensor | None, ...]:
    labels, logits = rec.inputs
    d_labels = xp.negative(xp.multiply(g, logits)) if needs[0] else None
    d_logits = xp.multiply(g, xp.subtract(xp.sigmoid(logits), labels)) if needs[1] else None
    return (d_labels, d_logits)


register(OpDef(
    "sigmoid_cross_entropy_with_logits", _sigmoid_xent_forward, vjp=_sigmoid_xent_vjp,
    derivative="∂out/∂logits = sigmoid(logits) − labels, ∂out/∂labels = −logits",
    local=lambda z, x, out: (np.broadcast_to(-x, out.shape), np.broadcast_to(_sigmoid_forward(x) - z, out.shape)),
    describe=broadcast_problem, params=("labels", "logits"), api="hand",
    tf_names=("tf.nn.sigmoid_cross_entropy_with_logits",),
    doc="Computes sigmoid cross entropy given logits.",
))
