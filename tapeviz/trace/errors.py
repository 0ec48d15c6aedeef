"""Errors of the recording layer: trace files that cannot be written or read."""

from __future__ import annotations

from ..engine.errors import TapevizError

__all__ = ["TraceFileError"]


class TraceFileError(TapevizError):
    """A saved trace that cannot be read: missing, empty, truncated, corrupted or too new."""
