"""``tapeviz events`` and ``tapeviz export`` choose events the same way (--iteration, --phase,
--events, --at); ``tapeviz events`` writes them as a table, JSON or CSV."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tapeviz.cli import main
from tapeviz.render.gv import have_dot
from tapeviz.sources import load_source
from tapeviz.view.records import FIELDS, event_record
from tapeviz.view.selection import Selection, SelectionError, parse_events, select_events

needs_dot = pytest.mark.skipif(not have_dot(), reason="Graphviz's dot program is not installed")

THREE_STEPS = """\
import tapeviz.tf as tf
w = tf.Variable(2.0, name="w")
for step in range(3):
    x = tf.constant(3.0 + step, name="x")
    with tf.GradientTape() as tape:
        loss = (w * x - 1.0) ** 2
    g = tape.gradient(loss, w)
    w.assign_sub(0.01 * g)
"""
NAN = """\
import tapeviz.tf as tf
v = tf.Variable([-1.0, -4.0], name="v")
with tf.GradientTape() as tape:
    y = tf.reduce_sum(tf.sqrt(v))
g = tape.gradient(y, v)
"""


@pytest.fixture
def three_steps(tmp_path: Path) -> str:
    path = tmp_path / "three_steps.py"
    path.write_text(THREE_STEPS)
    return str(path)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_selection_combines_iteration_phase_and_range(three_steps: str) -> None:
    trace = load_source(three_steps)  # 3 iterations of 9 events: 3 forward, 5 backward, 1 update
    assert len(trace) == 27 and trace.iteration_count == 3
    assert select_events(trace, Selection(iteration=2)) == list(range(9, 18))
    assert select_events(trace, Selection(iteration=-1, phase="forward")) == [18, 19, 20]
    assert select_events(trace, Selection(phase="update")) == [8, 17, 26]
    assert select_events(trace, Selection(phase="backward", events=(12, 15))) == [12, 13, 14]
    assert select_events(trace, Selection(events=(25, None))) == [24, 25, 26]
    assert select_events(trace, Selection(events=(None, 2))) == [0, 1]
    assert select_events(trace, Selection(events=(-2, -1))) == [25, 26]
    assert parse_events("3..7") == (3, 7) and parse_events("4") == (4, 4) and parse_events("..9") == (None, 9)
    for bad, words in [
        (Selection(iteration=4), "iteration 4 is out of range: the trace has 3 iteration(s)"),
        (Selection(events=(5, 99)), "event 99 is out of range: the trace has 27 events"),
        (Selection(events=(9, 3)), "is empty"),
        (Selection(iteration=1, phase="update", events=(1, 3)), "no events match iteration 1, update phase, events 1..3"),
    ]:
        with pytest.raises(SelectionError, match=None) as failed:
            select_events(trace, bad)
        assert words in str(failed.value)


def test_events_csv_has_one_record_per_chosen_event(three_steps: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "events", three_steps, "--phase", "update", "--format", "csv")
    assert code == 0 and err == ""
    rows = list(csv.DictReader(io.StringIO(out)))
    assert tuple(rows[0]) == FIELDS
    assert [r["number"] for r in rows] == ["9", "18", "27"] and {r["iteration"] for r in rows} == {"1", "2", "3"}
    assert {r["kind"] for r in rows} == {"variable_assigned"} and {r["tensor"] for r in rows} == {"w"}
    trace = load_source(three_steps)
    # every number is the trace's own: w after the first update, and its value before
    first = trace.events[8]
    assert float(rows[0]["value"]) == float(first.after) and float(rows[0]["before"]) == float(first.before)
    code, out, _ = run(capsys, "events", three_steps, "--iteration", "1", "--phase", "backward", "--format", "csv")
    steps = [r for r in csv.DictReader(io.StringIO(out)) if r["kind"] == "backward_step"]
    assert [r["op"] for r in steps] == ["power", "subtract", "multiply"]
    assert float(steps[-1]["gradients"]) == 30.0 and steps[-1]["inputs"] == "w"  # ∂loss/∂w = 2(wx−1)x = 30


def test_events_json_marks_nan_and_keeps_it_valid_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    program = tmp_path / "nan.py"
    program.write_text(NAN)
    code, out, err = run(capsys, "events", str(program), "--format", "json")
    assert code == 0 and err == ""
    records = json.loads(out)  # strict JSON: no NaN literals
    assert [r["number"] for r in records] == list(range(1, 7))
    assert all(set(r) == set(FIELDS) for r in records)
    sqrt = records[0]
    assert sqrt["op"] == "sqrt" and sqrt["nonfinite"] is True and sqrt["min"] is None
    assert records[2]["kind"] == "gradient_started" and records[2]["value"] == 1.0
    assert event_record(load_source(str(program)), 1)["value"] != event_record(load_source(str(program)), 1)["value"]  # NaN


def test_events_at_picks_one_event_and_must_be_chosen(three_steps: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "events", three_steps, "--at", "12", "--format", "json")
    assert code == 0 and [r["number"] for r in json.loads(out)] == [12]
    code, out, err = run(capsys, "events", three_steps, "--at", "3", "--iteration", "2")
    assert code == 2 and err == "tapeviz: error: --at 3 (event 3) is not among iteration 2\n"


def test_piped_table_is_never_wrapped(three_steps: str) -> None:
    env = {**os.environ, "COLUMNS": "40"}
    done = subprocess.run([sys.executable, "-m", "tapeviz", "events", three_steps], capture_output=True, text=True,
                          env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    rows = [line for line in done.stdout.splitlines() if line.startswith("│")]
    assert len(rows) == 27  # one line per event, however narrow the terminal says it is
    assert "\x1b[" not in done.stdout


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["--events", "x..3"], "give A..B with event numbers"),
        (["--events", "0..3"], "events are numbered from 1"),
        (["--phase", "sideways"], "invalid choice: 'sideways'"),
        (["--iteration", "0"], "invalid iteration '0'"),
        (["--format", "xml"], "invalid choice: 'xml'"),
        (["--iteration", "9"], "iteration 9 is out of range"),
        (["--events", "30.."], "event 30 is out of range"),
    ],
)
def test_bad_choices_are_one_line(argv: list[str], said: str, three_steps: str, tmp_path: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    for command in (["events", three_steps], ["export", three_steps, "-o", str(tmp_path / "x.dot")]):
        if command[0] == "export" and "--format" in argv:
            continue  # (export has no --format: the suffix of -o says it)
        code, out, err = run(capsys, *command, *argv)
        assert code == 2 and err.count("\n") == 1 and said in err and out == "", (command, err)
    assert not (tmp_path / "x.dot").exists()


def test_export_image_shows_the_last_chosen_event(three_steps: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_path = tmp_path / "b.dot"
    code, out, err = run(capsys, "export", three_steps, "-o", str(out_path), "--iteration", "2", "--phase", "backward")
    assert code == 0, err
    assert "at event 17 of 27 (backward, iteration 2)" in out
    code, out, err = run(capsys, "export", three_steps, "-o", str(out_path), "--iteration", "2", "--at", "12")
    assert code == 0 and "at event 12 of 27" in out
    code, out, err = run(capsys, "export", three_steps, "-o", str(out_path), "--iteration", "2", "--at", "1")
    assert code == 2 and "--at 1 (event 1) is not among iteration 2" in err


@needs_dot
def test_export_frames_and_gif_of_a_chosen_range(three_steps: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("PIL")
    from PIL import Image

    code, out, err = run(capsys, "export", three_steps, "--frames", str(tmp_path / "f"), "--iteration", "3")
    assert code == 0, err
    assert sorted(p.name for p in (tmp_path / "f").iterdir()) == [f"event-{n:04d}.png" for n in range(19, 28)]
    assert "9 frames" in out and "events 19..27 (iteration 3)" in out
    # one phase across every iteration: frames from three iterations share one layout
    code, out, err = run(capsys, "export", three_steps, "-o", str(tmp_path / "u.gif"), "--phase", "forward")
    assert code == 0, err
    assert "9 frames, events 1..21 (forward phase)" in out
    with Image.open(tmp_path / "u.gif") as gif:
        assert gif.n_frames == 9
    code, out, err = run(capsys, "export", three_steps, "-o", str(tmp_path / "r.gif"), "--events", "4..8")
    assert code == 0, err
    with Image.open(tmp_path / "r.gif") as gif:
        assert gif.n_frames == 5
