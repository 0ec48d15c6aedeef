"""Errors of the render layer: each one a single line a user can act on."""

from __future__ import annotations

from ..engine.errors import TapevizError

INSTALL_GRAPHVIZ = (
    "install Graphviz (Debian/Ubuntu: sudo apt-get install graphviz; macOS: brew install graphviz; "
    "others: https://graphviz.org/download/)"
)


class RenderError(TapevizError):
    """A drawing or export that cannot be made: bad event, unknown suffix, unwritable path."""


class GraphvizMissing(RenderError):
    """Graphviz's ``dot`` program is not installed (DOT text still works without it)."""

    def __init__(self, dot_path: str | None = None) -> None:
        where = f"; the DOT source was written to {dot_path}" if dot_path else ""
        super().__init__(f"Graphviz's 'dot' program was not found: {INSTALL_GRAPHVIZ}{where}")
        self.dot_path = dot_path


class PillowMissing(RenderError):
    """Pillow, needed only to assemble animated GIFs, is not installed."""

    def __init__(self) -> None:
        super().__init__(
            "writing a GIF needs Pillow: pip install 'tapeviz[gif]' (or pip install pillow); "
            "PNG frames work without it (--frames DIR)"
        )


__all__ = ["GraphvizMissing", "INSTALL_GRAPHVIZ", "PillowMissing", "RenderError"]
