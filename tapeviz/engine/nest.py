"""TF's ``nest`` rules for the tape: nested lists/tuples/dicts of tensors, flattened and rebuilt."""

from __future__ import annotations

from typing import Any

__all__ = ["flatten", "pack_like"]


def flatten(structure: Any) -> list[Any]:
    """Leaves of a nested list/tuple/dict in order (dict values sorted by key, as TF's nest)."""
    if isinstance(structure, dict):
        out: list[Any] = []
        for key in _sorted_keys(structure):
            out.extend(flatten(structure[key]))
        return out
    if isinstance(structure, (list, tuple)):
        out = []
        for item in structure:
            if isinstance(item, (dict, list, tuple)):
                out.extend(flatten(item))
            else:
                out.append(item)
        return out
    return [structure]


def _sorted_keys(d: dict) -> list[Any]:
    try:
        return sorted(d)
    except TypeError:
        return list(d)


def pack_like(structure: Any, flat: list[Any]) -> Any:
    """``flat`` (as ``flatten`` ordered it) put back into the shape of ``structure``."""
    it = iter(flat)

    def build(s: Any) -> Any:
        if isinstance(s, dict):
            built = {k: build(s[k]) for k in _sorted_keys(s)}
            return {k: built[k] for k in s}
        if isinstance(s, tuple) and hasattr(s, "_fields"):
            return type(s)(*[build(x) for x in s])
        if isinstance(s, (list, tuple)):
            return type(s)([build(x) if isinstance(x, (dict, list, tuple)) else next(it) for x in s])
        return next(it)

    return build(structure)
