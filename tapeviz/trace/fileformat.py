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
older tapeviz would misread a newer file.

Arrays are stored uncompressed (float arrays hardly deflate) so that opening is lazy: the loader
maps the file read-only and every array becomes a view of the map, its ``.npy`` header and its
place in the file checked at opening, its numbers read from disk only when something uses them
(an iteration shown). Opening a long run's file costs its ``trace.json`` (the events and the
summaries), not its arrays. Files whose arrays are deflated (written before) are read whole as
they always were; older tapeviz reads stored members too, so the version stays 1. Loading never executes code: no
pickle, no eval; every count and size is checked before anything is allocated. Saving goes to
a temporary file that is renamed into place, so a failed save leaves nothing half-written.
"""

from __future__ import annotations

import io
import json
import mmap
import os
import struct
import tempfile
import zipfile
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from ..engine.events import (
    Event,
)
from .codec import (
    ArrayTable,
    CorruptField,
    decode_dataclass,
    decode_event,
    decoder,
    encode_dataclass,
    encode_event,
)
from .errors import TraceFileError
from .filechecks import (
    check_references,
    checked_meta,
    load_budget,
    mapped_array,
    npy_array,
    over_budget,
    read_member,
)
from .keep import restore_run, run_iterations, run_json
from .sites import SourceSite
from .trace import Trace, from_events

FORMAT = "tapeviz-trace"
VERSION = 1
MAX_EVENTS = 5_000_000
MAX_ARRAYS = 10_000_000
MAX_ARRAY_BYTES = 1 << 30
MAX_TOTAL_BYTES = 4 << 30
MAX_JSON_BYTES = 1 << 30
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
    doc.update(run_json(trace, table))  # a bounded recording's summaries (keep.py)
    doc["arrays"] = len(table.arrays)
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
                # stored, not deflated: opening maps the file and reads an array when it is used
                # (float arrays hardly compress: ~10% more on disk)
                zf.writestr(f"arrays/{k}.npy", buf.getvalue(), compress_type=zipfile.ZIP_STORED)
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

    def __init__(self, path: Path, zf: zipfile.ZipFile, count: int, budget: int, spent: int = 0,
                 mapping: Any = None) -> None:
        self.path = path
        self.mapping = mapping  # the file's read-only memory map: stored arrays are views of it
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
        if self.mapping is not None and info.compress_type == zipfile.ZIP_STORED:
            try:  # lazy: its header is checked now, its numbers are read from the file when used
                arr = mapped_array(self.mapping, info, k, self.fail, MAX_ARRAY_BYTES)
            except TraceFileError:
                raise
            except (ValueError, OverflowError, struct.error) as exc:
                raise self.fail(f"corrupted array {k}: {exc}") from None
            self.cache[k] = arr
            return arr
        if self.total + info.file_size > MAX_TOTAL_BYTES:
            raise self.fail(f"arrays add up to more than {MAX_TOTAL_BYTES} bytes")
        if self.total + info.file_size > self.budget:
            raise self.fail(over_budget(self.budget))
        try:
            data = read_member(self.zf, info, self.budget - self.total)
            self.total += len(data)
            arr = npy_array(data, k, self.fail, MAX_ARRAY_BYTES)
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
        budget, json_budget = load_budget(size, MAX_TOTAL_BYTES, MAX_JSON_BYTES)
        declared = sum(i.file_size for i in zf.infolist())
        if info.file_size > json_budget:
            raise TraceFileError(
                f"{path}: trace.json would expand to {info.file_size} bytes from a {size}-byte file "
                f"(the limit is {json_budget}): a damaged or hostile archive"
            )
        if declared > budget:
            raise TraceFileError(f"{path}: {over_budget(budget, declared)}")
        try:
            raw = read_member(zf, info, json_budget)
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
        reader = _Reader(path, zf, count, budget, spent, _map(path))
        parsed = [reader.event(d, i) for i, d in enumerate(events)]
        try:
            kept_iterations = run_iterations(doc)  # a bounded recording: the kept iterations' numbers
        except ValueError as exc:
            raise TraceFileError(f"{path}: corrupted: {exc}") from None
    check_references(path, parsed)
    title = doc.get("title") if isinstance(doc.get("title"), str) else ""
    meta = checked_meta(path, doc.get("meta", {}))
    try:
        trace = from_events(parsed, title, meta, kept_iterations)
    except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
        raise TraceFileError(f"{path}: corrupted: events do not fit together ({type(exc).__name__}: {exc})") from None
    try:
        updates: dict[int, SourceSite] = {}
        trace.restore_names(*_read_learner_code(doc, reader, updates))
        trace.update_sites.update((k, v) for k, v in updates.items() if 0 <= k < len(trace))
        trace.threads = _read_threads(doc, len(parsed)) or trace.threads
    except CorruptField as exc:
        raise TraceFileError(f"{path}: corrupted: {exc}") from None
    try:
        with zipfile.ZipFile(path) as zf:
            reader.zf = zf
            restore_run(trace, doc, reader)
    except TraceFileError:
        raise
    except (ValueError, *_ZIP_ERRORS) as exc:
        raise TraceFileError(f"{path}: corrupted: {exc}") from None
    return trace


def _map(path: Path) -> Any:
    """The file as a read-only memory map (None where it cannot be mapped: arrays are then read
    whole, as for files whose arrays are deflated, those written before arrays were stored).
    A file replaced while it is open (tapeviz saves by renaming) keeps the old map valid."""
    try:
        with open(path, "rb") as f:
            return mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):
        return None


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
    if trace.update_sites:  # the line of each update (one object per event: its index and site)
        out["update_sites"] = [{"event": k, **encode_dataclass(s, table)} for k, s in trace.update_sites.items()]
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
    doc: dict[str, Any], reader: Any, update_sites: dict[int, SourceSite]
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
    for k, d in enumerate(_list(doc, "update_sites")):
        where = f"update_sites[{k}]"
        index = decoder(int)(d.get("event") if isinstance(d, dict) else None, f"{where}.event", reader)
        update_sites[index] = decode_dataclass(SourceSite, d, where, reader)
    return sites, names, sources


def _list(doc: dict[str, Any], key: str) -> list[Any]:
    value = doc.get(key, [])
    if not isinstance(value, list):
        raise CorruptField(f"{key} should be a list")
    return value
