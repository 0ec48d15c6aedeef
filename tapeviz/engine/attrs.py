"""An op's keyword attributes (``axis``, ``shape``, ...) and how API arguments become them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["REQUIRED", "Attr", "as_axis", "as_int", "as_ord", "as_perm", "as_shape"]


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Any = _Required()  # an attribute the caller must pass (no default)


@dataclass(frozen=True)
class Attr:
    """One keyword attribute of an op's API function.

    ``convert`` turns the caller's argument into the value recorded with the op (``as_axis``:
    a tensor or list becomes ints). With ``omit_default`` the attribute is left out of the
    record when it equals its default, so ``reduce_sum(x)`` records no attributes at all.
    """

    name: str
    default: Any = REQUIRED
    convert: Callable[[Any], Any] | None = None
    omit_default: bool = False
    doc: str = field(default="", compare=False)  # one line for help(): what the argument means


def _plain(value: Any) -> Any:
    """A tensor's value as Python data (a tensor has ``_value``; no import of tensor.py needed)."""
    inner = getattr(value, "_value", None)
    return inner.tolist() if isinstance(inner, np.ndarray) else value


def as_int(value: Any) -> int:
    if type(value) is int:  # the common case, and it runs for every call of softmax, concat, ...
        return value
    return int(_plain(value))


def as_axis(axis: Any) -> Any:
    """None, one int, or a tuple of ints."""
    if axis is None or type(axis) is int:  # the common cases, and they run for every reduction
        return axis
    axis = _plain(axis)
    if axis is None:
        return None
    if isinstance(axis, (list, tuple, np.ndarray)):
        return tuple(int(a) for a in axis)
    return int(axis)


def as_shape(shape: Any) -> tuple[int, ...]:
    shape = _plain(shape)
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    return tuple(int(d) for d in shape)


def as_perm(perm: Any) -> tuple[int, ...] | None:
    return None if perm is None else as_shape(perm)


def as_ord(value: Any) -> Any:
    """A norm's order: 'euclidean', 'fro', or a number (ints stay ints so the record reads ``ord=1``)."""
    value = getattr(value, "_value", value)
    if isinstance(value, str):
        return value
    number = float(np.asarray(value))
    return int(number) if number.is_integer() else number
