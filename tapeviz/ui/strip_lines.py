"""Drawing a scrollable pane from prepared lines: the shared part of the inspector and the
source pane, which build their ``Strip`` lines once per event and only crop them per row."""

from __future__ import annotations

from typing import Any

from textual.strip import Strip


class StripLines:
    """A mixin for a ``ScrollView`` that keeps its content as ``self._strips``."""

    _strips: list[Strip]
    scroll_offset: Any
    size: Any
    rich_style: Any

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width, base = self.size.width, self.rich_style
        index = y + scroll_y
        if index >= len(self._strips):
            return Strip.blank(width, base)
        return self._strips[index].apply_style(base).crop(scroll_x, scroll_x + width).extend_cell_length(width, base)

    @property
    def text(self) -> str:
        """The plain text shown (for tests and lessons)."""
        return "\n".join(strip.text.rstrip() for strip in self._strips)
