"""Shape ops: reshape, transpose, axes added or removed, broadcasting, joining, indexing."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..attrs import Attr, as_axis, as_int, as_perm, as_shape
from ..registry import OpDef, OpRecord, register
from ..tensor import Tensor
from ._common import sum_to

__all__: list[str] = []  # registers its ops; nothing to import from here


def _reshape_describe(a: Tensor, shape: tuple[int, ...]) -> str:
    return f"cannot reshape {a._value.size} elements of shape {a._value.shape} into {tuple(shape)}"


def _broadcast_forward(a: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """A fresh array of ``shape`` filled by broadcasting ``a`` (copyto: no Python-level overhead)."""
    try:
        out = np.empty(shape, dtype=a.dtype)
        np.copyto(out, a)
    except ValueError:
        return np.broadcast_to(a, shape).copy()  # raises numpy's own message for bad shapes
    return out


register(OpDef(
    "reshape", lambda a, shape: np.reshape(a, shape), arity=1,
    vjp=lambda xp, g, rec, needs: (xp.reshape(g, rec.inputs[0]._value.shape),),
    derivative="∂L/∂a = g reshaped back to a's shape",
    describe=_reshape_describe,
    attrs=(Attr("shape", convert=as_shape),), tf_names=("tf.reshape",),
    doc="Reshapes a tensor.",
))
register(OpDef(
    "transpose", lambda a, perm=None: np.transpose(a, perm), arity=1,
    vjp=lambda xp, g, rec, needs: (
        xp.transpose(g, None if rec.attrs.get("perm") is None else tuple(int(i) for i in np.argsort(rec.attrs["perm"]))),
    ),
    derivative="∂L/∂a = g transposed back (the inverse permutation)",
    attrs=(Attr("perm", None, as_perm),), tf_names=("tf.transpose",), lesson="transpose",
    doc="Transposes a, permuting the dimensions according to perm.",
))
register(OpDef(
    "expand_dims", lambda a, axis: np.expand_dims(a, axis), arity=1,
    vjp=lambda xp, g, rec, needs: (xp.reshape(g, rec.inputs[0]._value.shape),),
    derivative="∂L/∂a = g with the added axis removed",
    attrs=(Attr("axis", convert=as_int),), tf_names=("tf.expand_dims",),
    doc="Returns a tensor with a length 1 axis inserted at index axis.",
))
register(OpDef(
    "squeeze", lambda a, axis=None: np.squeeze(a, axis=axis), arity=1,
    vjp=lambda xp, g, rec, needs: (xp.reshape(g, rec.inputs[0]._value.shape),),
    derivative="∂L/∂a = g with the removed axes put back",
    attrs=(Attr("axis", None, as_axis),), tf_names=("tf.squeeze",),
    doc="Removes dimensions of size 1 from the shape of a tensor.",
))
# broadcast_to and sum_to_shape return their input unchanged when it already has the shape:
# their API functions are written by hand.
register(OpDef(
    "broadcast_to", _broadcast_forward, arity=1,
    vjp=lambda xp, g, rec, needs: (xp.sum_to_shape(g, rec.inputs[0]._value.shape),),
    derivative="∂L/∂a = g summed over the broadcast axes",
    attrs=(Attr("shape", convert=as_shape),), api="hand", tf_names=("tf.broadcast_to",),
    doc="Broadcasts an array to a compatible shape.",
))
register(OpDef(
    "sum_to_shape", lambda a, shape: sum_to(a, tuple(shape)), arity=1,
    vjp=lambda xp, g, rec, needs: (xp.broadcast_to(g, rec.inputs[0]._value.shape),),
    derivative="∂L/∂a = g copied back along the summed (broadcast) axes",
    attrs=(Attr("shape", convert=as_shape),), api="hand",
    doc="Sums a broadcast tensor back down to shape (the gradient of broadcasting).",
))


def _concat_vjp(xp: Any, g: Tensor, rec: OpRecord, needs: tuple[bool, ...]) -> tuple[Tensor | None, ...]:
    axis = rec.attrs["axis"] % rec.output._value.ndim
    grads: list[Tensor | None] = []
    start = 0
    for t, need in zip(rec.inputs, needs):
        size = t._value.shape[axis]
        grads.append(xp.getitem(g, (slice(None),) * axis + (slice(start, start + size),)) if need else None)
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
    attrs=(Attr("axis", convert=as_int),), tf_names=("tf.concat",),
    doc="Concatenates tensors along one dimension.",
))
register(OpDef(
    "stack", lambda *arrays, axis: np.stack(arrays, axis=axis), vjp=_stack_vjp, arity=-1,
    derivative="∂L/∂a_k = g at index k along the stacked axis",
    attrs=(Attr("axis", 0, as_int),), tf_names=("tf.stack",),
    doc="Stacks a list of rank-R tensors into one rank-(R+1) tensor.",
))


def _scatter_forward(g: np.ndarray, shape: tuple[int, ...], key: object) -> np.ndarray:
    out = np.zeros(shape, dtype=g.dtype)
    np.add.at(out, key, g)  # add.at: repeated indices accumulate, as they must
    return out


register(OpDef(
    "getitem", lambda a, key: a[key], arity=1,
    vjp=lambda xp, g, rec, needs: (xp.scatter_into(g, rec.inputs[0]._value.shape, rec.attrs["key"]),),
    derivative="∂L/∂a = g placed back at the selected positions, 0 elsewhere",
    attrs=(Attr("key"),), api="hand",
    doc="Selects elements of a tensor by index, slice or integer list (a[key]).",
))
register(OpDef(
    "scatter_into", _scatter_forward, arity=1,
    vjp=lambda xp, g, rec, needs: (xp.getitem(g, rec.attrs["key"]),),
    derivative="∂L/∂g = the selected positions of the upstream gradient",
    params=("g",), attrs=(Attr("shape", convert=as_shape), Attr("key")),
    doc="Places g into zeros of the given shape at the positions key selects.",
))
