"""Padding, running sums and products, and the sum of a list: pad, cumsum, cumprod, add_n."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..attrs import REQUIRED, Attr, as_int, as_pad_mode, as_paddings, as_scalar
from ..chain import ChainContext, SumOfProducts
from ..registry import OpDef, OpRecord, register
from ..tensor import Tensor

__all__: list[str] = []  # registers its ops; nothing to import from here


# ---------------------------------------------------------------------------------------
# pad


def _pad_forward(tensor: np.ndarray, paddings: tuple[tuple[int, int], ...], mode: str = "CONSTANT",
                 constant_values: Any = 0) -> np.ndarray:
    if len(paddings) != tensor.ndim:
        raise ValueError(f"paddings has {len(paddings)} pairs for a tensor of rank {tensor.ndim} (one [before, after] per axis)")
    if mode == "CONSTANT":
        return np.pad(tensor, paddings, constant_values=np.asarray(constant_values, dtype=tensor.dtype))
    limit = 0 if mode == "REFLECT" else 1  # REFLECT repeats no edge element, SYMMETRIC repeats it
    for axis, (before, after) in enumerate(paddings):
        if max(before, after) > tensor.shape[axis] - 1 + limit:
            raise ValueError(f"{mode} padding of ({before}, {after}) on axis {axis} needs more than "
                             f"{tensor.shape[axis]} elements (at most {tensor.shape[axis] - 1 + limit} each side)")
    return np.pad(tensor, paddings, mode="reflect" if mode == "REFLECT" else "symmetric")


def _along(axis: int, ndim: int, item: Any) -> tuple[Any, ...]:
    return (slice(None),) * axis + (item,) + (slice(None),) * (ndim - axis - 1)


def _pad_vjp(xp: Any, g: Tensor, rec: OpRecord, needs: tuple[bool, ...]) -> tuple[Tensor | None, ...]:
    """CONSTANT: the middle of g. REFLECT/SYMMETRIC: the middle plus each mirrored border folded
    back (reversed) onto the elements it copied, axis by axis."""
    pads, mode = rec.attrs["paddings"], rec.attrs.get("mode", "CONSTANT")
    shape = rec.inputs[0]._value.shape
    ndim = len(shape)
    if mode == "CONSTANT":
        return (xp.getitem(g, tuple(slice(b, b + n) for (b, _), n in zip(pads, shape))),)
    out = g
    for axis, ((before, after), n) in enumerate(zip(pads, shape)):
        if not before and not after:
            continue
        folded = xp.getitem(out, _along(axis, ndim, slice(before, before + n)))
        zero = ((0, 0),) * ndim
        for start, size, at in ((0, before, "left"), (before + n, after, "right")):
            if not size:
                continue
            mirror = xp.getitem(out, _along(axis, ndim, slice(start + size - 1, None if start == 0 else start - 1, -1)))
            if mode == "REFLECT":
                offset = (1, n - 1 - size) if at == "left" else (n - 1 - size, 1)
            else:
                offset = (0, n - size) if at == "left" else (n - size, 0)
            spread = zero[:axis] + (offset,) + zero[axis + 1:]
            folded = xp.add(folded, xp.pad(mirror, spread))
        out = folded
    return (out,)


register(OpDef(
    "pad", _pad_forward, vjp=_pad_vjp, arity=1, params=("tensor",),
    derivative="∂L/∂tensor = the middle of g (CONSTANT); REFLECT/SYMMETRIC add each mirrored border of g "
               "back onto the element it copied",
    attrs=(Attr("paddings", REQUIRED, as_paddings, doc="[[before, after], ...]: how much to add on each side of each axis."),
           Attr("mode", "CONSTANT", as_pad_mode, omit_default=True, doc="CONSTANT, REFLECT or SYMMETRIC."),
           Attr("constant_values", 0, as_scalar, omit_default=True, doc="The value CONSTANT padding fills in.")),
    tf_names=("tf.pad",),
    doc="Pads a tensor: CONSTANT fills with constant_values, REFLECT and SYMMETRIC mirror the edges.",
))


# ---------------------------------------------------------------------------------------
# cumsum, cumprod


def _scan(fn: Any, identity: int) -> Any:
    def forward(x: np.ndarray, axis: int = 0, exclusive: bool = False, reverse: bool = False) -> np.ndarray:
        if x.ndim == 0:
            raise ValueError("the input must have rank 1 or more")
        axis = axis % x.ndim
        a = np.flip(x, axis) if reverse else x
        out = fn(a, axis=axis, dtype=x.dtype)
        if exclusive:  # shift by one: element i holds the scan of the elements before it
            first = np.full(_along_shape(x.shape, axis), identity, dtype=x.dtype)
            out = np.concatenate([first, np.delete(out, -1, axis=axis)], axis=axis)
        return np.flip(out, axis) if reverse else out

    return forward


def _along_shape(shape: tuple[int, ...], axis: int) -> tuple[int, ...]:
    return shape[:axis] + (1,) + shape[axis + 1:]


def _scan_attrs(rec: OpRecord) -> tuple[int, bool, bool]:
    return int(rec.attrs.get("axis", 0)), bool(rec.attrs.get("exclusive", False)), bool(rec.attrs.get("reverse", False))


def _cumsum_vjp(xp: Any, g: Tensor, rec: OpRecord, needs: tuple[bool, ...]) -> tuple[Tensor | None, ...]:
    axis, exclusive, reverse = _scan_attrs(rec)
    return (xp.cumsum(g, axis=axis, exclusive=exclusive, reverse=not reverse),)


def _cumprod_vjp(xp: Any, g: Tensor, rec: OpRecord, needs: tuple[bool, ...]) -> tuple[Tensor | None, ...]:
    """TF's rule: cumsum(out·g) in the other direction, divided by x (so x must not be 0)."""
    axis, exclusive, reverse = _scan_attrs(rec)
    x, out = rec.inputs[0], rec.output
    summed = xp.cumsum(xp.multiply(out, g), axis=axis, exclusive=exclusive, reverse=not reverse)
    return (xp.divide(summed, x),)


def _cumsum_explain(c: ChainContext) -> SumOfProducts | None:
    x, g = c.inputs[0], np.asarray(c.upstream)
    axis, exclusive, reverse = int(c.attrs.get("axis", 0)) % x.ndim, bool(c.attrs.get("exclusive")), bool(c.attrs.get("reverse"))
    i, n = c.element[axis], x.shape[axis]
    later = [j for j in range(n) if (j < i if reverse else j > i) or (j == i and not exclusive)]
    terms = tuple((float(g[c.element[:axis] + (j,) + c.element[axis + 1:]]), 1.0) for j in sorted(later))
    side = "before" if reverse else "after"
    formula = f"Σ g over the outputs whose running sum includes {c.names[0]}{list(c.element)} (it and those {side} it)"
    return SumOfProducts(formula, (("g", g.shape),), terms, float(c.sent[c.element]))


_SCAN_ATTRS = (
    Attr("axis", 0, as_int, omit_default=True, doc="The axis to scan along (default 0)."),
    Attr("exclusive", False, bool, omit_default=True, doc="If true, element i leaves itself out (starts from the identity)."),
    Attr("reverse", False, bool, omit_default=True, doc="If true, scan from the end backwards."),
)

register(OpDef(
    "cumsum", _scan(np.cumsum, 0), vjp=_cumsum_vjp, arity=1, params=("x",),
    derivative="∂L/∂x = cumsum of g in the opposite direction (each x feeds every later running sum)",
    explain=_cumsum_explain, attrs=_SCAN_ATTRS, tf_names=("tf.cumsum", "tf.math.cumsum"),
    doc="Computes the cumulative sum of the tensor x along axis.",
))
register(OpDef(
    "cumprod", _scan(np.cumprod, 1), vjp=_cumprod_vjp, arity=1, params=("x",),
    derivative="∂L/∂x_i = Σ_(k ≥ i) g_k·out_k / x_i  (TF's rule: cumsum of out·g in the other direction, over x)",
    attrs=_SCAN_ATTRS, tf_names=("tf.math.cumprod",),
    doc="Computes the cumulative product of the tensor x along axis.",
))


# ---------------------------------------------------------------------------------------
# add_n


def _add_n_forward(*inputs: np.ndarray) -> np.ndarray:
    shapes = {t.shape for t in inputs}
    if len(shapes) > 1:
        raise ValueError(f"add_n needs tensors of one shape, got {sorted(shapes)}")
    out = inputs[0].copy()
    for t in inputs[1:]:
        out += t
    return out


register(OpDef(
    "add_n", _add_n_forward, arity=-1, params=("inputs",),
    vjp=lambda xp, g, rec, needs: tuple(g for _ in rec.inputs),
    derivative="∂out/∂inputs_k = 1: every input gets g",
    tf_names=("tf.add_n", "tf.math.add_n"),
    doc="Adds all input tensors element-wise (they must have one shape).",
))
