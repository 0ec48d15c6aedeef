"""The trace file format: a zip archive with ``trace.json`` and one ``.npy`` file per array.

Version 1 layout::

    trace.json      {"format": "tapeviz-trace", "version": 1, "title": ..., "meta": {...},
                     "arrays": N, "events": [{"kind": "op", ...}, ...]}
    arrays/0.npy    numpy arrays, read with allow_pickle=False
    ...

Each event is an object with its ``kind`` and every field of its dataclass, written and read by
:mod:`.codec` from the fields' types; arrays are referenced from the JSON as ``{"array": k}``. A
field a file lacks loads as the dataclass's default, and readers ignore keys they do not know,
so adding a defaulted field or a new section keeps the version; the version goes up only when an
older tapeviz would misread a newer file. Loading never executes code: no
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

from ..engine.events import (
    BackwardStep,
    Event,
    GradientAccumulated,
    GradientsReturned,
    GradientStarted,
    OpRecorded,
    VariableAssigned,
)
from .codec import (
    ALLOWED_DTYPE_KINDS,
    ArrayTable,
    CorruptField,
    decode_dataclass,
    decode_event,
    decoder,
    encode_dataclass,
    encode_event,
)
from .errors import TraceFileError
from .sites import SourceSite
from .trace import Trace, from_events

FORMAT = "tapeviz-trace"
VERSION = 1
MAX_EVENTS = 5_000_000
MAX_ARRAYS = 10_000_000
MAX_ARRAY_BYTES = 1 << 30
MAX_TOTAL_BYTES = 4 << 30
MAX_JSON_BYTES = 1 << 30
MAX_DIMENSION = 1 << 31  # no axis of a real trace is longer, even an empty array's
MAX_ID = 1 << 62
# The load budget (see ``load_budget``): what a file may expand to. Real traces expand about
# twice (float arrays hardly compress); arrays of zeros up to ~1000 times, hence a floor.
BUDGET_FLOOR = 64 << 20
BUDGET_RATIO = 64
JSON_FLOOR = 16 << 20  # trace.json becomes Python objects, ~20 times its size: kept smaller
JSON_RATIO = 16
_CHUNK = 1 << 20
# What a damaged or hostile archive can raise while it is read (bad deflate data, an unknown
# compression method or zip version, an encrypted member, a lying header).
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, NotImplementedError, RuntimeError, OSError, EOFError)

# ---------------------------------------------------------------------------------------
# saving


def save_trace(trace: Trace, path: Any) -> Path:
    """Write ``trace`` to ``path`` (temporary file, then rename)."""
    path = Path(path)
    table = ArrayTable()
    try:
        events = [encode_event(e, table) for e in trace.events]
    except TypeError as exc:
        raise TraceFileError(f"{path}: cannot save: {exc}") from None
    doc = {
        "format": FORMAT, "version": VERSION, "title": trace.title, "meta": _jsonable_meta(trace.meta),
        "arrays": len(table.arrays), "events": events, **_learner_code_json(trace, table),
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


def _available_memory() -> int:
    """Bytes of memory the machine has available now (MemAvailable), or 4 GiB when unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return 4 << 30


def load_budget(file_size: int) -> tuple[int, int]:
    """(all members, trace.json): the most bytes a file of ``file_size`` bytes may expand to.

    Tied to the file (a trace expands a few times, zeros up to a thousand, so ``BUDGET_RATIO``
    times with a floor) and to the machine (at most half of the memory available now), so a
    small file cannot claim gigabytes: a zip bomb is refused before anything is inflated."""
    machine = max(_available_memory() // 2, 1 << 20)
    total = min(max(BUDGET_FLOOR, BUDGET_RATIO * file_size), MAX_TOTAL_BYTES, machine)
    return total, min(max(JSON_FLOOR, JSON_RATIO * file_size), MAX_JSON_BYTES, total)


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int) -> bytes:
    """The member's bytes, read in chunks and refused (``OverflowError``) as soon as they pass
    its declared size or ``cap``: a header that under-states a member never streams past it."""
    limit = min(info.file_size, cap)
    parts: list[bytes] = []
    got = 0
    with zf.open(info) as f:
        while True:
            chunk = f.read(min(_CHUNK, limit + 1 - got))
            if not chunk:
                break
            got += len(chunk)
            if got > limit:
                raise OverflowError(f"{info.filename} holds more than {limit} bytes")
            parts.append(chunk)
    return b"".join(parts)


def _npy_array(data: bytes, k: int, fail: Any) -> np.ndarray:
    """Array ``k`` from its ``.npy`` bytes: header checked, then a read-only view of ``data``
    (no copy; nothing is allocated from the header's numbers)."""
    buf = io.BytesIO(data)
    version = np.lib.format.read_magic(buf)
    if version == (1, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(buf)
    elif version in ((2, 0), (3, 0)):
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(buf)
    else:
        raise fail(f"array {k} has unknown .npy version {version}")
    if dtype.kind not in ALLOWED_DTYPE_KINDS or dtype.hasobject or dtype.fields is not None:
        raise fail(f"array {k} has unsupported dtype {dtype}")
    if any(d > MAX_DIMENSION for d in shape):
        raise fail(f"array {k} has an absurd shape {shape} (an axis over {MAX_DIMENSION})")
    count = math.prod(shape)  # exact: no int64 wrap-around
    needed = count * dtype.itemsize
    if needed > MAX_ARRAY_BYTES:
        raise fail(f"array {k} is {needed} bytes, over the {MAX_ARRAY_BYTES}-byte limit")
    offset = buf.tell()
    if needed > len(data) - offset:
        raise fail(f"truncated: array {k} declares {needed} bytes of data but has fewer")
    flat = np.frombuffer(data, dtype=dtype, count=count, offset=offset)
    return flat.reshape(shape, order="F" if fortran else "C")


class _Reader:
    """Validates one document while turning it back into events."""

    def __init__(self, path: Path, zf: zipfile.ZipFile, count: int, budget: int, spent: int = 0) -> None:
        self.path = path
        self.zf = zf
        self.count = count
        self.cache: dict[int, np.ndarray] = {}
        self.total = spent  # bytes inflated so far (trace.json included), against ``budget``
        self.budget = budget
        self.members = {info.filename: info for info in zf.infolist()}

    def fail(self, problem: str) -> TraceFileError:
        return TraceFileError(f"{self.path}: {problem}")

    def array(self, ref: Any, where: str) -> np.ndarray:
        """The array ``ref`` names, read once and checked before it is allocated."""
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
        if self.total + info.file_size > MAX_TOTAL_BYTES:
            raise self.fail(f"arrays add up to more than {MAX_TOTAL_BYTES} bytes")
        if self.total + info.file_size > self.budget:
            raise self.fail(_over_budget(self.budget))
        try:
            data = _read_member(self.zf, info, self.budget - self.total)
            self.total += len(data)
            arr = _npy_array(data, k, self.fail)
        except TraceFileError:
            raise
        except OverflowError:
            raise self.fail(f"corrupted array {k}: it holds more than its header says") from None
        except MemoryError:
            raise self.fail(f"array {k} does not fit in memory") from None
        except (ValueError, *_ZIP_ERRORS) as exc:
            raise self.fail(f"corrupted array {k}: {exc}") from None
        arr.flags.writeable = False
        self.cache[k] = arr
        return arr

    def event(self, d: Any, i: int) -> Event:
        """Event ``i`` of the document, checked field by field (see :mod:`.codec`)."""
        try:
            return decode_event(d, f"event {i}", self)
        except CorruptField as exc:
            raise self.fail(f"corrupted: {exc}") from None


def _over_budget(budget: int, declared: int | None = None) -> str:
    size = f"to {declared} bytes" if declared is not None else f"past {budget} bytes"
    return f"would expand {size}, more than a trace file of its size can hold (limit {budget}): a damaged or hostile archive"


_SCALAR = (str, int, float, bool, type(None))
_META_TEXT = ("stdout", "stderr", "source", "example", "description", "title")


def _checked_meta(path: Path, meta: Any) -> dict[str, Any]:
    """``meta`` with every field the views read checked for its type (one clear line if not)."""
    def bad(key: str, what: str) -> TraceFileError:
        return TraceFileError(f"{path}: corrupted: meta.{key} should be {what}")

    if not isinstance(meta, dict):
        raise TraceFileError(f"{path}: corrupted: meta should be an object")
    for key in _META_TEXT:
        if key in meta and not isinstance(meta[key], str):
            raise bad(key, "a string")
    if "warnings" in meta and not (isinstance(meta["warnings"], list) and all(isinstance(w, str) for w in meta["warnings"])):
        raise bad("warnings", "a list of strings")
    for key in ("learning_rate", "lr"):
        if key in meta and (not isinstance(meta[key], (int, float)) or isinstance(meta[key], bool)):
            raise bad(key, "a number")
    optimizers = meta.get("optimizers", {})
    if not isinstance(optimizers, dict) or not all(
        isinstance(c, dict) and all(isinstance(v, _SCALAR) for v in c.values()) for c in optimizers.values()
    ):
        raise bad("optimizers", "an object of optimizer settings (name → {setting: number or text})")
    what_if = meta.get("what_if", {})
    if not isinstance(what_if, dict) or not all(isinstance(v, str) for v in what_if.values()):
        raise bad("what_if", "an object of texts")
    return meta


_ID_FIELDS = ("op_id", "tape_id", "output_id", "tensor_id", "variable_id", "grad_fn_of")
_ID_LISTS = ("input_ids", "targets", "sources", "tapes")


def _check_ids(path: Path, i: int, e: Event) -> None:
    """Ids are small non-negative integers (a negative one would reach Graphviz as a bad name)."""
    ids = [getattr(e, f) for f in _ID_FIELDS if hasattr(e, f)]
    for f in _ID_LISTS:
        ids.extend(getattr(e, f, ()))
    if isinstance(e, OpRecorded):
        ids.extend(r.id for r in (*e.inputs, e.output))
    for k in ids:
        if not 0 <= k <= MAX_ID:
            raise TraceFileError(f"{path}: corrupted: event {i} has the id {k if abs(k) < 10**20 else 'of ' + str(len(str(k))) + ' digits'}; ids are whole numbers from 0")


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
        _check_ids(path, i, e)
        if isinstance(e, OpRecorded):
            for r in (*e.inputs, e.output):
                shapes[r.id] = r.value.shape
        elif isinstance(e, VariableAssigned):
            if e.before.shape != e.after.shape:
                raise TraceFileError(
                    f"{path}: corrupted: event {i} assigns {e.name or 'a variable'} a value of shape {e.after.shape}, "
                    f"but its value before has shape {e.before.shape}"
                )
        elif isinstance(e, GradientStarted):
            if len(e.seeds) != len(e.targets):
                raise TraceFileError(f"{path}: corrupted: event {i}.seeds should have one entry per target")
        elif isinstance(e, GradientsReturned):
            if len(e.grads) != len(e.sources):
                raise TraceFileError(f"{path}: corrupted: event {i}.grads should have one entry per source")
            for s, g in zip(e.sources, e.grads):
                if s in shapes:
                    check(i, s, g, "a returned gradient")
        elif isinstance(e, BackwardStep):
            if len(e.input_grads) != len(e.input_ids):
                raise TraceFileError(f"{path}: corrupted: event {i}.input_grads should have one entry per input")
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
        budget, json_budget = load_budget(size)
        declared = sum(i.file_size for i in zf.infolist())
        if info.file_size > json_budget:
            raise TraceFileError(
                f"{path}: trace.json would expand to {info.file_size} bytes from a {size}-byte file "
                f"(the limit is {json_budget}): a damaged or hostile archive"
            )
        if declared > budget:
            raise TraceFileError(f"{path}: {_over_budget(budget, declared)}")
        try:
            raw = _read_member(zf, info, json_budget)
        except OverflowError:
            raise TraceFileError(f"{path}: corrupted: trace.json holds more than its header says") from None
        except MemoryError:
            raise TraceFileError(f"{path}: trace.json does not fit in memory") from None
        except _ZIP_ERRORS as exc:
            raise TraceFileError(f"{path}: truncated or corrupted: {exc}") from None
        try:
            doc = json.loads(raw.decode("utf-8"))
        except (ValueError, RecursionError) as exc:  # bad UTF-8 or JSON, nesting or integers too large
            raise TraceFileError(f"{path}: corrupted trace.json: {str(exc)[:200]}") from None
        except MemoryError:
            raise TraceFileError(f"{path}: trace.json does not fit in memory") from None
        spent = len(raw)
        del raw
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
        reader = _Reader(path, zf, count, budget, spent)
        parsed = [reader.event(d, i) for i, d in enumerate(events)]
    _check_references(path, parsed)
    title = doc.get("title") if isinstance(doc.get("title"), str) else ""
    meta = _checked_meta(path, doc.get("meta", {}))
    try:
        trace = from_events(parsed, title, meta)
    except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
        raise TraceFileError(f"{path}: corrupted: events do not fit together ({type(exc).__name__}: {exc})") from None
    try:
        trace.restore_names(*_read_learner_code(doc, reader))
        trace.threads = _read_threads(doc, len(parsed)) or trace.threads
    except CorruptField as exc:
        raise TraceFileError(f"{path}: corrupted: {exc}") from None
    return trace


# ---------------------------------------------------------------------------------------
# the learner's code: source sites, tensor names, program text (optional sections)


def _learner_code_json(trace: Trace, table: ArrayTable) -> dict[str, Any]:
    """``sites`` (one object per op: ``op_id`` plus the SourceSite's fields), ``tensor_names``
    (``[id, name]`` pairs) and ``sources`` (file -> text); absent when nothing was captured."""
    out: dict[str, Any] = {}
    if trace.sites:
        out["sites"] = [{"op_id": k, **encode_dataclass(s, table)} for k, s in trace.sites.items()]
    if trace.tensor_names:
        out["tensor_names"] = [[k, name] for k, name in trace.tensor_names.items()]
    if trace.sources:
        out["sources"] = dict(trace.sources)
    if len(trace.threads) > 1:  # which thread ran which events (one thread: nothing to say)
        out["threads"] = [[start, name] for start, name in trace.threads]
    return out


def _read_threads(doc: dict[str, Any], length: int) -> list[tuple[int, str]]:
    runs = [decoder(tuple[int, str])(run, f"threads[{k}]", None) for k, run in enumerate(_list(doc, "threads"))]  # type: ignore[arg-type]
    starts = [start for start, _ in runs]
    if starts and (starts[0] != 0 or starts != sorted(set(starts)) or starts[-1] >= max(length, 1)):
        raise CorruptField("threads should start at event 0 and at increasing events of the trace")
    return runs


def _read_learner_code(
    doc: dict[str, Any], reader: Any
) -> tuple[dict[int, SourceSite], dict[int, str], dict[str, str]]:
    sites: dict[int, SourceSite] = {}
    for k, d in enumerate(_list(doc, "sites")):
        where = f"sites[{k}]"
        op_id = decoder(int)(d.get("op_id") if isinstance(d, dict) else None, f"{where}.op_id", reader)
        sites[op_id] = decode_dataclass(SourceSite, d, where, reader)
    names: dict[int, str] = {}
    for k, pair in enumerate(_list(doc, "tensor_names")):
        tensor_id, name = decoder(tuple[int, str])(pair, f"tensor_names[{k}]", reader)
        names[tensor_id] = name
    sources = doc.get("sources", {})
    if not isinstance(sources, dict) or not all(isinstance(v, str) for v in sources.values()):
        raise CorruptField("sources should map file names to program text")
    return sites, names, sources


def _list(doc: dict[str, Any], key: str) -> list[Any]:
    value = doc.get(key, [])
    if not isinstance(value, list):
        raise CorruptField(f"{key} should be a list")
    return value
