"""An op's keyword attributes (``axis``, ``shape``, ...) and how API arguments become them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["REQUIRED", "Attr", "as_axis", "as_int", "as_ksize", "as_ord", "as_pad_mode", "as_padding", "as_paddings", "as_perm", "as_scalar", "as_shape", "as_strides"]


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


def _pair_of(value: Any, what: str) -> tuple[int, int]:
    """TF's 2-D window numbers: one int, ``[h, w]``, or ``[1, h, w, 1]`` (NHWC)."""
    value = _plain(value)
    items = [int(value)] if isinstance(value, (int, np.integer)) else [int(v) for v in value]
    if len(items) == 1:
        return items[0], items[0]
    if len(items) == 2:
        return items[0], items[1]
    if len(items) == 4:
        if items[0] != 1 or items[3] != 1:
            raise ValueError(f"{what} over the batch or channel dimension are not supported: {items}")
        return items[1], items[2]
    raise ValueError(f"{what} must be an int or a list of 1, 2 or 4 ints, got {items}")


def as_strides(value: Any) -> tuple[int, int]:
    """A 2-D op's ``strides``: ``(stride_h, stride_w)``, each at least 1."""
    pair = _pair_of(value, "strides")
    if min(pair) < 1:
        raise ValueError(f"strides must be positive, got {pair}")
    return pair


def as_ksize(value: Any) -> tuple[int, int]:
    """A pool's window ``ksize``: ``(height, width)``, each at least 1."""
    pair = _pair_of(value, "ksize")
    if min(pair) < 1:
        raise ValueError(f"ksize must be positive, got {pair}")
    return pair


def as_padding(value: Any) -> str:
    """``"SAME"`` or ``"VALID"`` (any case), as TF spells them."""
    if isinstance(value, str) and value.upper() in ("SAME", "VALID"):
        return value.upper()
    raise ValueError(f"padding must be 'SAME' or 'VALID', got {value!r} (explicit padding lists are not supported)")


def as_paddings(value: Any) -> tuple[tuple[int, int], ...]:
    """``pad``'s ``paddings``: one ``(before, after)`` pair of non-negative ints per axis."""
    value = _plain(value)
    pairs = tuple((int(a), int(b)) for a, b in (tuple(p) for p in value))
    if any(a < 0 or b < 0 for a, b in pairs):
        raise ValueError(f"paddings must be non-negative, got {[list(p) for p in pairs]}")
    return pairs


def as_pad_mode(value: Any) -> str:
    """``pad``'s ``mode``: CONSTANT, REFLECT or SYMMETRIC (any case), as TF spells them."""
    if isinstance(value, str) and value.upper() in ("CONSTANT", "REFLECT", "SYMMETRIC"):
        return value.upper()
    raise ValueError(f"pad: mode must be one of CONSTANT, REFLECT or SYMMETRIC, got {value!r}")


def as_scalar(value: Any) -> Any:
    """One number as a Python int or float (a scalar tensor or array gives its value)."""
    value = _plain(value)
    if isinstance(value, (list, tuple)) or np.ndim(value) != 0:
        raise ValueError(f"expected one number, got {value!r:.60}")
    item = np.asarray(value).item()
    if isinstance(item, bool) or not isinstance(item, (int, float)):
        raise ValueError(f"expected a number, got {value!r:.60}")
    return item
