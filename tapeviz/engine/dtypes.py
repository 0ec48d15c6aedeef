"""TF-style dtype objects over numpy dtypes (``tf.float32`` prints as ``tf.float32``).

``tf.string`` holds byte strings (numpy ``S`` arrays of any width): lines a ``TextLineDataset``
reads, ``tf.constant("text")``. No op computes on them; they are data to look at.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["DType", "as_dtype", "bool_", "float16", "float32", "float64", "from_numpy", "int8", "int16", "int32", "int64", "string",
           "uint8"]


class DType:
    """A named dtype. Compares equal to itself, its name and the matching numpy dtype."""

    __slots__ = ("name", "np")

    def __init__(self, name: str, np_name: str | None = None) -> None:
        self.name = name
        self.np = np.dtype(np_name or name)

    @property
    def is_floating(self) -> bool:
        return self.np.kind == "f"

    @property
    def is_integer(self) -> bool:
        return self.np.kind in "iu"

    @property
    def is_bool(self) -> bool:
        return self.np.kind == "b"

    @property
    def as_numpy_dtype(self) -> type:
        return self.np.type

    def __eq__(self, other: object) -> bool:
        if isinstance(other, DType):
            return self.np == other.np
        try:
            other_np = np.dtype(other)  # type: ignore[arg-type]
        except TypeError:
            return other == self.name if isinstance(other, str) else False
        return other_np.kind == "S" if self.np.kind == "S" else self.np == other_np

    def __hash__(self) -> int:
        return hash(self.np)

    def __repr__(self) -> str:
        return f"tf.{self.name}"

    def __str__(self) -> str:
        return f"<dtype: '{self.name}'>"  # as TF prints it; repr is the ``tf.float32`` spelling


float16 = DType("float16")
float32 = DType("float32")
float64 = DType("float64")
int8 = DType("int8")
int16 = DType("int16")
int32 = DType("int32")
int64 = DType("int64")
uint8 = DType("uint8")
bool_ = DType("bool")
string = DType("string", "S")  # byte strings of any width compare equal to it

_BY_NP: dict[np.dtype, DType] = {d.np: d for d in (float16, float32, float64, int8, int16, int32, int64, uint8, bool_)}


def as_dtype(value: Any) -> DType:
    """Turn ``tf.float32``, ``np.float32``, ``"float32"`` or a numpy dtype into a DType."""
    if isinstance(value, DType):
        return value
    if isinstance(value, str) and value == "string":
        return string
    try:
        npd = np.dtype(value)
    except TypeError as exc:
        raise _dtype_error(f"not a dtype: {value!r}") from exc
    found = _BY_NP.get(npd)
    if found is None:
        if npd.kind == "S":
            return string
        raise _dtype_error(
            f"unsupported dtype {npd.name}: tapeviz supports float16/32/64, int8-64, uint8, bool and string")
    return found


def from_numpy(npd: np.dtype) -> DType:
    found = _BY_NP.get(npd)
    return found if found is not None else as_dtype(npd)


def _dtype_error(message: str) -> TypeError:
    """A DTypeError (a TypeError, as TF raises) without importing errors at module load."""
    from .errors import DTypeError

    return DTypeError(message)
