"""``tf.saved_model``: not done in tapeviz, with one error that says why."""

from __future__ import annotations

from typing import Any

from ..engine.errors import TapevizError

__all__ = ["OutOfScopeError", "SaveOptions", "load", "save"]


class OutOfScopeError(TapevizError, NotImplementedError):
    """A TensorFlow feature that tapeviz deliberately leaves out."""


def _refuse(what: str) -> OutOfScopeError:
    return OutOfScopeError(
        f"{what} is not done in tapeviz: a SavedModel is a serialized TensorFlow graph, and tapeviz runs "
        "eagerly on numpy, so there is no graph to export or load. Keep the weights with "
        "model.get_weights() / numpy.save instead."
    )


class SaveOptions:
    """``tf.saved_model.SaveOptions``: accepted and kept (a guide builds one before calling save),
    but ``save`` itself is not done in tapeviz."""

    def __init__(self, **options: Any) -> None:
        self.options = dict(options)
        for name, value in options.items():
            setattr(self, name, value)


def save(obj: Any, export_dir: Any, signatures: Any = None, options: Any = None) -> None:
    raise _refuse("tf.saved_model.save")


def load(export_dir: Any, tags: Any = None, options: Any = None) -> Any:
    raise _refuse("tf.saved_model.load")
