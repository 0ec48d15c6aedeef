"""Name scopes: ops created inside `name_scope("dense_1")` carry the scope path."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator

__all__ = ["current_scope", "name_scope"]

_stack: list[str] = []
_VALID = re.compile(r"^[A-Za-z0-9_.\-<>][A-Za-z0-9_.\-/<>]*$")


def current_scope() -> str:
    """The scope path of ops created now, e.g. ``simple_model/dense_1`` (empty at top level)."""
    return "/".join(_stack)


@contextlib.contextmanager
def name_scope(name: str) -> Iterator[str]:
    """Tag every op created inside the block with ``name`` appended to the scope path."""
    if not isinstance(name, str) or not name:
        raise ValueError(f"name_scope: the name must be a non-empty string, got {name!r}")
    name = name.strip("/")
    _stack.append(name)
    try:
        yield current_scope()
    finally:
        _stack.pop()
