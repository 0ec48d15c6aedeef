"""Jacobians from repeated backward passes: one pass per element of the target, seeded with a one-hot."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from . import api
from .gradient_args import UnconnectedGradients, check_sources, check_targets, finish
from .nest import flatten, pack_like
from .tensor import Tensor, Variable

__all__ = ["batch_jacobian", "jacobian"]

Backward = Callable[[list[Tensor], list[Tensor], list[Tensor]], list["Tensor | None"]]


def jacobian(backward: Backward, target: Any, sources: Any, how: UnconnectedGradients) -> Any:
    """Full Jacobian: result[s] has shape ``target.shape + source.shape``."""
    # stacklevel 5: the warnings name the caller of GradientTape.jacobian (via _jacobian_call)
    if isinstance(target, Variable) or not isinstance(target, Tensor):
        check_targets(target, flatten(target), stacklevel=5)
    flat_sources = flatten(sources)
    check_sources(flat_sources, stacklevel=5)
    n = target._value.size
    rows: list[list[Tensor | None]] = []
    for i in range(n):
        seed = np.zeros(n, dtype=target._value.dtype)
        seed[i] = 1
        rows.append(backward([target], [api.convert(seed.reshape(target._value.shape))], flat_sources))
    result = []
    for k, src in enumerate(flat_sources):
        column = [row[k] for row in rows]
        if all(g is None for g in column):
            result.append(finish(None, src, how) if how is UnconnectedGradients.NONE
                          else api.zeros(target._value.shape + src._value.shape, src._value.dtype))
            continue
        filled = [g if g is not None else api.zeros_like(src) for g in column]
        stacked = api.stack(filled, axis=0) if filled else api.zeros((0,) + src._value.shape, src._value.dtype)
        result.append(api.reshape(stacked, target._value.shape + src._value.shape))
    return pack_like(sources, result)


def batch_jacobian(backward: Backward, target: Tensor, source: Tensor, how: UnconnectedGradients) -> Tensor | None:
    """Per-example Jacobian: shape ``(batch,) + target.shape[1:] + source.shape[1:]``.

    Assumes example i of the target depends only on example i of the source (as TF does), so
    one pass per element of an example gives that column for every example at once.
    """
    tshape, sshape = target._value.shape, source._value.shape
    for t in (target, source):
        if t._value.ndim < 2:
            raise ValueError(f"Shape {t.shape} must have rank at least 2")
    if tshape[0] != sshape[0]:
        raise ValueError(
            f"batch_jacobian(): target {tshape} and source {sshape} need the same first (batch) dimension"
        )
    batch = tshape[0]
    inner = int(np.prod(tshape[1:], dtype=np.int64))
    columns: list[Tensor] = []
    connected = False
    for j in range(inner):
        seed = np.zeros((batch, inner), dtype=target._value.dtype)
        seed[:, j] = 1
        (g,) = backward([target], [api.convert(seed.reshape(tshape))], [source])
        if g is not None:
            connected = True
        columns.append(g if g is not None else api.zeros_like(source))
    if not connected:
        if how is UnconnectedGradients.NONE:
            return None
        return api.zeros((batch,) + tshape[1:] + sshape[1:], source._value.dtype)
    stacked = api.stack(columns, axis=1)  # (batch, inner, *source[1:])
    return api.reshape(stacked, (batch,) + tshape[1:] + sshape[1:])
