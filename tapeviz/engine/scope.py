"""Name scopes: ops created inside `name_scope("dense_1")` carry the scope path.

The scope path is per thread, as in TensorFlow: a thread's ops never carry another's scopes.
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Iterator

__all__ = ["current_scope", "name_scope", "scope_stack"]


class _Scopes(threading.local):
    def __init__(self) -> None:
        self.stack: list[str] = []


_scopes = _Scopes()


def scope_stack() -> list[str]:
    """The calling thread's stack of scope names (Keras layers push their names on it)."""
    return _scopes.stack

_VALID = re.compile(r"^[A-Za-z0-9_.\-<>][A-Za-z0-9_.\-/<>]*$")


def current_scope() -> str:
    """The scope path of ops created now, e.g. ``simple_model/dense_1`` (empty at top level)."""
    return "/".join(_scopes.stack)


@contextlib.contextmanager
def name_scope(name: str) -> Iterator[str]:
    """Tag every op created inside the block with ``name`` appended to the scope path."""
    if not isinstance(name, str) or not name:
        raise ValueError(f"name_scope: the name must be a non-empty string, got {name!r}")
    name = name.strip("/")
    stack = _scopes.stack
    stack.append(name)
    try:
        yield current_scope()
    finally:
        stack.pop()
