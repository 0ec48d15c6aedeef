"""``tf.math``: the ops whose definitions list a ``tf.math.<name>`` (most top-level ones, plus ``log``)."""

from __future__ import annotations

from typing import Any

from ._exposed import expose

__all__: list[str] = []
expose(globals(), "tf.math", __all__)


def __getattr__(name: str) -> Any:
    raise AttributeError(f"tapeviz.tf.math has no {name!r} (see dir(tapeviz.tf.math) for what is there)")
