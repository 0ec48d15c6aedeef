"""The event stream, the trace folded from it, and the trace file format."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

import tapeviz.engine as E
from tapeviz.engine import events as ev
from tapeviz.trace import TraceFileError, load_trace, record, snapshot


def small_expression() -> tuple[object, object]:
    w = E.Variable(2.0, name="w")
    b = E.Variable(-1.0, name="b")
    x = E.constant(3.0)
    with record() as trace:
        with E.GradientTape() as tape:
            y = E.relu(w * x + b)
        gw, gb = tape.gradient(y, [w, b])
        w.assign_sub(0.1 * gw)
    return trace, (gw, gb)


def test_event_sequence_of_relu_w_x_plus_b() -> None:
    trace, (gw, gb) = small_expression()
    kinds = [(type(e).__name__, getattr(e, "op", None)) for e in trace.events]
    assert kinds == [
        ("OpRecorded", "multiply"),
        ("OpRecorded", "add"),
        ("OpRecorded", "relu"),
        ("GradientStarted", None),
        ("BackwardStep", "relu"),
        ("BackwardStep", "add"),
        ("BackwardStep", "multiply"),
        ("GradientsReturned", None),
        ("VariableAssigned", None),
    ]
    # local ids are small and in order of appearance: w=1, x=2, w*x=3, b=4, add=5, relu=6
    mul, add, relu = trace.events[0], trace.events[1], trace.events[2]
    assert [r.id for r in mul.inputs] == [1, 2] and mul.output.id == 3
    assert [r.id for r in add.inputs] == [3, 4] and add.output.id == 5
    assert mul.inputs[0].variable == "w" and mul.inputs[1].variable is None
    assert float(relu.output.value) == 5.0
    step = trace.events[6]
    assert float(step.upstream) == 1.0
    assert [float(g) for g in step.input_grads if g is not None] == [3.0]  # ∂/∂w = x; x is a constant
    assert trace.events[7].sources == (1, 4)
    assert float(gw) == 3.0 and float(gb) == 1.0
    upd = trace.events[8]
    assert upd.method == "assign_sub" and float(upd.before) == 2.0 and float(upd.after) == pytest.approx(1.7)
    assert trace.phases == ["forward"] * 3 + ["backward"] * 5 + ["update"]
    assert trace.losses == [5.0]


def test_accumulation_event_when_a_value_is_reused() -> None:
    x = E.Variable(2.0)
    with record() as trace:
        with E.GradientTape() as tape:
            y = x * x
        tape.gradient(y, x)
    acc = [e for e in trace.events if isinstance(e, ev.GradientAccumulated)]
    assert len(acc) == 1
    assert (float(acc[0].before), float(acc[0].added), float(acc[0].total)) == (2.0, 2.0, 4.0)


def test_no_listener_no_events_and_listeners_unsubscribe() -> None:
    seen: list[object] = []
    listener = ev.subscribe(seen.append)
    ev.unsubscribe(listener)
    x = E.Variable(1.0)
    with E.GradientTape() as tape:
        y = x * 2.0
    tape.gradient(y, x)
    assert seen == [] and ev.listeners == []


def test_iterations_and_phase_boundaries() -> None:
    from tapeviz.examples import EXAMPLES

    trace = EXAMPLES["two-layer"].build()
    trace.train_more(2)
    assert trace.iteration_count == 3
    assert len(trace.losses) == 3 and trace.losses[2] < trace.losses[0]
    bounds = trace.phase_boundaries()
    assert [trace.phase(i) for i in bounds[:3]] == ["forward", "backward", "update"]
    assert trace.iteration(bounds[3]) == 1
    # the same role has the same key in every iteration: layouts are reused
    keys = [{trace.graph.nodes[n].key for n in trace.graph.iteration_nodes(i)} for i in range(3)]
    assert keys[0] == keys[1] == keys[2]


def test_snapshot_mid_backward() -> None:
    trace, _ = small_expression()
    snap = snapshot(trace, 5)  # the backward step of add
    assert snap.phase == "backward"
    assert 5 in snap.current and snap.backward_done == {6, 5}
    assert float(snap.grads[3]) == 1.0 and float(snap.grads[4]) == 1.0
    assert (3, 5) in snap.grad_edges and (1, 3) not in snap.grad_edges
    with pytest.raises(IndexError, match="out of range"):
        snapshot(trace, 99)


def test_same_program_same_trace_ids() -> None:
    a, _ = small_expression()
    b, _ = small_expression()
    assert [e.output.id for e in a.events[:3]] == [e.output.id for e in b.events[:3]]


# ---- trace files ------------------------------------------------------------------------


def assert_same_events(a: object, b: object) -> None:
    assert len(a.events) == len(b.events)
    for x, y in zip(a.events, b.events):
        assert type(x) is type(y)
        for field in x.__dataclass_fields__:
            fx, fy = getattr(x, field), getattr(y, field)
            if isinstance(fx, np.ndarray):
                assert fx.dtype == fy.dtype and np.array_equal(fx, fy)
            elif field in ("inputs", "output"):
                refs_x = fx if isinstance(fx, tuple) else (fx,)
                refs_y = fy if isinstance(fy, tuple) else (fy,)
                for rx, ry in zip(refs_x, refs_y):
                    assert (rx.id, rx.variable, rx.trainable) == (ry.id, ry.variable, ry.trainable)
                    assert np.array_equal(rx.value, ry.value) and rx.value.dtype == ry.value.dtype
            elif isinstance(fx, tuple) and fx and isinstance(fx[0], (np.ndarray, type(None))):
                assert all((p is None and q is None) or np.array_equal(p, q) for p, q in zip(fx, fy))
            else:
                assert fx == fy, field


def test_trace_round_trip(tmp_path: Path) -> None:
    from tapeviz.examples import EXAMPLES

    trace = EXAMPLES["two-layer"].build()
    x = E.constant(np.arange(12.0).reshape(3, 4))
    with record(trace):
        with E.GradientTape() as tape:
            tape.watch(x)
            y = E.reduce_sum(x[1:, ::2] * 2.0)
        tape.gradient(y, x)
    path = tmp_path / "t.tapeviz"
    trace.save(path)
    loaded = load_trace(path)
    assert_same_events(trace, loaded)
    assert loaded.losses == trace.losses and loaded.phases == trace.phases
    assert [n.key for n in loaded.graph.nodes.values()] == [n.key for n in trace.graph.nodes.values()]


def _saved(tmp_path: Path) -> Path:
    trace, _ = small_expression()
    path = tmp_path / "good.tapeviz"
    trace.save(path)
    return path


@pytest.mark.parametrize(
    "case, expected",
    [
        ("missing", "no such file"),
        ("empty", "the file is empty"),
        ("random", "not a tapeviz trace"),
        ("truncated", "not a tapeviz trace"),
        ("newer", "written by a newer tapeviz"),
        ("bad_json", "corrupted trace.json"),
        ("missing_array", "array 0 .* is missing"),
        ("bad_event", "corrupted: event 0"),
        ("dangling", "backward step of a tensor never recorded"),
    ],
)
def test_bad_trace_files_name_the_file_and_problem(tmp_path: Path, case: str, expected: str) -> None:
    good = _saved(tmp_path)
    bad = tmp_path / f"{case}.tapeviz"
    if case == "empty":
        bad.write_bytes(b"")
    elif case == "random":
        bad.write_bytes(np.random.default_rng(0).bytes(3000))
    elif case == "truncated":
        bad.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    else:
        with zipfile.ZipFile(good) as zf:
            doc = json.loads(zf.read("trace.json"))
            members = {n: zf.read(n) for n in zf.namelist()}
        if case == "newer":
            doc["version"] = 99
        elif case == "bad_event":
            doc["events"][0]["inputs"] = "oops"
        elif case == "dangling":
            step = next(e for e in doc["events"] if e["kind"] == "backward")
            step["output_id"] = 999
        elif case == "missing_array":
            del members["arrays/0.npy"]
        members["trace.json"] = b"{not json" if case == "bad_json" else json.dumps(doc).encode()
        if case != "missing":
            with zipfile.ZipFile(bad, "w") as zf:
                for name, data in members.items():
                    zf.writestr(name, data)
    with pytest.raises(TraceFileError, match=expected) as info:
        load_trace(bad)
    assert str(bad) in str(info.value)


def test_failed_save_leaves_no_file(tmp_path: Path) -> None:
    trace, _ = small_expression()
    with pytest.raises(TraceFileError, match="does not exist"):
        trace.save(tmp_path / "nope" / "t.tapeviz")
    assert list(tmp_path.iterdir()) == []


def test_engine_imports_no_ui_or_render_packages() -> None:
    code = "import sys, tapeviz.engine, tapeviz.trace; bad = [m for m in ('textual', 'rich', 'graphviz') if m in sys.modules]; print(bad)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_nonfinite_values_are_flagged_where_they_first_appear() -> None:
    x = E.Variable([1.0, 0.0])
    with record() as trace:
        with E.GradientTape() as tape:
            y = E.log(x)  # log(0) = -inf: the first non-finite value
            z = E.reduce_sum(y * 2.0)
        tape.gradient(z, x)  # 1/0 = inf in the backward pass too
    assert trace.first_nonfinite == 0
    assert trace.nonfinite_at(0) == [trace.events[0].output.id]
    assert trace.nonfinite_at(1) == []  # multiply only carries the -inf along
    backward = [i for i, e in enumerate(trace.events) if isinstance(e, ev.BackwardStep) and e.op == "log"]
    assert trace.nonfinite_at(backward[0]) == [1]  # 1/x at x = 0: a new infinity, from finite numbers
    finite, _ = small_expression()
    assert finite.first_nonfinite is None


def test_snapshot_shows_only_the_current_gradient_call() -> None:
    x = E.Variable(2.0)
    with record() as trace:
        with E.GradientTape(persistent=True) as tape:
            y = x * x
            z = y * 3.0
        tape.gradient(z, x)  # 12
        tape.gradient(y, x)  # 4
    x_id = trace.events[0].inputs[0].id
    assert float(snapshot(trace, len(trace) - 1).grads[x_id]) == 4.0


def test_accumulation_follows_the_backward_step_that_caused_it() -> None:
    x = E.Variable(2.0)
    with record() as trace:
        with E.GradientTape() as tape:
            y = x * x
        tape.gradient(y, x)
    kinds = [type(e).__name__ for e in trace.events]
    assert kinds == ["OpRecorded", "GradientStarted", "BackwardStep", "GradientAccumulated", "GradientsReturned"]


def test_snapshots_in_one_walk_equal_snapshot_at_each_event() -> None:
    from tapeviz.examples import EXAMPLES
    from tapeviz.trace import snapshots

    for name in ("seed", "guide-intermediate", "square"):
        trace = EXAMPLES[name].build()
        if trace.trainer is not None:
            trace.train_more(1)
        walked = list(snapshots(trace, range(len(trace))))
        assert [s.index for s in walked] == list(range(len(trace)))
        for got in walked:
            want = snapshot(trace, got.index)
            assert (got.phase, got.iteration, got.nodes, got.loss, got.sources) == (want.phase, want.iteration, want.nodes, want.loss, want.sources)
            assert (got.forward_done, got.backward_done, got.current, got.current_edges) == (want.forward_done, want.backward_done, want.current, want.current_edges)
            assert got.grad_edges == want.grad_edges and got.updates.keys() == want.updates.keys()
            for mine, theirs in ((got.values, want.values), (got.grads, want.grads)):
                assert mine.keys() == theirs.keys()
                assert all(np.array_equal(mine[k], theirs[k]) for k in mine)
