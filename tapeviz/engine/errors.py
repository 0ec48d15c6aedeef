"""tapeviz's own exception types: what a learner can cause, named so a UI can show one line."""

from __future__ import annotations


class TapevizError(Exception):
    """Base class of every error tapeviz raises on purpose."""


class ShapeError(TapevizError, ValueError):
    """An op received shapes it cannot combine (matmul inner dims, broadcasting, reshape size)."""


class DTypeError(TapevizError, TypeError):
    """Incompatible dtypes, e.g. float32 mixed with float64, or differentiating an integer."""


class TapeError(TapevizError, RuntimeError):
    """A GradientTape used the wrong way (second gradient() on a non-persistent tape, ...)."""


class TraceFileError(TapevizError):
    """A saved trace that cannot be read: missing, empty, truncated, corrupted or too new."""


class ProgramError(TapevizError):
    """A user's program failed to compile or raised; carries the program's own frames only."""

    def __init__(self, message: str, details: str = "") -> None:
        super().__init__(message)
        self.details = details
