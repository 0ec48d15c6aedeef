"""Why a gradient is None, as the trace tells it (issue 12 item 5).

Each program is one of the TF autodiff guide's None cases (see test_none_and_control_flow.py for
the values themselves). Recorded, ``GradientsReturned.reasons`` names the cause; the timeline row,
the inspector and the image sentence say it with the learner's names; a saved trace keeps it.
The programs run inside functions of this file, so the learner's names are these locals.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

import tapeviz.tf as tf  # noqa: PLR0402  (the guide's own spelling)
from tapeviz.cli import main
from tapeviz.engine.errors import TapeError
from tapeviz.engine.events import GradientsReturned, OpRecorded
from tapeviz.render.dot import dot_source
from tapeviz.trace import Trace, load_trace, record
from tapeviz.view.events import describe_event, event_sentence, explain


def unwatched_constant() -> None:
    x = tf.constant(3.0)
    with tf.GradientTape() as tape:
        y = x * x
    tape.gradient(y, x)


def unconnected_variable() -> None:
    x = tf.Variable(2.0)
    w = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        z = w * w
    tape.gradient(z, x)


def through_numpy() -> None:
    import numpy as np

    v = tf.Variable([[1.0, 2.0], [3.0, 5.0]])
    with tf.GradientTape() as tape:
        sq = v**2
        means = np.mean(sq, axis=0)  # leaves the tape: a plain numpy array
        loss = tf.reduce_mean(means)
    tape.gradient(loss, v)


def integer_source() -> None:
    n = tf.constant(6)
    with tf.GradientTape() as tape:
        tape.watch(n)
        m = n * n
    tape.gradient(m, n)


def integer_target() -> None:
    x = tf.constant(2.5)
    with tf.GradientTape() as tape:
        tape.watch(x)
        k = tf.cast(x * 2.0, tf.int32)
    tape.gradient(k, x)


def stopped_by_stop_gradient() -> None:
    x = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        frozen = tf.stop_gradient(x)
        y = frozen * 3.0
    tape.gradient(y, x)


def stopped_by_stop_recording() -> None:
    x = tf.constant(2.0)
    b = tf.constant(3.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        tape.watch(b)
        x_sq = x * x
        with tape.stop_recording():
            b_sq = b * b
        z = x_sq + b_sq
    tape.gradient(z, [x, b])


def variable_read_while_paused() -> None:
    w = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        with tape.stop_recording():
            y = w * w
    tape.gradient(y, w)


def non_trainable_variable() -> None:
    x0 = tf.Variable(3.0, name="x0")
    x1 = tf.Variable(3.0, name="x1", trainable=False)
    with tf.GradientTape() as tape:
        y = x0 * x0 + x1 * x1
    tape.gradient(y, [x0, x1])


def variables_not_accessed() -> None:
    w = tf.Variable(2.0)
    with tf.GradientTape(watch_accessed_variables=False) as tape:
        y = w * w
    tape.gradient(y, w)


def spent_tape() -> None:
    x = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        y = x * x
    tape.gradient(y, x)
    with pytest.raises(TapeError, match="non-persistent"):  # as TF: RuntimeError
        tape.gradient(y, x)


def _recorded(program: Callable[[], None]) -> Trace:
    with record() as trace:
        program()
    return trace


def _returned(trace: Trace) -> tuple[int, GradientsReturned]:
    index = max(i for i, e in enumerate(trace.events) if isinstance(e, GradientsReturned))
    event = trace.events[index]
    assert isinstance(event, GradientsReturned)
    return index, event


# program, reasons, words in the timeline row, words in the inspector
CASES = [
    (unwatched_constant, ("unwatched",), "x: None — not watched by the tape",
     "x: None — the tape did not watch x: use `tape.watch(x)` or a `tf.Variable`"),
    (unconnected_variable, ("unconnected",), "x: None — not connected to z",
     "x: None — z does not depend on x through the ops the tape recorded"),
    (through_numpy, ("unconnected",), "v: None — not connected to loss", "loss does not depend on v"),
    (integer_source, ("integer",), "n: None — integer dtype",
     "n: None — n has dtype int32: gradients exist only for floating-point tensors"),
    (integer_target, ("integer_target",), "x: None — integer target",
     "the target k has an integer dtype: gradients need a floating-point target"),
    (stopped_by_stop_gradient, ("stop_gradient",), "x: None — cut by stop_gradient",
     "every path from x to y goes through `tf.stop_gradient`"),
    (stopped_by_stop_recording, ("", "stop_recording"), "b: None — cut by stop_recording",
     "b: None — z was computed from b inside `tape.stop_recording()`"),
    (variable_read_while_paused, ("stop_recording",), "w: None — cut by stop_recording",
     "y was computed from w inside `tape.stop_recording()`"),
    (non_trainable_variable, ("", "not_trainable"), "x1: None — non-trainable variable, not watched",
     "x1 is a variable with trainable=False, which the tape does not watch by itself"),
    (variables_not_accessed, ("unwatched_variable",), "w: None — not watched (watch_accessed_variables=False)",
     "the tape did not watch w: it was made with watch_accessed_variables=False, so call `tape.watch(w)`"),
    (spent_tape, ("spent",), "x: None — the tape was already used",
     "this non-persistent tape had already answered gradient(), so this call raised"),
]


@pytest.mark.parametrize("program, reasons, row, inspector", CASES, ids=[c[0].__name__ for c in CASES])
def test_each_none_is_explained_by_its_cause(program, reasons, row, inspector) -> None:
    trace = _recorded(program)
    index, event = _returned(trace)
    assert event.reasons == reasons
    assert all((g is None) == bool(r) for g, r in zip(event.grads, event.reasons))
    assert row in describe_event(trace, event)[2]
    assert any(inspector in line for line in explain(trace, index).lines), explain(trace, index).lines
    assert "None for" in event_sentence(trace, index) or "raised" in event_sentence(trace, index)


def test_a_gradient_that_is_returned_has_no_reason() -> None:
    def watched() -> None:
        x = tf.Variable(3.0)
        with tf.GradientTape() as tape:
            y = x * x
        tape.gradient(y, x)

    _, event = _returned(_recorded(watched))
    assert event.reasons == ()  # nothing to explain: the field keeps its default
    assert event.grads[0] is not None


def test_the_spent_call_is_named_in_the_timeline_and_inspector() -> None:
    trace = _recorded(spent_tape)
    index, event = _returned(trace)
    assert describe_event(trace, event)[0] == "gradient() raised"
    assert explain(trace, index).title == "tape.gradient() raised: the tape was already used"
    assert "persistent=True" in " ".join(explain(trace, index).lines)


def test_the_unwatched_ops_are_in_the_trace_off_the_tape() -> None:
    trace = _recorded(unwatched_constant)
    op = trace.events[0]
    assert isinstance(op, OpRecorded) and op.op == "multiply"
    assert op.tapes == () and op.off_tape
    node = trace.graph.nodes[op.output.id]
    assert node.off_tape
    assert describe_event(trace, op)[2].startswith("not on the tape: ")
    assert explain(trace, 0).title == "forward: y = multiply (not on the tape)"  # y: the learner's name
    assert trace.losses == [9.0]  # the gradient call happened: the loss pane has its target
    dot = dot_source(trace)
    assert "multiply" in dot and "not on the tape" in dot and "dashed" in dot


def test_ops_on_the_tape_are_unchanged_by_the_off_tape_ones() -> None:
    def mixed() -> None:
        x = tf.Variable(2.0)
        c = tf.constant(4.0)
        with tf.GradientTape() as tape:
            half = c / 2.0  # on nothing the tape watches
            y = x * half
        tape.gradient(y, x)

    trace = _recorded(mixed)
    ops = [e for e in trace.events if isinstance(e, OpRecorded)]
    assert [(e.op, e.off_tape) for e in ops] == [("divide", True), ("multiply", False)]
    _, event = _returned(trace)
    assert float(event.grads[0]) == 2.0 and event.reasons == ()


def test_the_tapes_own_seeds_and_backward_ops_stay_out() -> None:
    def persistent_second_order() -> None:
        x = tf.Variable(3.0)
        with tf.GradientTape() as outer:
            with tf.GradientTape(persistent=True) as inner:
                y = x * x * x
            dy = inner.gradient(y, x)
        outer.gradient(dy, x)

    trace = _recorded(persistent_second_order)
    assert not any(e.off_tape for e in trace.events if isinstance(e, OpRecorded))


def test_without_a_listener_nothing_off_the_tape_is_kept() -> None:
    x = tf.constant(3.0)
    with tf.GradientTape() as tape:
        y = x * x
        with tape.stop_recording():
            z = y * 2.0
    assert tape._missed == [] and z._id == 0 and y._id == 0
    assert tape.gradient(y, x) is None


def test_a_saved_trace_keeps_the_reasons(tmp_path: Path) -> None:
    trace = _recorded(stopped_by_stop_recording)
    path = tmp_path / "reasons.tapeviz"
    trace.save(path)
    loaded = load_trace(path)
    index, event = _returned(loaded)
    assert event.reasons == ("", "stop_recording")
    assert [e.off_tape for e in loaded.events if isinstance(e, OpRecorded)] == [
        e.off_tape for e in trace.events if isinstance(e, OpRecorded)
    ]
    assert explain(loaded, index).lines == explain(trace, index).lines


def test_tapeviz_events_names_the_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # wide enough that no cell wraps between table borders
    program = tmp_path / "unwatched.py"
    program.write_text(
        "import tapeviz.tf as tf\n\nx = tf.constant(3.0)\nwith tf.GradientTape() as tape:\n"
        "    y = x * x\ndy_dx = tape.gradient(y, x)\n",
        encoding="utf-8",
    )
    assert main(["events", str(program)]) == 0
    out = " ".join(capsys.readouterr().out.split())  # the table wraps long cells
    assert "not on the tape" in out
    assert "x: None — not watched by the tape" in out


def test_an_event_saved_before_reasons_existed_still_loads_and_reads() -> None:
    from tapeviz.trace.codec import ArrayTable, decode_event, encode_event

    trace = _recorded(unwatched_constant)
    index, event = _returned(trace)
    table = ArrayTable()
    old = encode_event(event, table)
    del old["reasons"]  # what a file written before the field looks like

    class Arrays:
        def array(self, ref: object, where: str) -> object:
            return table.arrays[ref["array"]]  # type: ignore[index]

    loaded = decode_event(old, "event 3", Arrays())
    assert loaded.reasons == () and loaded.reason(0) == ""
    trace.events[index] = loaded
    assert describe_event(trace, loaded)[2] == "x: None"
    assert explain(trace, index).lines == ["x: None — no reason recorded (a trace saved before reasons were kept)"]
