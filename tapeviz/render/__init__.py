"""Render layer: a trace at an event as DOT text, images (PNG/SVG/PDF), frame sequences and GIFs.

Imports graphviz (the Python package; the ``dot`` program is needed only to draw images), never
Textual. ``dot_source`` works without Graphviz installed; ``render`` raises ``GraphvizMissing``.

``tapeviz.render`` is both this package and the function ``render``: once the package is
imported Python binds the name ``tapeviz.render`` to the module, so the module is made callable
and ``tapeviz.render(trace, "out.png", at=...)`` calls ``render`` either way.
"""

from __future__ import annotations

import sys
import types
from typing import Any

from .cursor import resolve_at
from .dot import dot_source
from .errors import GraphvizMissing, PillowMissing, RenderError
from .export import render, to_graphviz
from .styles import PALETTE


class _CallableModule(types.ModuleType):
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return render(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule

__all__ = ["GraphvizMissing", "PALETTE", "PillowMissing", "RenderError", "dot_source", "render", "resolve_at", "to_graphviz"]
