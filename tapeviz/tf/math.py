"""``tf.math``: the ops whose definitions list a ``tf.math.<name>`` (most top-level ones, plus ``log``)."""

from __future__ import annotations

from typing import Any

from ..keras.missing import missing_name
from ._exposed import expose

__all__: list[str] = []
expose(globals(), "tf.math", __all__)


def __getattr__(name: str) -> Any:
    raise missing_name("tapeviz.tf.math", name, __all__, "the tf.math functions that autodiff tutorials use")
