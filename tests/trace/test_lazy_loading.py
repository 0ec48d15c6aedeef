"""Lazy loading of trace files (trace/fileformat.py, trace/filechecks.py): arrays are stored in the
archive and opening maps the file, checking every array's header but reading its numbers only
when they are used; a damaged array is one clear line; files whose arrays are deflated (written
before) still open, read whole."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest

from tapeviz.cli import main
from tapeviz.trace import TraceFileError, load_trace
from tests.trace.test_keep import train

OLD = Path(__file__).parent.parent / "data" / "trace" / "v1_bounded_deflated.tapeviz"


def _fixture_program():
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_bounded_fixture", OLD.with_name("make_bounded_fixture.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def saved(tmp_path: Path):
    trace = train(30, keep="first=2,last=2,every=10")
    path = tmp_path / "run.tapeviz"
    trace.save(path)
    return trace, path


def member_data(path: Path, name: str) -> tuple[int, int]:
    """(offset of the member's bytes in the file, their length): a stored member's own bytes."""
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(name)
        assert info.compress_type == zipfile.ZIP_STORED
    raw = path.read_bytes()
    name_len = int.from_bytes(raw[info.header_offset + 26: info.header_offset + 28], "little")
    extra_len = int.from_bytes(raw[info.header_offset + 28: info.header_offset + 30], "little")
    return info.header_offset + 30 + name_len + extra_len, info.file_size


def test_arrays_are_read_from_the_file_when_used_not_when_it_opens(tmp_path: Path) -> None:
    trace, path = saved(tmp_path)
    loaded = load_trace(path)
    assert loaded.run.kept == [0, 1, 10, 20, 28, 29] and loaded.run.iterations == 30
    for a, b in zip(trace.events, loaded.events):  # the same numbers, as plain read-only arrays
        if hasattr(a, "output"):
            assert type(b.output.value) is np.ndarray and not b.output.value.flags.writeable
            assert np.array_equal(a.output.value, b.output.value)
    # Opened, then the bytes of one array change in the file: what is read afterwards is the new
    # bytes, so the numbers were not read at opening.
    last = loaded.events[-1]
    value = last.after
    with zipfile.ZipFile(path) as zf:
        k = next(int(n.split("/")[1].split(".")[0]) for n in zf.namelist() if n.startswith("arrays/")
                 and np.array_equal(np.load(zf.open(n)), value) and np.load(zf.open(n)).shape == value.shape)
    start, size = member_data(path, f"arrays/{k}.npy")
    with open(path, "r+b") as f:  # same size, in place: the archive stays whole
        f.seek(start + size - value.itemsize)
        f.write(np.array([123.0], dtype=value.dtype).tobytes())
    assert value.reshape(-1)[-1] == 123.0


def test_a_damaged_array_header_is_one_clear_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, path = saved(tmp_path)
    start, _ = member_data(path, "arrays/3.npy")
    raw = bytearray(path.read_bytes())
    header = raw[start:start + 128]
    at = header.index(b"'descr': '") + len(b"'descr': '")
    raw[start + at:start + at + 3] = b"|O8"  # an object array: never loaded
    path.write_bytes(bytes(raw))
    with pytest.raises(TraceFileError, match=r"run.tapeviz: (array 3 has unsupported dtype|corrupted array 3)"):
        load_trace(path)
    assert main(["events", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "array 3" in err[0] and "Traceback" not in err[0]


def test_a_damaged_zip_header_or_an_array_past_the_end_is_one_clear_line(tmp_path: Path) -> None:
    _, path = saved(tmp_path)
    with zipfile.ZipFile(path) as zf:
        offset = zf.getinfo("arrays/2.npy").header_offset
    raw = bytearray(path.read_bytes())
    raw[offset:offset + 4] = b"XXXX"
    path.write_bytes(bytes(raw))
    with pytest.raises(TraceFileError, match="corrupted: array 2's zip header is damaged"):
        load_trace(path)
    _, path = saved(tmp_path)
    start, size = member_data(path, "arrays/2.npy")
    raw = bytearray(path.read_bytes())
    name_len_at = offset + 26  # a local header that claims a longer name pushes the data past its end
    raw[name_len_at:name_len_at + 2] = (60000).to_bytes(2, "little")
    path.write_bytes(bytes(raw))
    with pytest.raises(TraceFileError, match=r"(array 2|zip)"):
        load_trace(path)


def test_a_file_whose_arrays_are_deflated_still_opens() -> None:
    """Written by the tapeviz before arrays were stored (tests/data/trace/make_bounded_fixture.py)."""
    with zipfile.ZipFile(OLD) as zf:
        assert zf.getinfo("arrays/0.npy").compress_type == zipfile.ZIP_DEFLATED
    old = load_trace(OLD)
    new = _fixture_program().record_run()  # the same program recorded today
    assert old.run.iterations == 12 and old.run.kept == new.run.kept == [0, 5, 10, 11]
    assert old.is_summarised(3) and not old.is_summarised(5)
    assert np.array_equal(old.run.losses, new.run.losses, equal_nan=True)
    assert len(old) == len(new)
    for a, b in zip(old.events, new.events):
        assert type(a) is type(b)
        if hasattr(a, "output"):
            assert np.array_equal(a.output.value, b.output.value)
