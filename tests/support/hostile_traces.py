"""Hostile trace files, made on the fly from a good one (never checked in: some inflate to GiB).

Each function copies the good trace ``src`` to ``dst`` with one thing made hostile, streaming
what it writes so that making a file never needs the memory the file would claim.
"""

from __future__ import annotations

import io
import json
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

_ZEROS = b"\0" * (1 << 20)


def copy_trace(src: Path, dst: Path, replace: dict[str, Callable[[zipfile.ZipFile], None]] | None = None,
               doc: Callable[[dict], object] | None = None) -> Path:
    """``src`` copied to ``dst``; a member named in ``replace`` is written by its function
    instead (it gets the output archive), trace.json passes through ``doc`` if given."""
    replace = replace or {}
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", compression=zipfile.ZIP_DEFLATED) as zout:
        for name in zin.namelist():
            if name in replace:
                replace[name](zout)
                continue
            data = zin.read(name)
            if name == "trace.json" and doc is not None:
                parsed = json.loads(data)
                result = doc(parsed)
                data = json.dumps(parsed if result is None else result).encode()
            zout.writestr(name, data)
    return dst


def _stream(zout: zipfile.ZipFile, name: str, head: bytes, padding: int, pad: bytes = _ZEROS) -> None:
    info = zipfile.ZipInfo(name)
    info.compress_type = zipfile.ZIP_DEFLATED
    with zout.open(info, "w", force_zip64=True) as f:
        f.write(head)
        left = padding
        while left > 0:
            piece = pad[: min(len(pad), left)]
            f.write(piece)
            left -= len(piece)


def json_bomb(src: Path, dst: Path, inflated: int) -> Path:
    """trace.json padded with spaces (still valid JSON) until it inflates to ``inflated`` bytes."""
    with zipfile.ZipFile(src) as zin:
        text = zin.read("trace.json")
    spaces = b" " * (1 << 20)
    return copy_trace(src, dst, {"trace.json": lambda z: _stream(z, "trace.json", text, inflated - len(text), spaces)})


def npy_header(shape: tuple[int, ...], descr: str = "<f8") -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": descr, "fortran_order": False, "shape": shape})
    return buf.getvalue()


def array_bombs(src: Path, dst: Path, count: int, each: int) -> Path:
    """Arrays 0..count-1 replaced by float64 arrays of zeros of ``each`` bytes (true headers)."""
    def writer(k: int) -> Callable[[zipfile.ZipFile], None]:
        return lambda z: _stream(z, f"arrays/{k}.npy", npy_header((each // 8,)), each // 8 * 8)

    return copy_trace(src, dst, {f"arrays/{k}.npy": writer(k) for k in range(count)})


def padded_array(src: Path, dst: Path, padding: int) -> Path:
    """Array 0 with a small shape in its header followed by ``padding`` bytes of zeros."""
    with zipfile.ZipFile(src) as zin:
        data = zin.read("arrays/0.npy")
    return copy_trace(src, dst, {"arrays/0.npy": lambda z: _stream(z, "arrays/0.npy", data, padding)})


def understated(src: Path, dst: Path, member: str, inflated: int, claimed: int) -> Path:
    """``member`` really inflates to ``inflated`` bytes but its headers claim ``claimed``."""
    with zipfile.ZipFile(src) as zin:
        data = zin.read(member)
    copy_trace(src, dst, {member: lambda z: _stream(z, member, data, inflated - len(data))})
    raw = bytearray(dst.read_bytes())
    with zipfile.ZipFile(dst) as zf:
        info = zf.getinfo(member)
    _patch_sizes(raw, info, claimed)
    dst.write_bytes(bytes(raw))
    return dst


def _patch_sizes(raw: bytearray, info: zipfile.ZipInfo, claimed: int) -> None:
    """Write ``claimed`` as the member's uncompressed size in the central directory (what
    readers trust): the 32-bit field, or its zip64 extra field when that one holds the size."""
    start = 0
    while (at := raw.find(b"PK\x01\x02", start)) >= 0:
        start = at + 4
        name_len, extra_len = struct.unpack_from("<HH", raw, at + 28)
        name_at = at + 46
        if bytes(raw[name_at:name_at + name_len]).decode() != info.filename:
            continue
        (size32,) = struct.unpack_from("<I", raw, at + 24)
        if size32 != 0xFFFFFFFF:
            struct.pack_into("<I", raw, at + 24, claimed)
            return
        extra, end = name_at + name_len, name_at + name_len + extra_len
        while extra + 4 <= end:
            tag, size = struct.unpack_from("<HH", raw, extra)
            if tag == 1:  # zip64: the uncompressed size comes first
                struct.pack_into("<Q", raw, extra + 4, claimed)
                return
            extra += 4 + size
