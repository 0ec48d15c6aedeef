"""``tf.errors``: the exception types an op raises when its arguments do not fit.

tapeviz's ShapeError and DTypeError are InvalidArgumentErrors, so TF code that catches
``tf.errors.InvalidArgumentError`` (or ``OpError``) catches them.
"""

from __future__ import annotations

from typing import Any

from ..engine.errors import InvalidArgumentError, OpError

__all__ = ["InvalidArgumentError", "OpError"]


def __getattr__(name: str) -> Any:
    raise AttributeError(f"tapeviz.tf.errors has {', '.join(__all__)}, not {name!r}")
