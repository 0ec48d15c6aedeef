"""``tf.nn``: activations and the sigmoid cross-entropy (from the op registry), the softmax cross-entropy on logits."""

from __future__ import annotations

from typing import Any

from .. import engine as _E
from ..keras.missing import missing_name
from ._exposed import expose

__all__ = ["softmax_cross_entropy_with_logits"]
expose(globals(), "tf.nn", __all__)  # activations and the softmax family, from their op definitions


def softmax_cross_entropy_with_logits(labels: Any, logits: Any, axis: int = -1, name: str | None = None) -> _E.Tensor:
    """Per-example ``−Σ labels · log_softmax(logits)`` along ``axis``."""
    logits = _E.convert(logits)
    labels = _E.cast(_E.convert(labels), logits.dtype)
    return _E.negative(_E.reduce_sum(_E.multiply(labels, _E.log_softmax(logits, axis=axis)), axis=axis), name=name)


def __getattr__(name: str) -> Any:
    raise missing_name("tapeviz.tf.nn", name, __all__, "the tf.nn functions that autodiff tutorials use")
