"""Elementwise math of one tensor: negative, powers, exp/log, abs/sign, trigonometry, erf, NaN/inf tests."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from ..registry import OpDef, register
from ._common import erf

__all__: list[str] = []  # registers its ops; nothing to import from here


def _quiet(fn: Callable[[np.ndarray], np.ndarray]) -> Callable[[np.ndarray], np.ndarray]:
    """``fn`` without NumPy's warnings for a zero or a value outside its domain: sqrt(-1) = nan and
    log(0) = -inf are the results, which tapeviz reports itself (the trace notes non-finite values)."""

    def forward(a: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return fn(a)

    forward.__name__ = forward.__qualname__ = f"{fn.__name__}_forward"
    return forward


register(OpDef(
    "negative", np.negative, arity=1,
    vjp=lambda xp, g, rec, needs: (xp.negative(g),),
    derivative="∂out/∂a = −1",
    local=lambda a, out: (-np.ones_like(out),),
    tf_names=("tf.negative", "tf.math.negative"),
    doc="Computes numerical negative value element-wise: -a.",
))
register(OpDef(
    "identity", lambda a: a, arity=1,
    vjp=lambda xp, g, rec, needs: (g,),
    derivative="∂out/∂a = 1",
    local=lambda a, out: (np.ones_like(out),),
    tf_names=("tf.identity",),
    doc="Returns a tensor with the same shape and contents as the input.",
))
register(OpDef(
    "stop_gradient", lambda a: a, arity=1,
    vjp=lambda xp, g, rec, needs: (None,),
    derivative="∂out/∂a is defined as 0: no gradient flows through stop_gradient",
    tf_names=("tf.stop_gradient",),
    doc="Stops gradient computation: the value passes, no gradient flows back.",
))
register(OpDef(
    "square", np.square, arity=1,
    vjp=lambda xp, g, rec, needs: (xp.multiply(g, xp.multiply(2, rec.inputs[0])),),
    derivative="∂out/∂a = 2a",
    local=lambda a, out: (2 * a,),
    tf_names=("tf.square", "tf.math.square"),
    doc="Computes the square of a element-wise: a * a.",
))


register(OpDef(
    "sqrt", _quiet(np.sqrt), arity=1,
    vjp=lambda xp, g, rec, needs: (xp.divide(xp.multiply(g, 0.5), rec.output),),
    derivative="∂out/∂a = 1/(2√a)",
    local=lambda a, out: (0.5 / out,),
    tf_names=("tf.sqrt", "tf.math.sqrt"), lesson="sqrt",
    doc="Computes element-wise square root of the input tensor.",
))
register(OpDef(
    "exp", np.exp, arity=1,
    vjp=lambda xp, g, rec, needs: (xp.multiply(g, rec.output),),
    derivative="∂out/∂a = exp(a)",
    local=lambda a, out: (out,),
    tf_names=("tf.exp", "tf.math.exp"), lesson="exp",
    doc="Computes exponential of a element-wise.",
))


register(OpDef(
    "log", _quiet(np.log), arity=1,
    vjp=lambda xp, g, rec, needs: (xp.divide(g, rec.inputs[0]),),
    derivative="∂out/∂a = 1/a",
    local=lambda a, out: (1 / a,),
    tf_names=("tf.math.log",), lesson="log",
    doc="Computes natural logarithm of a element-wise.",
))


register(OpDef(
    "log1p", _quiet(np.log1p), arity=1,
    vjp=lambda xp, g, rec, needs: (xp.divide(g, xp.add(rec.inputs[0], 1)),),
    derivative="∂out/∂a = 1/(1 + a)",
    local=lambda a, out: (1 / (1 + a),),
    tf_names=("tf.math.log1p",), lesson="log1p",
    doc="Computes natural logarithm of (1 + a) element-wise.",
))
register(OpDef(
    "abs", np.abs, arity=1,
    vjp=lambda xp, g, rec, needs: (xp.multiply(g, xp.sign(rec.inputs[0])),),
    derivative="∂out/∂a = sign(a)",
    local=lambda a, out: (np.sign(a).astype(out.dtype),),
    tf_names=("tf.abs", "tf.math.abs"), lesson="abs",
    doc="Computes the absolute value of a tensor.",
))
register(OpDef(
    "sign", np.sign, arity=1,
    vjp=lambda xp, g, rec, needs: (xp.zeros_like(g),),
    derivative="∂out/∂a = 0",
    local=lambda a, out: (np.zeros_like(out),),
    tf_names=("tf.sign", "tf.math.sign"),
    doc="Returns an element-wise indication of the sign of a number.",
))
register(OpDef(
    "sin", np.sin, arity=1,
    vjp=lambda xp, g, rec, needs: (xp.multiply(g, xp.cos(rec.inputs[0])),),
    derivative="∂out/∂a = cos(a)",
    local=lambda a, out: (np.cos(a),),
    tf_names=("tf.sin", "tf.math.sin"), lesson="sin",
    doc="Computes sine of a element-wise.",
))
register(OpDef(
    "cos", np.cos, arity=1,
    vjp=lambda xp, g, rec, needs: (xp.negative(xp.multiply(g, xp.sin(rec.inputs[0]))),),
    derivative="∂out/∂a = −sin(a)",
    local=lambda a, out: (-np.sin(a),),
    tf_names=("tf.cos", "tf.math.cos"), lesson="cos",
    doc="Computes cosine of a element-wise.",
))


register(OpDef(
    "erf", erf, arity=1,
    vjp=lambda xp, g, rec, needs: (
        xp.multiply(g, xp.multiply(2 / math.sqrt(math.pi), xp.exp(xp.negative(xp.square(rec.inputs[0]))))),
    ),
    derivative="∂out/∂a = 2/√π · exp(−a²)",
    local=lambda a, out: (2 / math.sqrt(math.pi) * np.exp(-a * a),),
    tf_names=("tf.math.erf",), lesson="erf",
    doc="Computes the Gauss error function of a element-wise.",
))

# Tests on values, like TF's: boolean results, never recorded.
for _name, _fn in (("is_nan", np.isnan), ("is_inf", np.isinf), ("is_finite", np.isfinite)):
    register(OpDef(_name, _fn, vjp=None, arity=1, differentiable=False,
                   derivative="not differentiable (boolean result)", tf_names=(f"tf.math.{_name}",),
                   doc=f"Returns which elements of a are {_name[3:].replace('nan', 'NaN').replace('inf', 'Inf')}."))
