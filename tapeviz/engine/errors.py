"""tapeviz's own exception types: what a learner can cause, named so a UI can show one line."""

from __future__ import annotations

__all__ = [
    "DTypeError", "InvalidArgumentError", "OpError", "ProgramError", "ShapeError", "ShapeValueError", "TapeError",
    "TapevizError",
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


class ShapeValueError(ShapeError):
    """A shape problem TensorFlow reports as a plain ``ValueError``: a Keras layer's input,
    ``set_weights``, ``Variable.assign`` of another shape."""


# Tutorials print ``type(e).__name__``; TensorFlow names an op's bad arguments
# ``InvalidArgumentError`` and Keras's complaints ``ValueError``. tapeviz's classes keep their
# own identifiers (``except ShapeError``) but show TF's name, so a printed error reads as TF's.
for _cls, _shown in ((ShapeError, "InvalidArgumentError"), (DTypeError, "InvalidArgumentError"),
                     (ShapeValueError, "ValueError")):
    _cls.__name__ = _cls.__qualname__ = _shown


class TapeError(TapevizError, RuntimeError):
    """A GradientTape used the wrong way (second gradient() on a non-persistent tape, ...)."""


class ProgramError(TapevizError):
    """A user's program failed to compile or raised; carries the program's own frames only."""

    def __init__(self, message: str, details: str = "") -> None:
        super().__init__(message)
        self.details = details
