"""Checking and preparing what ``gradient()``/``jacobian()`` are given, with TF's messages."""

from __future__ import annotations

import enum
import warnings
from typing import Any

from . import api
from .errors import ShapeError
from .nest import flatten
from .tensor import Tensor

__all__ = ["UnconnectedGradients", "check_sources", "check_targets", "finish", "seeds", "unconnected"]


class UnconnectedGradients(enum.Enum):
    """What ``gradient()`` returns for a source the target does not depend on."""

    NONE = "none"
    ZERO = "zero"


def check_targets(target: Any, targets: list[Any], stacklevel: int = 3) -> None:
    """TF's errors for targets that are not tensors; a warning for integer targets."""
    if target is None:
        raise TypeError(
            "Argument `target` should be a list or nested structure of Tensors, Variables or "
            "CompositeTensors to be differentiated, but received None."
        )
    for t in targets:
        if t is None:
            raise TypeError("gradient(): a target is None; every target must be a tensor")
        if not isinstance(t, Tensor):
            raise TypeError(f"gradient(): targets must be tensors, got {type(t).__name__}")
        if t._value.dtype.kind != "f":  # (checked here: gradient() checks every call)
            _warn_unless_floating(t, "target", "; its gradients are None", stacklevel)


def check_sources(sources: list[Any], stacklevel: int = 3) -> None:
    """Sources must be tensors or variables; integer sources get a warning (and None)."""
    for s in sources:
        if not isinstance(s, Tensor):
            raise ValueError(f"gradient(): sources must be tensors or variables, got {type(s).__name__}")
        if s._value.dtype.kind != "f":
            _warn_unless_floating(s, "source", "", stacklevel)


def _warn_unless_floating(t: Tensor, role: str, consequence: str, stacklevel: int) -> None:
    """TF's warning for an integer (or bool) target or source: only floats have gradients."""
    warnings.warn(
        f"The dtype of the {role} tensor must be floating (e.g. tf.float32) when calling "
        f"GradientTape.gradient, got tf.{t._value.dtype.name}{consequence}",
        stacklevel=stacklevel + 1,  # one frame deeper than the check_* caller it speaks for
    )


def unconnected(value: Any) -> UnconnectedGradients:
    if isinstance(value, UnconnectedGradients):
        return value
    try:
        return UnconnectedGradients(value)
    except ValueError:
        raise ValueError(f"Unknown value for unconnected_gradients: {value!r}") from None


def seeds(targets: list[Tensor], output_gradients: Any) -> list[Tensor]:
    """The upstream gradient of each target: ones, or the matching ``output_gradients`` entry.

    As in TF, the list may be shorter than the targets (the rest get ones) and a None entry
    means ones.
    """
    given = [] if output_gradients is None else flatten(output_gradients)
    if len(given) > len(targets):
        raise ValueError(f"gradient(): {len(targets)} target(s) but {len(given)} output_gradients")
    out = []
    for k, t in enumerate(targets):
        g = given[k] if k < len(given) else None
        if g is None:
            out.append(api.ones_like(t))
            continue
        g = api.cast(g, t._value.dtype) if isinstance(g, Tensor) else api.convert(g, dtype=t._value.dtype)
        if g._value.shape != t._value.shape:
            raise ShapeError(
                f"gradient(): output_gradients of shape {g._value.shape} for a target of shape {t._value.shape}"
            )
        out.append(g)
    return out


def finish(g: Tensor | None, source: Tensor, how: UnconnectedGradients) -> Tensor | None:
    """A source's gradient as returned: zeros instead of None when asked for."""
    if g is None and how is UnconnectedGradients.ZERO:
        return api.zeros_like(source)
    return g
