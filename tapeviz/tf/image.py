"""``tf.image.adjust_contrast``: an op with a forward pass and, as in TensorFlow, no gradient rule.

TF's guide uses it to show what happens when a gradient is asked through such an op: the tape
raises ``LookupError: gradient registry has no entry for: AdjustContrastv2``. The op is
registered here under TF's op name with ``vjp=None``, so tapeviz's tape does the same.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import engine as _E
from ..engine.api import _pair
from ..engine.registry import REGISTRY, OpDef, apply, register

__all__ = ["adjust_contrast"]

_OP_NAME = "AdjustContrastv2"


def _forward(images: np.ndarray, factor: np.ndarray) -> np.ndarray:
    mean = images.mean(axis=(-3, -2), keepdims=True, dtype=np.float64).astype(images.dtype)
    return (images - mean) * factor + mean


def _describe(images: _E.Tensor, factor: _E.Tensor, **_: Any) -> str | None:
    if images.ndim < 3:
        return f"images of shape {tuple(images.shape)}: need at least 3 dimensions (height, width, channels)"
    if factor.ndim != 0:
        return f"contrast_factor of shape {tuple(factor.shape)}: must be a scalar"
    return None


_OP = REGISTRY.get(_OP_NAME) or register(OpDef(
    _OP_NAME, _forward, vjp=None,
    derivative="no gradient registered (TensorFlow has none for AdjustContrastv2)",
    describe=_describe, api="none",  # adjust_contrast below is its API function
))


def adjust_contrast(images: Any, contrast_factor: Any, name: str | None = None) -> _E.Tensor:
    """Per channel: ``(x − mean) · factor + mean``, the mean taken over height and width.

    ``images`` is ``[..., height, width, channels]`` of floats. There is no gradient: asking a
    tape for one through this op raises LookupError.
    """
    images = images if isinstance(images, _E.Tensor) else _E.convert(images)
    if images.dtype.is_integer:
        raise _E.DTypeError("adjust_contrast: tapeviz needs float images (use tf.cast(images, tf.float32))")
    images, factor = _pair(images, contrast_factor, _OP_NAME)
    problem = _describe(images, factor)
    if problem:
        raise _E.ShapeError(f"adjust_contrast: {problem}")
    return apply(_OP, (images, factor), None, name)


def __getattr__(name: str) -> Any:
    raise AttributeError(f"tapeviz.tf.image has only adjust_contrast, not {name!r}")
