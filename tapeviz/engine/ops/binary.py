"""Elementwise ops of two tensors: arithmetic, maximum/minimum, comparisons and logic."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..registry import OpDef, OpRecord, register
from ..tensor import Tensor
from ._common import broadcast_problem, dtype_of, mask

__all__: list[str] = []  # registers its ops; nothing to import from here

register(OpDef(
    "add", np.add,
    vjp=lambda xp, g, rec, needs: (g, g),
    derivative="∂out/∂a = 1, ∂out/∂b = 1",
    local=lambda a, b, out: (np.ones_like(out), np.ones_like(out)),
    describe=broadcast_problem,
    tf_names=("tf.add", "tf.math.add"),
    doc="Returns a + b element-wise (broadcasting).",
))

register(OpDef(
    "subtract", np.subtract,
    vjp=lambda xp, g, rec, needs: (g, xp.negative(g) if needs[1] else None),
    derivative="∂out/∂a = 1, ∂out/∂b = −1",
    local=lambda a, b, out: (np.ones_like(out), -np.ones_like(out)),
    describe=broadcast_problem,
    tf_names=("tf.subtract", "tf.math.subtract"),
    doc="Returns a - b element-wise (broadcasting).",
))

register(OpDef(
    "multiply", np.multiply,
    vjp=lambda xp, g, rec, needs: (
        xp.multiply(g, rec.inputs[1]) if needs[0] else None,
        xp.multiply(g, rec.inputs[0]) if needs[1] else None,
    ),
    derivative="∂out/∂a = b, ∂out/∂b = a",
    local=lambda a, b, out: (np.broadcast_to(b, out.shape), np.broadcast_to(a, out.shape)),
    describe=broadcast_problem,
    tf_names=("tf.multiply", "tf.math.multiply"),
    doc="Returns a * b element-wise (broadcasting).",
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
    describe=broadcast_problem,
    tf_names=("tf.divide", "tf.math.divide"),
    doc="Returns a / b element-wise (broadcasting).",
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
    local=_power_local, describe=broadcast_problem,
    tf_names=("tf.pow", "tf.math.pow"),
    doc="Computes the power of one value to another, element-wise: a ** b.",
))


def _select_vjp(a_wins: Any) -> Any:
    """The VJP of an op that passes on ``a`` where ``a_wins(a, b)`` and ``b`` elsewhere (max, min):
    the gradient goes to whichever input was selected, a tie going to ``a`` (TF's rule)."""

    def vjp(xp: Any, g: Tensor, rec: OpRecord, needs: tuple[bool, ...]) -> tuple[Tensor | None, ...]:
        a, b = rec.inputs
        m = mask(a_wins(a._value, b._value), dtype_of(rec))
        return (
            xp.multiply(g, m) if needs[0] else None,
            xp.multiply(g, xp.subtract(1, m)) if needs[1] else None,
        )

    return vjp


_maximum_vjp = _select_vjp(np.greater_equal)
_minimum_vjp = _select_vjp(np.less_equal)


register(OpDef(
    "maximum", np.maximum, vjp=_maximum_vjp,
    derivative="∂out/∂a = 1 where a ≥ b else 0, ∂out/∂b = 1 where b > a else 0",
    local=lambda a, b, out: (
        np.broadcast_to((a >= b).astype(out.dtype), out.shape),
        np.broadcast_to((a < b).astype(out.dtype), out.shape),
    ),
    describe=broadcast_problem,
    tf_names=("tf.maximum", "tf.math.maximum"),
    doc="Returns the larger of a and b, element-wise.",
))
register(OpDef(
    "minimum", np.minimum, vjp=_minimum_vjp,
    derivative="∂out/∂a = 1 where a ≤ b else 0, ∂out/∂b = 1 where b < a else 0",
    local=lambda a, b, out: (
        np.broadcast_to((a <= b).astype(out.dtype), out.shape),
        np.broadcast_to((a > b).astype(out.dtype), out.shape),
    ),
    describe=broadcast_problem,
    tf_names=("tf.minimum", "tf.math.minimum"),
    doc="Returns the smaller of a and b, element-wise.",
))

# Comparisons give bool tensors and, as in TF, are never differentiated or recorded.
for _name, _fn, _sign in (
    ("less", np.less, "a < b"), ("less_equal", np.less_equal, "a <= b"), ("greater", np.greater, "a > b"),
    ("greater_equal", np.greater_equal, "a >= b"), ("equal", np.equal, "a == b"),
    ("not_equal", np.not_equal, "a != b"), ("logical_and", np.logical_and, "a AND b"),
    ("logical_or", np.logical_or, "a OR b"),
):
    register(OpDef(_name, _fn, vjp=None, derivative="not differentiable (boolean result)",
                   differentiable=False, describe=broadcast_problem,
                   tf_names=(f"tf.{_name}", f"tf.math.{_name}"), doc=f"Returns the truth value of ({_sign}) element-wise."))

register(OpDef("logical_not", np.logical_not, vjp=None, derivative="not differentiable (boolean result)",
               arity=1, differentiable=False, tf_names=("tf.logical_not", "tf.math.logical_not"), doc="Returns the truth value of NOT a element-wise."))
