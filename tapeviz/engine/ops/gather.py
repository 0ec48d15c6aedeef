"""Selecting by integer indices and summing back by them: gather, gather_nd, unsorted_segment_sum.

``gather`` and ``gather_nd`` read rows (or single elements) of ``params`` at ``indices``; their
gradient adds each row of g back at the index it was read from — a row read twice gets both
— which is ``unsorted_segment_sum``, the op TensorFlow uses for it. TensorFlow hands that
gradient back as ``tf.IndexedSlices`` (the rows of g and their indices, not yet added up);
tapeviz hands back the dense tensor those slices add up to (``tf.convert_to_tensor`` of TF's
result): the same numbers, with zeros for the rows no index read.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..attrs import REQUIRED, Attr, as_int
from ..chain import ChainContext, SumOfProducts
from ..errors import InvalidArgumentError
from ..registry import OpDef, OpRecord, register
from ..tensor import Tensor

__all__: list[str] = []  # registers its ops; nothing to import from here


def _check_range(op: str, indices: np.ndarray, size: int) -> None:
    if indices.size and (indices.min() < 0 or indices.max() >= size):
        bad = indices[(indices < 0) | (indices >= size)].ravel()[0]
        where = tuple(int(i) for i in np.argwhere(indices == bad)[0])
        raise InvalidArgumentError(f"{op}: indices{list(where)} = {int(bad)} is not in [0, {size})")


# ---------------------------------------------------------------------------------------
# gather


def _gather_axis(params: np.ndarray, axis: Any) -> int:
    axis = 0 if axis is None else int(axis)
    if not -params.ndim <= axis < max(params.ndim, 1):
        raise ValueError(f"axis {axis} is out of range for params of rank {params.ndim}")
    return axis % params.ndim


def _gather_forward(params: np.ndarray, indices: np.ndarray, validate_indices: Any = None, axis: Any = None,
                    batch_dims: int = 0) -> np.ndarray:
    if batch_dims != 0:
        raise ValueError("batch_dims other than 0 are not supported")
    axis = _gather_axis(params, axis)
    _check_range("gather", indices, params.shape[axis])
    return np.take(params, indices, axis=axis)


def _gather_vjp(xp: Any, g: Tensor, rec: OpRecord, needs: tuple[bool, ...]) -> tuple[Tensor | None, ...]:
    params, indices = rec.inputs
    shape, idx = params._value.shape, indices._value
    axis = _gather_axis(params._value, rec.attrs.get("axis"))
    k = idx.ndim
    # g: shape[:axis] + idx.shape + shape[axis+1:]; bring the index axes to the front
    perm = [*range(axis, axis + k), *range(axis), *range(axis + k, len(shape) - 1 + k)]
    moved = xp.transpose(g, perm) if perm != list(range(len(perm))) else g
    rest = shape[:axis] + shape[axis + 1:]
    rows = xp.reshape(moved, (idx.size, *rest))
    summed = xp.unsorted_segment_sum(rows, idx.reshape(-1), shape[axis])  # (shape[axis], *rest)
    back = [*range(1, axis + 1), 0, *range(axis + 1, len(shape))]
    return (xp.transpose(summed, back) if back != list(range(len(back))) else summed, None)


def _gather_explain(c: ChainContext) -> SumOfProducts | None:
    params, indices = c.inputs
    if c.k != 0:
        return None
    axis = _gather_axis(params, c.attrs.get("axis"))
    row = c.element[axis]
    hits = np.argwhere(indices == row)
    g = np.asarray(c.upstream)
    terms = []
    for hit in hits:
        out = c.element[:axis] + tuple(int(h) for h in hit) + c.element[axis + 1:]
        terms.append((float(g[out]), 1.0))
    name = c.names[0]
    formula = f"Σ g at every output that read {name}{list(c.element)} (index {row} appears {len(hits)}×)"
    return SumOfProducts(formula, (("g", g.shape),), tuple(terms), float(c.sent[c.element]))


register(OpDef(
    "gather", _gather_forward, vjp=_gather_vjp, params=("params", "indices"), index_params=("indices",),
    derivative="∂L/∂params = g added back at the rows indices read (a row read twice gets both); "
               "TF returns these as IndexedSlices, tapeviz as the dense sum",
    explain=_gather_explain,
    attrs=(Attr("validate_indices", None, None, omit_default=True, doc="Ignored (as in TF 2)."),
           Attr("axis", None, None, omit_default=True, doc="The axis of params to gather from (default 0)."),
           Attr("batch_dims", 0, as_int, omit_default=True, doc="Only 0 is supported.")),
    tf_names=("tf.gather",),
    doc="Gathers slices from params along an axis according to indices.",
))


# ---------------------------------------------------------------------------------------
# gather_nd


def _nd_positions(params_shape: tuple[int, ...], indices: np.ndarray) -> np.ndarray:
    """The flat index (over params' first k axes) each index vector of ``indices`` names."""
    k = indices.shape[-1]
    if k > len(params_shape):
        raise ValueError(f"index vectors of length {k} are longer than params' rank {len(params_shape)}")
    for axis in range(k):
        _check_range("gather_nd", indices[..., axis], params_shape[axis])
    if k == 0:
        return np.zeros(indices.shape[:-1], dtype=np.int64)
    return np.ravel_multi_index(tuple(np.moveaxis(indices, -1, 0)), params_shape[:k])


def _gather_nd_forward(params: np.ndarray, indices: np.ndarray, batch_dims: int = 0) -> np.ndarray:
    if batch_dims != 0:
        raise ValueError("batch_dims other than 0 are not supported")
    if indices.ndim == 0:
        raise ValueError("indices must be at least 1-D (the last axis holds index vectors)")
    k = indices.shape[-1]
    flat = _nd_positions(params.shape, indices)
    rows = params.reshape((-1, *params.shape[k:])) if k else params[None]
    return rows[flat]


def _gather_nd_vjp(xp: Any, g: Tensor, rec: OpRecord, needs: tuple[bool, ...]) -> tuple[Tensor | None, ...]:
    params, indices = rec.inputs
    shape, idx = params._value.shape, indices._value
    k = idx.shape[-1]
    flat = _nd_positions(shape, idx)
    rows = xp.reshape(g, (flat.size, *shape[k:]))
    summed = xp.unsorted_segment_sum(rows, flat.reshape(-1), int(np.prod(shape[:k], dtype=np.int64)))
    return (xp.reshape(summed, shape), None)


register(OpDef(
    "gather_nd", _gather_nd_forward, vjp=_gather_nd_vjp, params=("params", "indices"), index_params=("indices",),
    derivative="∂L/∂params = g added back at the positions the index vectors name (TF: IndexedSlices; "
               "tapeviz: their dense sum)",
    attrs=(Attr("batch_dims", 0, as_int, omit_default=True, doc="Only 0 is supported."),),
    tf_names=("tf.gather_nd",),
    doc="Gathers slices (or elements) from params at the index vectors in the last axis of indices.",
))


# ---------------------------------------------------------------------------------------
# unsorted_segment_sum: the gradient of the two above


def _segment_sum_forward(data: np.ndarray, segment_ids: np.ndarray, num_segments: int) -> np.ndarray:
    ids = np.asarray(segment_ids)
    if data.shape[:ids.ndim] != ids.shape:
        raise ValueError(f"segment_ids {ids.shape} must be a prefix of data's shape {data.shape}")
    if ids.size and ids.max() >= num_segments:
        raise InvalidArgumentError(f"unsorted_segment_sum: segment id {int(ids.max())} is not in [0, {num_segments})")
    out = np.zeros((num_segments, *data.shape[ids.ndim:]), dtype=data.dtype)
    keep = ids >= 0  # TF drops negative ids
    np.add.at(out, ids[keep], data[keep])
    return out


def _segment_sum_vjp(xp: Any, g: Tensor, rec: OpRecord, needs: tuple[bool, ...]) -> tuple[Tensor | None, ...]:
    ids = rec.inputs[1]._value
    if ids.size and ids.min() < 0:  # rows with a dropped (negative) id get no gradient
        taken = xp.gather(g, np.maximum(ids, 0))
        mask = (ids >= 0).reshape(ids.shape + (1,) * (g._value.ndim - 1) if isinstance(g, Tensor) else
                                  ids.shape + (1,) * (np.ndim(g) - 1)).astype(rec.output._value.dtype)
        return (xp.multiply(taken, mask), None)
    return (xp.gather(g, ids), None)


register(OpDef(
    "unsorted_segment_sum", _segment_sum_forward, vjp=_segment_sum_vjp,
    params=("data", "segment_ids"), index_params=("segment_ids",),
    derivative="∂L/∂data = g at each row's segment (gather(g, segment_ids))",
    attrs=(Attr("num_segments", REQUIRED, as_int, doc="How many segments (rows) the result has."),),
    tf_names=("tf.math.unsorted_segment_sum",),
    doc="Computes the sum along segments of a tensor: row s of the result adds the rows of data whose id is s.",
))
