"""The checks a trace file passes while it loads: the memory budget, arrays read without
trusting their headers, ``meta`` field types, ids, and events' shapes against their arrays.

Used by :mod:`.fileformat`; every failure is one :class:`TraceFileError` line naming the file.
"""

from __future__ import annotations

import io
import math
import os
import struct
import zipfile
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
from .codec import ALLOWED_DTYPE_KINDS
from .errors import TraceFileError

MAX_DIMENSION = 1 << 31  # no axis of a real trace is longer, even an empty array's
MAX_ID = 1 << 62
# The load budget (see ``load_budget``): what a file may expand to. Real traces expand about
# twice (float arrays hardly compress); arrays of zeros up to ~1000 times, hence a floor.
BUDGET_FLOOR = 64 << 20
BUDGET_RATIO = 64
JSON_FLOOR = 16 << 20  # trace.json becomes Python objects, ~20 times its size: kept smaller
JSON_RATIO = 16
_CHUNK = 1 << 20


def available_memory() -> int | None:
    """Bytes of memory the machine has available now (MemAvailable on Linux), or None when unknown."""
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
        return None


def load_budget(file_size: int, max_total: int = 4 << 30, max_json: int = 1 << 30) -> tuple[int, int]:
    """(all members, trace.json): the most bytes a file of ``file_size`` bytes may expand to.

    Tied to the file (a trace expands a few times, zeros up to a thousand, so ``BUDGET_RATIO``
    times with a floor) and to the machine (at most half of the memory available now), so a
    small file cannot claim gigabytes: a zip bomb is refused before anything is inflated."""
    machine = max((available_memory() or 4 << 30) // 2, 1 << 20)  # unknown: as if 4 GiB
    total = min(max(BUDGET_FLOOR, BUDGET_RATIO * file_size), max_total, machine)
    return total, min(max(JSON_FLOOR, JSON_RATIO * file_size), max_json, total)


def read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int) -> bytes:
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


def npy_header(data: bytes, k: int, fail: Any, max_bytes: int) -> tuple[tuple[int, ...], bool, np.dtype, int, int]:
    """Array ``k``'s ``.npy`` header, checked: (shape, fortran order, dtype, offset of the data,
    element count). ``data`` is the member or at least its beginning (nothing is allocated from
    the header's numbers)."""
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
    if count * dtype.itemsize > max_bytes:
        raise fail(f"array {k} is {count * dtype.itemsize} bytes, over the {max_bytes}-byte limit")
    return shape, fortran, dtype, buf.tell(), count


def npy_array(data: bytes, k: int, fail: Any, max_bytes: int) -> np.ndarray:
    """Array ``k`` from its ``.npy`` bytes: header checked, then a read-only view of ``data``
    (no copy; nothing is allocated from the header's numbers)."""
    shape, fortran, dtype, offset, count = npy_header(data, k, fail, max_bytes)
    if count * dtype.itemsize > len(data) - offset:
        raise fail(f"truncated: array {k} declares {count * dtype.itemsize} bytes of data but has fewer")
    flat = np.frombuffer(data, dtype=dtype, count=count, offset=offset)
    return flat.reshape(shape, order="F" if fortran else "C")


NPY_HEAD = 1 << 16  # bytes read to find a stored array's header (a .npy 1.0 header is shorter)
_LOCAL_HEADER = struct.Struct("<4s22xHH")  # a zip member's local header: signature, then name and extra lengths


def mapped_array(mapping: Any, info: zipfile.ZipInfo, k: int, fail: Any, max_bytes: int) -> np.ndarray:
    """Array ``k``, stored uncompressed in the archive, as a read-only view of the file's memory
    map (``mapping``): only its header is read now, its numbers when they are used. Every offset
    and size is checked against the file before the view is made."""
    size = len(mapping)
    start = info.header_offset
    if not 0 <= start <= size - _LOCAL_HEADER.size:
        raise fail(f"truncated or corrupted: array {k}'s zip header is past the end of the file")
    signature, name_len, extra_len = _LOCAL_HEADER.unpack_from(mapping, start)
    if signature != b"PK\x03\x04":
        raise fail(f"corrupted: array {k}'s zip header is damaged")
    data_start = start + _LOCAL_HEADER.size + name_len + extra_len
    if info.compress_size != info.file_size or data_start + info.file_size > size:
        raise fail(f"truncated or corrupted: array {k} ends past the end of the file")
    head = bytes(mapping[data_start:data_start + min(info.file_size, NPY_HEAD)])
    try:
        shape, fortran, dtype, offset, count = npy_header(head, k, fail, max_bytes)
    except TraceFileError:
        raise
    except Exception as exc:  # numpy parses the header's text: a damaged one raises what its parser raises
        raise fail(f"corrupted array {k}: its .npy header is damaged ({type(exc).__name__})") from None
    if count * dtype.itemsize > info.file_size - offset:
        raise fail(f"truncated: array {k} declares {count * dtype.itemsize} bytes of data but has fewer")
    if count == 0:
        return np.empty(shape, dtype)
    flat = np.frombuffer(mapping, dtype=dtype, count=count, offset=data_start + offset)
    return flat.reshape(shape, order="F" if fortran else "C")


def over_budget(budget: int, declared: int | None = None) -> str:
    size = f"to {declared} bytes" if declared is not None else f"past {budget} bytes"
    return f"would expand {size}, more than a trace file of its size can hold (limit {budget}): a damaged or hostile archive"


_SCALAR = (str, int, float, bool, type(None))
_META_TEXT = ("stdout", "stderr", "source", "example", "description", "title", "stopped")


def checked_meta(path: Path, meta: Any) -> dict[str, Any]:
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
    run_iterations = meta.get("run_iterations", 0)  # a replayed iteration's run length (trace/replay.py)
    if type(run_iterations) is not int or run_iterations < 0:
        raise bad("run_iterations", "a whole number")
    for key in ("learning_rate", "lr"):
        if key in meta and (not isinstance(meta[key], (int, float)) or isinstance(meta[key], bool)):
            raise bad(key, "a number")
    optimizers = meta.get("optimizers", {})
    if not isinstance(optimizers, dict) or not all(_optimizer_config(c) for c in optimizers.values()):
        raise bad("optimizers", "an object of optimizer settings (name → {setting: number or text, "
                  "slots: {name: symbol}, rule: [text]})")
    what_if = meta.get("what_if", {})
    if not isinstance(what_if, dict) or not all(isinstance(v, str) for v in what_if.values()):
        raise bad("what_if", "an object of texts")
    return meta


def _optimizer_config(config: Any) -> bool:
    """One optimizer's recorded settings: numbers and texts, its declared ``slots`` (slot name →
    symbol) and the terms of its update ``rule`` (see keras/optimizers.py)."""
    if not isinstance(config, dict):
        return False
    slots, rule = config.get("slots", {}), config.get("rule", [])
    return (isinstance(slots, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in slots.items())
            and isinstance(rule, list) and all(isinstance(t, str) for t in rule)
            and all(isinstance(v, _SCALAR) for k, v in config.items() if k not in ("slots", "rule")))


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


def check_references(path: Path, events: list[Event]) -> None:
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
