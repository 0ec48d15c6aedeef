"""``tf.linalg``: the ops whose definitions list a ``tf.linalg.<name>`` (matmul, inv, solve, band_part, norm)."""

from __future__ import annotations

from typing import Any

from ..engine import eye
from ..keras.missing import missing_name
from ._exposed import expose

__all__: list[str] = ["eye"]
expose(globals(), "tf.linalg", __all__)


def __getattr__(name: str) -> Any:
    raise missing_name("tapeviz.tf.linalg", name, __all__, "the tf.linalg functions that autodiff tutorials use")
