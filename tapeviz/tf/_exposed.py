"""Fill a ``tf`` namespace with the op functions the registry says it exposes.

An op declares ``tf_names=("tf.add", "tf.math.add")``; ``expose(globals(), "tf.math", __all__)``
in ``tf/math.py`` then keeps ``tf.math.add`` equal to ``engine.api.add`` — also for ops
registered later, and it removes the name when the op is unregistered.
"""

from __future__ import annotations

from typing import Any

from ..engine import api
from ..engine.registry import OpDef, on_register

__all__ = ["expose"]


def expose(namespace: dict[str, Any], space: str, names: list[str]) -> None:
    """Keep ``namespace`` (a module's globals) and its ``names`` (``__all__``) in step with the registry."""

    def derive(op: OpDef, added: bool) -> None:
        for full in op.tf_names:
            where, _, short = full.rpartition(".")
            if where != space:
                continue
            if added:
                namespace[short] = getattr(api, op.name)
                names.append(short)
            else:
                namespace.pop(short, None)
                names.remove(short)

    on_register(derive)
