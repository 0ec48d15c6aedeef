"""JSON encoding of frozen dataclasses (events, source sites) driven by their fields' types.

One encoder and one decoder are built per type from the dataclass's annotations, so a new event
kind or a new field needs no codec code: ints, floats, bools and strings are JSON values; tuples
are lists; ``X | None`` is ``null`` or ``X``; an ``np.ndarray`` is ``{"array": k}``, a reference
into the archive's ``arrays/k.npy``; a nested dataclass (``TensorRef``) is an object; ``Any``
(op attributes) uses the small tagged encoding of :func:`attr_to_json`.

Decoding checks every value's JSON type and raises :class:`CorruptField` naming where it was
(``event 3.inputs[1].variable should be a string``). A field missing from the file loads as the
dataclass's default, so events can grow fields and old files still load.
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from collections.abc import Callable
from typing import Any, Protocol

import numpy as np

from ..engine import events

__all__ = [
    "ALLOWED_DTYPE_KINDS",
    "KINDS",
    "ArrayTable",
    "CorruptField",
    "attr_from_json",
    "attr_to_json",
    "decode_dataclass",
    "decode_event",
    "decoder",
    "encode_dataclass",
    "encode_event",
    "encoder",
]

KINDS: dict[str, type] = {
    "op": events.OpRecorded,
    "gradient_started": events.GradientStarted,
    "backward": events.BackwardStep,
    "accumulated": events.GradientAccumulated,
    "gradients_returned": events.GradientsReturned,
    "assigned": events.VariableAssigned,
}
"""The ``"kind"`` written for each event class (the names version 1 files use)."""
_KIND_OF = {cls: kind for kind, cls in KINDS.items()}

ALLOWED_DTYPE_KINDS = "fiub"
"""numpy dtype kinds a file may hold: float, signed and unsigned integer, bool."""


class CorruptField(ValueError):
    """A value in the document does not have its field's type; the message says where."""


class ArrayReader(Protocol):
    """What decoding needs from the archive: the array an ``{"array": k}`` reference names."""

    def array(self, ref: Any, where: str) -> np.ndarray: ...


class ArrayTable:
    """Arrays collected while encoding; each distinct array object is stored once."""

    def __init__(self) -> None:
        self.arrays: list[np.ndarray] = []
        self._index: dict[int, int] = {}

    def ref(self, value: np.ndarray) -> dict[str, int]:
        """The ``{"array": k}`` reference of ``value`` (events share arrays by reference)."""
        k = self._index.get(id(value))
        if k is None:
            k = self._index[id(value)] = len(self.arrays)
            self.arrays.append(value)
        return {"array": k}


Encoder = Callable[[Any, ArrayTable], Any]
Decoder = Callable[[Any, str, ArrayReader], Any]


# ---- op attributes (typed Any): a few tagged forms -------------------------------------------


def attr_to_json(value: Any) -> Any:
    """An op attribute as JSON: scalars as is, tuples/slices/Ellipsis/arrays tagged."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, tuple):
        return {"tuple": [attr_to_json(v) for v in value]}
    if isinstance(value, list):
        return [attr_to_json(v) for v in value]
    if isinstance(value, slice):
        return {"slice": [value.start, value.stop, value.step]}
    if value is Ellipsis:
        return {"ellipsis": True}
    if isinstance(value, np.ndarray):
        return {"ndarray": value.tolist()}
    raise TypeError(f"cannot save attribute value of type {type(value).__name__}")


def _slice_bound(v: Any) -> int | None:
    if v is None or (isinstance(v, int) and not isinstance(v, bool)):
        return v
    raise ValueError(f"bad slice bound {v!r}")


def attr_from_json(value: Any) -> Any:
    """The inverse of :func:`attr_to_json`; ``ValueError`` for anything it did not write."""
    if isinstance(value, dict):
        if isinstance(value.get("tuple"), list):
            return tuple(attr_from_json(v) for v in value["tuple"])
        if isinstance(value.get("slice"), list) and len(value["slice"]) == 3:
            return slice(*(_slice_bound(v) for v in value["slice"]))
        if value.get("ellipsis") is True:
            return Ellipsis
        if "ndarray" in value:
            arr = np.asarray(value["ndarray"])  # ValueError for ragged lists
            if arr.dtype.kind not in ALLOWED_DTYPE_KINDS:
                raise ValueError(f"attribute array of unsupported dtype {arr.dtype}")
            return arr
        raise ValueError(f"unknown attribute encoding {sorted(value)}")
    if isinstance(value, list):
        return [attr_from_json(v) for v in value]
    return value


# ---- building an encoder and a decoder per type ----------------------------------------------


def _optional_inner(tp: Any) -> Any | None:
    """``X`` when ``tp`` is ``X | None``, else None."""
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1 and len(typing.get_args(tp)) == 2:
            return args[0]
        raise TypeError(f"only 'X | None' unions can be saved, not {tp}")
    return None


@functools.cache
def _field_plan(cls: type) -> tuple[tuple[str, Any, Any], ...]:
    """``(name, type, default)`` per field; default is ``dataclasses.MISSING`` when required."""
    hints = typing.get_type_hints(cls)
    plan = []
    for f in dataclasses.fields(cls):
        if f.default is not dataclasses.MISSING:
            default = f.default
        elif f.default_factory is not dataclasses.MISSING:
            default = f.default_factory()
        else:
            default = dataclasses.MISSING
        plan.append((f.name, hints[f.name], default))
    return tuple(plan)


@functools.cache
def encoder(tp: Any) -> Encoder:
    """A function turning a value of type ``tp`` into JSON (arrays go into the table)."""
    if tp is np.ndarray:
        return lambda v, table: table.ref(v)
    if tp in (int, float, str, bool):
        return lambda v, table: tp(v)  # numpy scalars become plain Python values
    if tp is Any:
        return lambda v, table: attr_to_json(v)
    inner = _optional_inner(tp)
    if inner is not None:
        enc = encoder(inner)
        return lambda v, table: None if v is None else enc(v, table)
    if typing.get_origin(tp) is tuple:
        args = typing.get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            item = encoder(args[0])
            return lambda v, table: [item(x, table) for x in v]
        items = [encoder(a) for a in args]
        return lambda v, table: [enc(x, table) for enc, x in zip(items, v, strict=True)]
    if dataclasses.is_dataclass(tp):
        fields = [(name, encoder(ftp)) for name, ftp, _ in _field_plan(tp)]
        return lambda v, table: {name: enc(getattr(v, name), table) for name, enc in fields}
    raise TypeError(f"no file encoding for type {tp!r}")


def _fail(where: str, what: str) -> CorruptField:
    return CorruptField(f"{where} should be {what}")


def _scalar_decoder(tp: type) -> Decoder:
    what = {int: "an integer", float: "a number", str: "a string", bool: "true or false"}[tp]

    def decode(v: Any, where: str, arrays: ArrayReader) -> Any:
        if tp is float and isinstance(v, int) and not isinstance(v, bool):
            return float(v)
        if type(v) is not tp:  # JSON gives exact types; a bool is not an integer here
            raise _fail(where, what)
        return v

    return decode


def _attr_decoder(v: Any, where: str, arrays: ArrayReader) -> Any:
    try:
        return attr_from_json(v)
    except (TypeError, ValueError, RecursionError) as exc:
        raise CorruptField(f"{where}: {exc}") from None


@functools.cache
def decoder(tp: Any) -> Decoder:
    """A function turning JSON back into a value of type ``tp``, checking it on the way."""
    if tp is np.ndarray:
        return lambda v, where, arrays: arrays.array(v, where)
    if tp in (int, float, str, bool):
        return _scalar_decoder(tp)
    if tp is Any:
        return _attr_decoder
    inner = _optional_inner(tp)
    if inner is not None:
        dec = decoder(inner)
        return lambda v, where, arrays: None if v is None else dec(v, where, arrays)
    if typing.get_origin(tp) is tuple:
        return _tuple_decoder(typing.get_args(tp))
    if dataclasses.is_dataclass(tp):
        return functools.partial(decode_dataclass, tp)
    raise TypeError(f"no file decoding for type {tp!r}")


def _tuple_decoder(args: tuple[Any, ...]) -> Decoder:
    if len(args) == 2 and args[1] is Ellipsis:
        item = decoder(args[0])

        def decode_items(v: Any, where: str, arrays: ArrayReader) -> tuple[Any, ...]:
            if not isinstance(v, list):
                raise _fail(where, "a list")
            return tuple([item(x, f"{where}[{k}]", arrays) for k, x in enumerate(v)])

        return decode_items
    items = [decoder(a) for a in args]

    def decode_fixed(v: Any, where: str, arrays: ArrayReader) -> tuple[Any, ...]:
        if not isinstance(v, list) or len(v) != len(items):
            raise _fail(where, f"a list of {len(items)} values")
        return tuple(dec(x, f"{where}[{k}]", arrays) for k, (dec, x) in enumerate(zip(items, v)))

    return decode_fixed


def encode_dataclass(value: Any, table: ArrayTable) -> dict[str, Any]:
    """Every field of a dataclass instance as a JSON object."""
    return encoder(type(value))(value, table)


def decode_dataclass(cls: type, d: Any, where: str, arrays: ArrayReader) -> Any:
    """An instance of ``cls`` from a JSON object; absent fields take their defaults."""
    if not isinstance(d, dict):
        raise _fail(where, "an object")
    kwargs = {}
    for name, tp, default in _field_plan(cls):
        if name in d:
            kwargs[name] = decoder(tp)(d[name], f"{where}.{name}", arrays)
        elif default is dataclasses.MISSING:
            raise CorruptField(f"{where}.{name} is missing")
        else:
            kwargs[name] = default
    return cls(**kwargs)


def encode_event(event: Any, table: ArrayTable) -> dict[str, Any]:
    """An event as ``{"kind": ..., <fields>}``."""
    kind = _KIND_OF.get(type(event))
    if kind is None:
        raise TypeError(f"cannot save event of type {type(event).__name__}")
    return {"kind": kind, **encode_dataclass(event, table)}


def decode_event(d: Any, where: str, arrays: ArrayReader) -> Any:
    """An event from its JSON object, its class chosen by ``"kind"``."""
    if not isinstance(d, dict):
        raise CorruptField(f"{where} is not an object")
    kind = d.get("kind")
    cls = KINDS.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise CorruptField(f"{where} has unknown kind {kind!r}")
    return decode_dataclass(cls, d, where, arrays)


for _cls in KINDS.values():  # an event field of a type with no encoding fails at import
    encoder(_cls)
    decoder(_cls)
