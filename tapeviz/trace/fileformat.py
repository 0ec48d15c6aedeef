"""The trace file format: a zip archive with ``trace.json`` and one ``.npy`` file per array.

Version 1 layout::

    trace.json      {"format": "tapeviz-trace", "version": 1, "title": ..., "meta": {...},
                     "arrays": N, "events": [{"kind": "op", ...}, ...]}
    arrays/0.npy    numpy arrays, read with allow_pickle=False
    ...

Arrays are referenced from the JSON as ``{"array": k}``. Loading never executes code: no
pickle, no eval; every count and size is checked before anything is allocated. Saving goes to
a temporary file that is renamed into place, so a failed save leaves nothing half-written.
"""

from __future__ import annotations

import io
import json
import math
import os
import tempfile
import zipfile
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from ..engine.errors import TraceFileError
from ..engine.events import (
    BackwardStep,
    Event,
    GradientAccumulated,
    GradientsReturned,
    GradientStarted,
    OpRecorded,
    TensorRef,
    VariableAssigned,
)
from .trace import Trace, from_events

FORMAT = "tapeviz-trace"
VERSION = 1
MAX_EVENTS = 5_000_000
MAX_ARRAYS = 10_000_000
MAX_ARRAY_BYTES = 1 << 30
MAX_TOTAL_BYTES = 4 << 30
MAX_JSON_BYTES = 1 << 30
_ALLOWED_KINDS = "fiub"
# What a damaged or hostile archive can raise while it is read (bad deflate data, an unknown
# compression method or zip version, an encrypted member, a lying header).
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, NotImplementedError, RuntimeError, OSError, EOFError)

# ---------------------------------------------------------------------------------------
# saving


class _ArrayTable:
    def __init__(self) -> None:
        self.arrays: list[np.ndarray] = []
        self._index: dict[int, int] = {}

    def ref(self, value: np.ndarray | None) -> Any:
        if value is None:
            return None
        # Events share arrays by reference; store each distinct array once.
        key = id(value)
        k = self._index.get(key)
        if k is None:
            k = self._index[key] = len(self.arrays)
            self.arrays.append(value)
        return {"array": k}


def _attr_to_json(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    if isinstance(value, tuple):
        return {"tuple": [_attr_to_json(v) for v in value]}
    if isinstance(value, list):
        return [_attr_to_json(v) for v in value]
    if isinstance(value, slice):
        return {"slice": [value.start, value.stop, value.step]}
    if value is Ellipsis:
        return {"ellipsis": True}
    if isinstance(value, np.ndarray):
        return {"ndarray": value.tolist()}
    raise TraceFileError(f"cannot save attribute value of type {type(value).__name__}")


def _tensor_json(ref: TensorRef, table: _ArrayTable) -> dict[str, Any]:
    out: dict[str, Any] = {"id": ref.id, "value": table.ref(ref.value)}
    if ref.variable is not None:
        out["variable"] = ref.variable
        out["trainable"] = ref.trainable
    return out


def _event_json(e: Event, table: _ArrayTable) -> dict[str, Any]:
    if isinstance(e, OpRecorded):
        return {
            "kind": "op", "op_id": e.op_id, "op": e.op, "scope": e.scope,
            "inputs": [_tensor_json(r, table) for r in e.inputs], "output": _tensor_json(e.output, table),
            "attrs": [[k, _attr_to_json(v)] for k, v in e.attrs], "tapes": list(e.tapes),
            "in_backward": e.in_backward,
        }
    if isinstance(e, GradientStarted):
        return {"kind": "gradient_started", "tape_id": e.tape_id, "targets": list(e.targets),
                "sources": list(e.sources), "seeds": [table.ref(s) for s in e.seeds]}
    if isinstance(e, BackwardStep):
        return {"kind": "backward", "tape_id": e.tape_id, "op_id": e.op_id, "op": e.op, "scope": e.scope,
                "output_id": e.output_id, "upstream": table.ref(e.upstream), "input_ids": list(e.input_ids),
                "input_grads": [table.ref(g) for g in e.input_grads]}
    if isinstance(e, GradientAccumulated):
        return {"kind": "accumulated", "tape_id": e.tape_id, "tensor_id": e.tensor_id,
                "before": table.ref(e.before), "added": table.ref(e.added), "total": table.ref(e.total)}
    if isinstance(e, GradientsReturned):
        return {"kind": "gradients_returned", "tape_id": e.tape_id, "targets": list(e.targets),
                "sources": list(e.sources), "grads": [table.ref(g) for g in e.grads]}
    if isinstance(e, VariableAssigned):
        return {"kind": "assigned", "variable_id": e.variable_id, "name": e.name, "method": e.method,
                "before": table.ref(e.before), "after": table.ref(e.after), "trainable": e.trainable}
    raise TraceFileError(f"cannot save event of type {type(e).__name__}")


def save_trace(trace: Trace, path: Any) -> Path:
    """Write ``trace`` to ``path`` (temporary file, then rename)."""
    path = Path(path)
    table = _ArrayTable()
    events = [_event_json(e, table) for e in trace.events]
    doc = {
        "format": FORMAT, "version": VERSION, "title": trace.title, "meta": _jsonable_meta(trace.meta),
        "arrays": len(table.arrays), "events": events,
    }
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise TraceFileError(f"{path}: cannot save: directory {directory} does not exist")
    if path.is_dir():
        raise TraceFileError(f"{path}: cannot save: it is a directory")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise TraceFileError(f"{path}: cannot save: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as raw, zipfile.ZipFile(raw, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("trace.json", json.dumps(doc, separators=(",", ":"), allow_nan=True))
            for k, arr in enumerate(table.arrays):
                buf = io.BytesIO()
                np.lib.format.write_array(buf, arr, allow_pickle=False)
                zf.writestr(f"arrays/{k}.npy", buf.getvalue())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; a saved trace is meant to be shared
        os.replace(tmp, path)
    except BaseException as exc:
        with _suppress():
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise TraceFileError(f"{path}: cannot save: {exc.strerror or exc}") from None
        raise
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _jsonable_meta(meta: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for k, v in meta.items():
        try:
            json.dumps(v)
        except (TypeError, ValueError):
            continue
        out[str(k)] = v
    return out


class _suppress:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> bool:
        return True


# ---------------------------------------------------------------------------------------
# loading


class _Reader:
    """Validates one document while turning it back into events."""

    def __init__(self, path: Path, zf: zipfile.ZipFile, count: int) -> None:
        self.path = path
        self.zf = zf
        self.count = count
        self.cache: dict[int, np.ndarray] = {}
        self.total = 0
        self.members = {info.filename: info for info in zf.infolist()}

    def fail(self, problem: str) -> TraceFileError:
        return TraceFileError(f"{self.path}: {problem}")

    def array(self, ref: Any, where: str, optional: bool = False) -> np.ndarray | None:
        if ref is None and optional:
            return None
        if not isinstance(ref, dict) or not isinstance(ref.get("array"), int) or isinstance(ref.get("array"), bool):
            raise self.fail(f"corrupted: {where} should reference an array")
        k = ref["array"]
        if not 0 <= k < self.count:
            raise self.fail(f"corrupted: {where} references array {k}, but the file has {self.count}")
        if k in self.cache:
            return self.cache[k]
        name = f"arrays/{k}.npy"
        info = self.members.get(name)
        if info is None:
            raise self.fail(f"truncated or corrupted: array {k} ({name}) is missing")
        if info.file_size > MAX_ARRAY_BYTES + 4096:
            raise self.fail(f"array {k} is {info.file_size} bytes, over the {MAX_ARRAY_BYTES}-byte limit")
        self.total += info.file_size
        if self.total > MAX_TOTAL_BYTES:
            raise self.fail(f"arrays add up to more than {MAX_TOTAL_BYTES} bytes")
        try:
            with self.zf.open(info) as f:
                data = f.read(info.file_size + 1)
            buf = io.BytesIO(data)
            version = np.lib.format.read_magic(buf)
            shape, fortran, dtype = (
                np.lib.format.read_array_header_1_0(buf) if version == (1, 0) else np.lib.format.read_array_header_2_0(buf)
            )
            if dtype.kind not in _ALLOWED_KINDS or dtype.hasobject:
                raise self.fail(f"array {k} has unsupported dtype {dtype}")
            needed = math.prod(shape) * dtype.itemsize  # exact: no int64 wrap-around
            if needed > len(data) - buf.tell():
                raise self.fail(f"truncated: array {k} declares {needed} bytes of data but has fewer")
            buf.seek(0)
            arr = np.lib.format.read_array(buf, allow_pickle=False)
        except TraceFileError:
            raise
        except (ValueError, *_ZIP_ERRORS) as exc:
            raise self.fail(f"corrupted array {k}: {exc}") from None
        arr.flags.writeable = False
        self.cache[k] = arr
        return arr

    def ints(self, value: Any, where: str) -> tuple[int, ...]:
        if not isinstance(value, list) or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
            raise self.fail(f"corrupted: {where} should be a list of integers")
        return tuple(value)

    def tensor(self, d: Any, where: str) -> TensorRef:
        if not isinstance(d, dict) or not isinstance(d.get("id"), int):
            raise self.fail(f"corrupted: {where} should be a tensor")
        value = self.array(d.get("value"), f"{where}.value")
        variable = d.get("variable")
        if variable is not None and not isinstance(variable, str):
            raise self.fail(f"corrupted: {where}.variable should be a string")
        return TensorRef(d["id"], value, variable, bool(d.get("trainable", False)))  # type: ignore[arg-type]

    def string(self, d: dict, key: str, where: str) -> str:
        v = d.get(key)
        if not isinstance(v, str):
            raise self.fail(f"corrupted: {where}.{key} should be a string")
        return v

    def integer(self, d: dict, key: str, where: str) -> int:
        v = d.get(key)
        if not isinstance(v, int) or isinstance(v, bool):
            raise self.fail(f"corrupted: {where}.{key} should be an integer")
        return v

    def event(self, d: Any, i: int) -> Event:
        where = f"event {i}"
        if not isinstance(d, dict):
            raise self.fail(f"corrupted: {where} is not an object")
        kind = d.get("kind")
        try:
            if kind == "op":
                inputs = d.get("inputs")
                if not isinstance(inputs, list):
                    raise self.fail(f"corrupted: {where}.inputs should be a list")
                attrs = d.get("attrs", [])
                if not isinstance(attrs, list) or not all(isinstance(a, list) and len(a) == 2 and isinstance(a[0], str) for a in attrs):
                    raise self.fail(f"corrupted: {where}.attrs should be a list of [name, value] pairs")
                return OpRecorded(
                    self.integer(d, "op_id", where), self.string(d, "op", where), self.string(d, "scope", where),
                    tuple(self.tensor(r, f"{where}.inputs[{k}]") for k, r in enumerate(inputs)),
                    self.tensor(d.get("output"), f"{where}.output"),
                    tuple((k, _attr_from_json(v)) for k, v in attrs),
                    self.ints(d.get("tapes", []), f"{where}.tapes"),
                    bool(d.get("in_backward", False)),
                )
            if kind == "gradient_started":
                seeds = d.get("seeds")
                if not isinstance(seeds, list):
                    raise self.fail(f"corrupted: {where}.seeds should be a list")
                return GradientStarted(
                    self.integer(d, "tape_id", where), self.ints(d.get("targets"), f"{where}.targets"),
                    self.ints(d.get("sources"), f"{where}.sources"),
                    tuple(self.array(s, f"{where}.seeds") for s in seeds),  # type: ignore[misc]
                )
            if kind == "backward":
                grads = d.get("input_grads")
                input_ids = self.ints(d.get("input_ids"), f"{where}.input_ids")
                if not isinstance(grads, list) or len(grads) != len(input_ids):
                    raise self.fail(f"corrupted: {where}.input_grads should have one entry per input")
                return BackwardStep(
                    self.integer(d, "tape_id", where), self.integer(d, "op_id", where), self.string(d, "op", where),
                    self.string(d, "scope", where), self.integer(d, "output_id", where),
                    self.array(d.get("upstream"), f"{where}.upstream"),  # type: ignore[arg-type]
                    input_ids, tuple(self.array(g, f"{where}.input_grads", optional=True) for g in grads),
                )
            if kind == "accumulated":
                return GradientAccumulated(
                    self.integer(d, "tape_id", where), self.integer(d, "tensor_id", where),
                    self.array(d.get("before"), f"{where}.before"), self.array(d.get("added"), f"{where}.added"),  # type: ignore[arg-type]
                    self.array(d.get("total"), f"{where}.total"),  # type: ignore[arg-type]
                )
            if kind == "gradients_returned":
                grads = d.get("grads")
                if not isinstance(grads, list):
                    raise self.fail(f"corrupted: {where}.grads should be a list")
                return GradientsReturned(
                    self.integer(d, "tape_id", where), self.ints(d.get("targets"), f"{where}.targets"),
                    self.ints(d.get("sources"), f"{where}.sources"),
                    tuple(self.array(g, f"{where}.grads", optional=True) for g in grads),
                )
            if kind == "assigned":
                return VariableAssigned(
                    self.integer(d, "variable_id", where), self.string(d, "name", where),
                    self.string(d, "method", where), self.array(d.get("before"), f"{where}.before"),  # type: ignore[arg-type]
                    self.array(d.get("after"), f"{where}.after"), bool(d.get("trainable", True)),  # type: ignore[arg-type]
                )
        except TraceFileError:
            raise
        except (TypeError, ValueError) as exc:
            raise self.fail(f"corrupted: {where}: {exc}") from None
        raise self.fail(f"corrupted: {where} has unknown kind {kind!r}")


def _attr_from_json(value: Any) -> Any:
    if isinstance(value, dict):
        if "tuple" in value and isinstance(value["tuple"], list):
            return tuple(_attr_from_json(v) for v in value["tuple"])
        if "slice" in value and isinstance(value["slice"], list) and len(value["slice"]) == 3:
            parts = [v if v is None or (isinstance(v, int) and not isinstance(v, bool)) else _bad_attr(v) for v in value["slice"]]
            return slice(*parts)
        if value.get("ellipsis") is True:
            return Ellipsis
        if "ndarray" in value:
            arr = np.asarray(value["ndarray"])  # ValueError for ragged lists
            if arr.dtype.kind not in _ALLOWED_KINDS:
                raise ValueError(f"attribute array of unsupported dtype {arr.dtype}")
            return arr
        raise ValueError(f"unknown attribute encoding {sorted(value)}")
    if isinstance(value, list):
        return [_attr_from_json(v) for v in value]
    return value


def _check_references(path: Path, events: list[Event]) -> None:
    """Backward steps must name ops and inputs recorded earlier in the same file, and every
    gradient must have the shape of the tensor it is the gradient of (a file that mixes them up
    would otherwise fail later, deep inside a drawing)."""
    shapes: dict[int, tuple[int, ...]] = {}

    def check(i: int, tensor: int, grad: np.ndarray | None, what: str) -> None:
        if grad is not None and grad.shape != shapes[tensor]:
            raise TraceFileError(
                f"{path}: corrupted: event {i}: {what} has shape {grad.shape}, but tensor {tensor} has shape {shapes[tensor]}"
            )

    for i, e in enumerate(events):
        if isinstance(e, OpRecorded):
            for r in (*e.inputs, e.output):
                shapes[r.id] = r.value.shape
        elif isinstance(e, BackwardStep):
            if e.output_id not in shapes or any(k not in shapes for k in e.input_ids):
                raise TraceFileError(f"{path}: corrupted: event {i} is a backward step of a tensor never recorded")
            check(i, e.output_id, e.upstream, "the upstream gradient")
            for k, g in zip(e.input_ids, e.input_grads):
                check(i, k, g, "a gradient sent to an input")
        elif isinstance(e, GradientAccumulated):
            if e.tensor_id not in shapes:
                raise TraceFileError(f"{path}: corrupted: event {i} accumulates into a tensor never recorded")
            for g in (e.before, e.added, e.total):
                check(i, e.tensor_id, g, "an accumulated gradient")


def _bad_attr(v: Any) -> Any:
    raise ValueError(f"bad slice bound {v!r}")


def load_trace(path: Any) -> Trace:
    """Read a trace file written by ``Trace.save``; any problem raises TraceFileError naming the file."""
    path = Path(path)
    if not path.exists():
        raise TraceFileError(f"{path}: no such file")
    if path.is_dir():
        raise TraceFileError(f"{path}: is a directory, not a trace file")
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise TraceFileError(f"{path}: cannot read: {exc.strerror}") from None
    if size == 0:
        raise TraceFileError(f"{path}: the file is empty")
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise TraceFileError(f"{path}: not a tapeviz trace (not a zip archive; truncated or another kind of file)") from None
    except OSError as exc:
        raise TraceFileError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except (ValueError, *_ZIP_ERRORS) as exc:
        raise TraceFileError(f"{path}: not a tapeviz trace (damaged zip archive: {exc})") from None
    with zf:
        try:
            info = zf.getinfo("trace.json")
        except KeyError:
            raise TraceFileError(f"{path}: not a tapeviz trace (no trace.json inside)") from None
        if info.file_size > MAX_JSON_BYTES:
            raise TraceFileError(f"{path}: trace.json is {info.file_size} bytes, over the limit")
        try:
            raw = zf.read(info)
        except _ZIP_ERRORS as exc:
            raise TraceFileError(f"{path}: truncated or corrupted: {exc}") from None
        try:
            doc = json.loads(raw.decode("utf-8"))
        except (ValueError, RecursionError) as exc:  # bad UTF-8 or JSON, nesting or integers too large
            raise TraceFileError(f"{path}: corrupted trace.json: {str(exc)[:200]}") from None
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            raise TraceFileError(f"{path}: not a tapeviz trace (format marker missing)")
        version = doc.get("version")
        if not isinstance(version, int) or isinstance(version, bool):
            raise TraceFileError(f"{path}: corrupted: the format version is missing")
        if version > VERSION:
            raise TraceFileError(
                f"{path}: written by a newer tapeviz (trace format version {version if version < 10**6 else 'over a million'}; this tapeviz reads "
                f"up to version {VERSION}): upgrade tapeviz to open it"
            )
        if version < 1:
            raise TraceFileError(f"{path}: unknown trace format version {version}")
        events = doc.get("events")
        count = doc.get("arrays")
        if not isinstance(events, list) or not isinstance(count, int) or isinstance(count, bool):
            raise TraceFileError(f"{path}: corrupted: events or array count missing")
        if len(events) > MAX_EVENTS or not 0 <= count <= MAX_ARRAYS:
            raise TraceFileError(f"{path}: too large ({len(events)} events, {count} arrays)")
        reader = _Reader(path, zf, count)
        parsed = [reader.event(d, i) for i, d in enumerate(events)]
    _check_references(path, parsed)
    title = doc.get("title") if isinstance(doc.get("title"), str) else ""
    meta = doc.get("meta") if isinstance(doc.get("meta"), dict) else {}
    try:
        return from_events(parsed, title, meta)
    except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
        raise TraceFileError(f"{path}: corrupted: events do not fit together ({type(exc).__name__}: {exc})") from None
