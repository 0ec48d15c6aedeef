"""tapeviz — see automatic differentiation: every op a GradientTape records, every backward
step with its numbers, every SGD update.

Only the engine is imported eagerly; the renderer (graphviz) and the UI (textual) load on use.
"""

from __future__ import annotations

from typing import Any

from .engine import (
    GradientTape,
    Tensor,
    UnconnectedGradients,
    Variable,
    constant,
    name_scope,
)
from .engine.errors import TapevizError

__version__ = "0.1.0"

_LAZY = {
    "record": ("tapeviz.trace", "record"),
    "Trace": ("tapeviz.trace", "Trace"),
    "load_trace": ("tapeviz.trace", "load_trace"),
    "run_program": ("tapeviz.trace", "run_program"),
    "to_graphviz": ("tapeviz.render", "to_graphviz"),
    "render": ("tapeviz.render", "render"),
    "step": ("tapeviz.jupyter", "step"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module 'tapeviz' has no attribute {name!r}")


__all__ = [
    "GradientTape", "Tensor", "TapevizError", "UnconnectedGradients", "Variable", "constant", "name_scope",
    *_LAZY,
]
