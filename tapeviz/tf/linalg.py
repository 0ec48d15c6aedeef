"""``tf.linalg``: the ops whose definitions list a ``tf.linalg.<name>`` (matmul, inv, solve, band_part, norm)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import engine as _E
from ..engine import eye
from ..keras.missing import missing_name
from ._exposed import expose

__all__: list[str] = ["eye", "slogdet"]
expose(globals(), "tf.linalg", __all__)


def slogdet(input: Any, name: str | None = None) -> tuple[_E.Tensor, _E.Tensor]:
    """``(sign, log|det|)`` of one or more square matrices, as ``tf.linalg.slogdet``.

    ``log|det|`` is one recorded op (``log_abs_det``, gradient ``(a⁻¹)ᵀ``); the sign is a
    constant (it changes only by jumps: no gradient flows through it, as in TF).
    """
    a = _E.convert(input)
    log_abs = _E.log_abs_det(a, name=name)
    sign = np.linalg.slogdet(np.asarray(a._value))[0].astype(a._value.dtype)
    return _E.constant(sign), log_abs


def __getattr__(name: str) -> Any:
    raise missing_name("tapeviz.tf.linalg", name, __all__, "the tf.linalg functions that autodiff tutorials use")
