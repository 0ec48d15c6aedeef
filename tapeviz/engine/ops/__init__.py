"""Every op tapeviz knows, one ``OpDef`` each, grouped by family (importing this registers them).

A VJP receives the op namespace ``xp`` to compute with, the upstream gradient ``g`` (the
gradient of the final target with respect to the op's output), the op's record (inputs,
output, attrs) and which inputs need a gradient. It may return gradients in the broadcast
output shape: the backward walk reduces them to each input's shape in one place.
"""

from __future__ import annotations

from ..registry import REGISTRY
from . import arrays, binary, conv, einsum, gather, linalg, nn, reductions, selection, shape, unary  # noqa: F401

__all__ = ["BUILTIN"]

# The ops tapeviz itself defines (engine/_generated_api.py holds their API functions); a
# program may register more later.
BUILTIN: tuple[str, ...] = tuple(REGISTRY)
