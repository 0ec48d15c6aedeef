"""Small local ids for a trace: engine ids renumbered in order of first appearance."""

from __future__ import annotations

__all__ = ["LocalIds"]


class LocalIds:
    """Maps engine ids to small local ids, in order of first appearance (0 stays 0: none)."""

    def __init__(self) -> None:
        self._map: dict[int, int] = {}

    def __call__(self, raw: int) -> int:
        if not raw:
            return 0
        local = self._map.get(raw)
        if local is None:
            local = self._map[raw] = len(self._map) + 1
        return local
