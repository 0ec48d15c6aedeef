"""tapeviz's own exception types: what a learner can cause, named so a UI can show one line."""

from __future__ import annotations

__all__ = [
    "DTypeError", "InvalidArgumentError", "OpError", "ProgramError", "ShapeError", "TapeError", "TapevizError",
]


class TapevizError(Exception):
    """Base class of every error tapeviz raises on purpose."""


class OpError(TapevizError):
    """An op could not run on the arguments it was given (TensorFlow's ``tf.errors.OpError``)."""


class InvalidArgumentError(OpError):
    """An op received arguments it cannot accept (TensorFlow's ``tf.errors.InvalidArgumentError``).

    ShapeError and DTypeError are kinds of it, so ``except tf.errors.InvalidArgumentError``
    catches a shape or dtype mismatch as it does in TensorFlow.
    """


class ShapeError(InvalidArgumentError, ValueError):
    """An op received shapes it cannot combine (matmul inner dims, broadcasting, reshape size)."""


class DTypeError(InvalidArgumentError, TypeError):
    """Incompatible dtypes, e.g. float32 mixed with float64, or differentiating an integer."""


class TapeError(TapevizError, RuntimeError):
    """A GradientTape used the wrong way (second gradient() on a non-persistent tape, ...)."""


class ProgramError(TapevizError):
    """A user's program failed to compile or raised; carries the program's own frames only."""

    def __init__(self, message: str, details: str = "") -> None:
        super().__init__(message)
        self.details = details
