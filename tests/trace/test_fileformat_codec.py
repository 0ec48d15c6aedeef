"""The trace-file codec: files written by the hand-written v1 codec still load, every field type
round-trips, and fields missing from a file take their dataclass defaults."""

from __future__ import annotations

import dataclasses
import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import tapeviz
from tapeviz.engine.events import (
    BackwardStep,
    GradientAccumulated,
    GradientsReturned,
    GradientStarted,
    OpRecorded,
    TensorRef,
    VariableAssigned,
)
from tapeviz.trace import load_trace
from tapeviz.trace.codec import ArrayTable, CorruptField, decode_dataclass, encode_dataclass

FIXTURE = Path(__file__).parent.parent / "data" / "trace" / "v1_all_kinds.tapeviz"


def test_a_file_saved_by_the_v1_codec_loads_with_its_contents() -> None:
    trace = load_trace(FIXTURE)
    kinds = [type(e) for e in trace.events]
    for cls in (
        OpRecorded,
        GradientStarted,
        BackwardStep,
        GradientAccumulated,
        GradientsReturned,
        VariableAssigned,
    ):
        assert cls in kinds, cls.__name__
    assert trace.title == "v1 fixture" and trace.meta["note"] == "saved by the v1 codec"
    ops = [e for e in trace.events if isinstance(e, OpRecorded)]
    matmul = ops[0]
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    w = np.array([[1.0, -2.0], [0.5, 3.0]])
    assert matmul.inputs[1].variable == "w" and matmul.inputs[1].trainable
    assert matmul.inputs[0].variable is None and not matmul.inputs[0].trainable
    np.testing.assert_allclose(matmul.output.value, x @ w)
    getitem = next(e for e in ops if e.attrs and e.attrs[0][0] == "key")
    assert getitem.attrs == (("key", (slice(0, 1, None), Ellipsis)),)
    reshape = next(e for e in ops if e.attrs and e.attrs[0][0] == "shape")
    assert reshape.attrs == (("shape", (4,)),)
    returned = next(e for e in trace.events if isinstance(e, GradientsReturned))
    assert returned.grads[1] is None  # the unused variable
    # y = sum(h[0]^2) + sum(h) + sum(h*h): dy/dw = x^T (2 h[0] in row 0 + 1 + 2 h)
    h = x @ w
    upstream = 1.0 + 2.0 * h
    upstream[0] += 2.0 * h[0]
    np.testing.assert_allclose(returned.grads[0], x.T @ upstream)
    update = next(e for e in trace.events if isinstance(e, VariableAssigned) and e.name == "w")
    np.testing.assert_allclose(update.after, w - 0.1 * (x.T @ upstream))


def test_the_v1_file_survives_a_save_and_load_with_the_current_codec(tmp_path: Path) -> None:
    first = load_trace(FIXTURE)
    first.save(tmp_path / "again.tapeviz")
    again = load_trace(tmp_path / "again.tapeviz")
    assert len(again.events) == len(first.events)
    for a, b in zip(first.events, again.events):
        assert type(a) is type(b)
        for f in dataclasses.fields(a):
            _assert_same(getattr(a, f.name), getattr(b, f.name))


def _assert_same(a: Any, b: Any) -> None:
    if isinstance(a, np.ndarray):
        np.testing.assert_array_equal(a, b)
        assert a.dtype == b.dtype
    elif isinstance(a, tuple):
        assert isinstance(b, tuple) and len(a) == len(b)
        for x, y in zip(a, b):
            _assert_same(x, y)
    elif isinstance(a, TensorRef):
        assert a.id == b.id and a.variable == b.variable and a.trainable == b.trainable
        _assert_same(a.value, b.value)
    else:
        assert a == b


def test_fields_missing_from_the_file_take_their_defaults(tmp_path: Path) -> None:
    """Events grow fields: a file without ``in_backward``/``trainable`` loads their defaults."""
    with zipfile.ZipFile(FIXTURE) as zf:
        doc = json.loads(zf.read("trace.json"))
        members = {n: zf.read(n) for n in zf.namelist() if n != "trace.json"}
    for e in doc["events"]:
        e.pop("in_backward", None)
        if e["kind"] == "assigned":
            e.pop("trainable")
        for ref in e.get("inputs", []):
            ref.pop("trainable", None)
            ref.pop("variable", None)
    path = tmp_path / "older.tapeviz"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("trace.json", json.dumps(doc))
        for name, data in members.items():
            zf.writestr(name, data)
    trace = load_trace(path)
    ops = [e for e in trace.events if isinstance(e, OpRecorded)]
    assert all(not e.in_backward for e in ops)
    assert all(r.variable is None and not r.trainable for e in ops for r in e.inputs)
    assert all(e.trainable for e in trace.events if isinstance(e, VariableAssigned))


def test_a_required_field_missing_is_named() -> None:
    with zipfile.ZipFile(FIXTURE) as zf:
        doc = json.loads(zf.read("trace.json"))
    event = doc["events"][0]
    del event["op_id"]
    with pytest.raises(CorruptField, match=r"event 0\.op_id is missing"):
        decode_dataclass(OpRecorded, event, "event 0", _NoArrays())


class _NoArrays:
    def array(self, ref: Any, where: str) -> np.ndarray:
        return np.zeros(2)


@dataclasses.dataclass(frozen=True)
class _Everything:
    """Every field type the codec knows, nested; defined here, so nothing is per-kind."""

    n: int
    name: str
    flag: bool
    scale: float
    value: np.ndarray
    ref: TensorRef
    maybe: str | None
    pairs: tuple[tuple[str, Any], ...]
    ids: tuple[int, ...]
    grads: tuple[np.ndarray | None, ...]
    grown: int = 7


class _TableReader:
    def __init__(self, table: ArrayTable) -> None:
        self.table = table

    def array(self, ref: Any, where: str) -> np.ndarray:
        return self.table.arrays[ref["array"]]


def test_any_frozen_dataclass_round_trips_through_the_codec() -> None:
    arr = np.arange(6.0).reshape(2, 3)
    item = _Everything(
        3,
        "x",
        True,
        0.5,
        arr,
        TensorRef(4, arr, "w", True),
        None,
        (("key", (slice(1, None, 2), Ellipsis)), ("idx", np.array([0, 2])), ("axis", None)),
        (1, 2),
        (arr, None),
    )
    table = ArrayTable()
    doc = json.loads(json.dumps(encode_dataclass(item, table)))
    assert len(table.arrays) == 1  # the same array object is stored once
    back = decode_dataclass(_Everything, doc, "item", _TableReader(table))
    for f in dataclasses.fields(item):
        _assert_same(getattr(item, f.name), getattr(back, f.name))
    del doc["grown"]
    assert decode_dataclass(_Everything, doc, "item", _TableReader(table)).grown == 7
    doc["maybe"] = 5
    with pytest.raises(CorruptField, match=r"item\.maybe should be a string"):
        decode_dataclass(_Everything, doc, "item", _TableReader(table))


def test_loading_is_exposed_at_the_top_level() -> None:
    assert len(tapeviz.load_trace(FIXTURE)) == len(load_trace(FIXTURE))
