"""Loading a trace file stays within a budget tied to the file's size and the machine.

The hostile files are made by ``tests.support.hostile_traces`` (never checked in): a trace.json
or arrays that inflate far past what a file of their size can hold, a header that under-states
a member, absurd shapes, wrong ``meta`` types, events whose arrays disagree, negative ids. Each
gives one ``TraceFileError`` line (the CLI: exit 2) without allocating what the file claims.
"""

from __future__ import annotations

import subprocess
import sys
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

import tapeviz
from tapeviz.trace import TraceFileError
from tapeviz.trace.filechecks import BUDGET_FLOOR, JSON_FLOOR, load_budget
from tests.support import hostile_traces as H

MiB = 1 << 20


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tapeviz.examples import EXAMPLES

    path = tmp_path_factory.mktemp("good") / "good.tapeviz"
    EXAMPLES["two-layer"].build().save(path)
    return path


def refused(path: Path, match: str) -> int:
    """Load ``path``: it must fail with one line matching ``match``; returns the peak bytes."""
    tracemalloc.start()
    try:
        with pytest.raises(TraceFileError, match=match) as caught:
            tapeviz.load_trace(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "\n" not in str(caught.value) and str(path) in str(caught.value)
    return peak


def test_the_budget_follows_the_file_size_with_a_floor() -> None:
    total, json_budget = load_budget(10_000)
    assert total == BUDGET_FLOOR and json_budget == JSON_FLOOR
    total, json_budget = load_budget(100 * MiB)
    assert total > BUDGET_FLOOR and json_budget <= total


def test_a_good_trace_loads_within_its_budget(good: Path) -> None:
    trace = tapeviz.load_trace(good)
    assert len(trace) > 0 and all(not a.flags.writeable for e in trace.events for a in [getattr(e, "after", None)] if a is not None)


def test_a_json_bomb_is_refused_before_it_is_inflated(good: Path, tmp_path: Path) -> None:
    bomb = H.json_bomb(good, tmp_path / "bomb.tapeviz", 64 * MiB)
    assert bomb.stat().st_size < MiB
    assert refused(bomb, "trace.json would expand to .* hostile archive") < 4 * MiB


def test_arrays_that_inflate_past_the_budget_are_refused_before_reading(good: Path, tmp_path: Path) -> None:
    bomb = H.array_bombs(good, tmp_path / "arrays.tapeviz", 3, 40 * MiB)
    assert bomb.stat().st_size < MiB
    assert refused(bomb, "would expand to .* hostile archive") < 4 * MiB


def test_an_array_padded_past_its_shape_is_refused(good: Path, tmp_path: Path) -> None:
    bomb = H.padded_array(good, tmp_path / "padded.tapeviz", 80 * MiB)
    assert refused(bomb, "hostile archive") < 4 * MiB


def test_a_member_larger_than_its_header_says_never_streams_past_it(good: Path, tmp_path: Path) -> None:
    lying = H.understated(good, tmp_path / "lying.tapeviz", "arrays/0.npy", 40 * MiB, 200)
    assert refused(lying, "corrupted array 0") < 4 * MiB
    lying = H.understated(good, tmp_path / "lying-json.tapeviz", "trace.json", 40 * MiB, 20_000)
    assert refused(lying, "trace.json|corrupted") < 4 * MiB


@pytest.mark.parametrize("shape", [(0, 10**20), (10**20,), (0, 2**40)], ids=["empty-1e20", "1e20", "empty-2^40"])
def test_absurd_shapes_are_refused_even_when_empty(shape: tuple[int, ...], good: Path, tmp_path: Path) -> None:
    bad = H.copy_trace(good, tmp_path / "shape.tapeviz", {"arrays/0.npy": lambda z: z.writestr("arrays/0.npy", H.npy_header(shape))})
    refused(bad, "absurd shape|over the")


META_CASES: dict[str, tuple[Callable[[dict], None], str]] = {
    "warnings-int": (lambda m: m.update(warnings=5), "meta.warnings should be a list of strings"),
    "warnings-list-of-ints": (lambda m: m.update(warnings=[1, 2]), "meta.warnings"),
    "optimizer-int": (lambda m: m.update(optimizers={"SGD": 5}), "meta.optimizers"),
    "optimizers-list": (lambda m: m.update(optimizers=[1]), "meta.optimizers"),
    "optimizer-nested": (lambda m: m.update(optimizers={"SGD": {"learning_rate": [0.1]}}), "meta.optimizers"),
    "optimizer-slots-numbers": (lambda m: m.update(optimizers={"SGD": {"slots": {"momentum": 1}}}), "meta.optimizers"),
    "optimizer-rule-text": (lambda m: m.update(optimizers={"SGD": {"rule": "w ← w - lr·g"}}), "meta.optimizers"),
    "stdout-list": (lambda m: m.update(stdout=["x"]), "meta.stdout should be a string"),
    "learning-rate-text": (lambda m: m.update(learning_rate="fast"), "meta.learning_rate should be a number"),
    "what-if-numbers": (lambda m: m.update(what_if={"lr": 1}), "meta.what_if"),
}


@pytest.mark.parametrize("case", sorted(META_CASES))
def test_every_meta_field_the_views_read_is_type_checked(case: str, good: Path, tmp_path: Path) -> None:
    edit, match = META_CASES[case]
    bad = H.copy_trace(good, tmp_path / "meta.tapeviz", doc=lambda d: edit(d.setdefault("meta", {})))
    refused(bad, match)
    bad = H.copy_trace(good, tmp_path / "meta2.tapeviz", doc=lambda d: d.update(meta=[1]))
    refused(bad, "meta should be an object")


def _first(doc: dict, kind: str) -> dict:
    return next(e for e in doc["events"] if e["kind"] == kind)


def test_an_update_whose_before_and_after_disagree_is_refused(good: Path, tmp_path: Path) -> None:
    def edit(doc: dict) -> None:  # point after at an array of another shape (a bias, not the kernel)
        assigned = [e for e in doc["events"] if e["kind"] == "assigned"]
        assigned[0]["after"] = assigned[1]["after"]

    with np.errstate(all="ignore"):
        refused(H.copy_trace(good, tmp_path / "update.tapeviz", doc=edit), "assigns .* shape .* before has shape")


@pytest.mark.parametrize("field", ["op_id", "output", "tape_id"])
def test_negative_ids_are_refused(field: str, good: Path, tmp_path: Path) -> None:
    def edit(doc: dict) -> None:
        e = _first(doc, "op" if field != "tape_id" else "backward")
        if field == "output":
            e["output"]["id"] = -7
        else:
            e[field] = -3

    refused(H.copy_trace(good, tmp_path / "neg.tapeviz", doc=edit), "has the id -[0-9]+; ids are whole numbers from 0")


def test_the_cli_says_one_line_and_exits_2_on_a_bomb(good: Path, tmp_path: Path) -> None:
    bomb = H.json_bomb(good, tmp_path / "bomb.tapeviz", 32 * MiB)
    out = subprocess.run([sys.executable, "-m", "tapeviz", "events", str(bomb)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 2 and out.stderr.count("\n") == 1 and "hostile archive" in out.stderr


def test_an_optimizer_described_by_keras_loads(good: Path, tmp_path: Path) -> None:
    """``Optimizer.described()`` writes its slots (slot -> symbol) and rule (terms) into meta."""
    import tapeviz.tf as tf

    described = {"adam": tf.keras.optimizers.Adam().described()}
    assert isinstance(described["adam"]["slots"], dict) and isinstance(described["adam"]["rule"], list)
    path = H.copy_trace(good, tmp_path / "adam.tapeviz", doc=lambda d: d.setdefault("meta", {}).update(optimizers=described))
    assert tapeviz.load_trace(path).meta["optimizers"] == described
