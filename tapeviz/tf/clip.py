"""``tf.clip_by_norm``: rescale a tensor so that its L2 norm is at most ``clip_norm``.

Written with the engine's ops, in TensorFlow's order of operations (so the float32 result is
TF's), which makes it differentiable and lets a learner see each step in the trace: the squared
sum, the norm (0 stays 0, so an all-zero tensor is not divided by zero), then
``t × clip_norm / max(norm, clip_norm)``.
"""

from __future__ import annotations

from typing import Any

from .. import engine as _E

__all__ = ["clip_by_norm"]


def clip_by_norm(t: Any, clip_norm: Any, axes: Any = None, name: str | None = None) -> Any:
    """``t`` unchanged when its norm (over ``axes``, all by default) is at most ``clip_norm``,
    else ``t × clip_norm / norm``."""
    t = _E.convert(t)
    clip = _E.cast(clip_norm, t.dtype) if isinstance(clip_norm, _E.Tensor) else _E.constant(clip_norm, dtype=t.dtype)
    l2sum = _E.reduce_sum(t * t, axis=axes, keepdims=True)
    positive = _E.greater(l2sum, 0)
    safe = _E.where(positive, l2sum, _E.ones_like(l2sum))
    l2norm = _E.where(positive, _E.sqrt(safe), l2sum)
    return t * clip / _E.maximum(l2norm, clip)
