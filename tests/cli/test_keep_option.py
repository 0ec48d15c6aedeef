"""``tapeviz save/events --keep POLICY``: a long program's run recorded within bounds."""

from __future__ import annotations

from pathlib import Path

import pytest

from tapeviz.cli import main
from tapeviz.trace import load_trace

LOOP = """
import tapeviz.tf as tf
from tapeviz.tf.keras import Sequential, layers
tf.keras.utils.set_random_seed(0)
model = Sequential([layers.Dense(4, activation="relu"), layers.Dense(2)])
x = tf.random.normal([3, 5])
y = tf.one_hot([0, 1, 1], 2)
loss_fn = tf.keras.losses.CategoricalCrossentropy(from_logits=True)
opt = tf.keras.optimizers.SGD(learning_rate=0.1)
for step in range(24):
    with tf.GradientTape() as tape:
        loss = loss_fn(y, model(x))
    opt.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))
"""


@pytest.fixture
def loop(tmp_path: Path) -> Path:
    path = tmp_path / "loop.py"
    path.write_text(LOOP)
    return path


def test_save_keeps_what_the_policy_names_and_says_so(loop: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "loop.tapeviz"
    assert main(["save", str(loop), "-o", str(out), "--keep", "first=1,last=2,every=10,pin=6"]) == 0
    said = capsys.readouterr().out
    assert "24 iterations: 6 kept in full (1, 6, 11, 21, 23-24), 18 summarised" in said
    trace = load_trace(out)
    assert sorted(set(trace.iterations)) == [0, 5, 10, 20, 22, 23] and trace.iteration_count == 24
    assert main(["events", str(out), "--limit", "1"]) == 0
    assert "only kept iterations have events" in " ".join(capsys.readouterr().out.split())


def test_the_default_policy_keeps_a_short_run_whole_and_all_turns_it_off(loop: Path, tmp_path: Path) -> None:
    assert main(["save", str(loop), "-o", str(tmp_path / "d.tapeviz")]) == 0
    assert sorted(set(load_trace(tmp_path / "d.tapeviz").iterations)) == [0, 1, 2, 3, 4, 19, 20, 21, 22, 23]
    assert main(["save", str(loop), "-o", str(tmp_path / "a.tapeviz"), "--keep", "all"]) == 0
    whole = load_trace(tmp_path / "a.tapeviz")
    assert whole.run is None and sorted(set(whole.iterations)) == list(range(24))


def test_a_bad_policy_is_one_line_and_exit_2(loop: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["save", str(loop), "-o", str(tmp_path / "x.tapeviz"), "--keep", "every=often"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "'often' is not a valid value for every" in err


def test_export_run_draws_the_run_as_a_png(loop: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("PIL")
    from PIL import Image

    out = tmp_path / "run.png"
    assert main(["export-run", str(loop), "-o", str(out), "--keep", "first=1,last=1,every=0"]) == 0
    assert "24 iterations, 2 kept in full" in capsys.readouterr().out
    with Image.open(out) as image:
        assert image.format == "PNG" and image.size[0] == 1100
        pixels = image.convert("RGB").getcolors(1 << 20)
    assert len(pixels) > 3  # lines drawn, not a blank page
    assert main(["export-run", str(loop), "-o", str(tmp_path / "run.svg")]) == 2
    assert "writes a PNG" in capsys.readouterr().err


def test_events_and_export_of_a_summarised_iteration_replay_it(loop: Path, tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    """A file beside its unchanged program: ``--iteration N`` of a summarised iteration runs the
    program again to N and lists (or draws) that iteration in full, numbers as a full recording's."""
    out = tmp_path / "loop.tapeviz"
    assert main(["save", str(loop), "-o", str(out), "--keep", "first=1,last=1,every=10"]) == 0
    assert load_trace(out).is_summarised(6)
    capsys.readouterr()
    assert main(["events", str(out), "--iteration", "7", "--format", "csv"]) == 0
    replayed = capsys.readouterr()
    assert "iteration 7 was summarised: replaying it" in replayed.err
    assert main(["events", str(loop), "--keep", "all", "--iteration", "7", "--format", "csv"]) == 0
    full = capsys.readouterr().out
    def numbers(text: str) -> list[str]:  # each row less its event number (the replay numbers its own from 1)
        return [row.split(",", 1)[1] for row in text.splitlines()]

    assert len(numbers(replayed.out)) > 5 and numbers(replayed.out) == numbers(full)
    png = tmp_path / "it7.png"
    assert main(["export", str(out), "--iteration", "7", "-o", str(png)]) == 0
    assert png.stat().st_size > 1000 and "iteration 7" in capsys.readouterr().out
    loop.write_text(LOOP.replace("learning_rate=0.1", "learning_rate=0.2"))  # the program changed: one line, exit 2
    assert main(["events", str(out), "--iteration", "7"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["tapeviz: error: iteration 7 cannot be replayed: its program loop.py changed since it was recorded; "
                   "`tapeviz export-run` draws the run's summaries"]


def test_a_replay_runs_the_iterations_before_the_one_it_needs_with_nothing_listening(tmp_path: Path) -> None:
    """The replay counts the early iterations from the engine's pulses, building no event (the
    program's own speed); the iteration before the asked one runs under the full listener, which
    finds where the asked one begins, and that one is recorded in full."""
    from tapeviz.engine import events
    from tapeviz.trace.replay import replay

    probe = tmp_path / "loop.py"
    probe.write_text(LOOP.replace(
        "for step in range(24):\n",
        "import tapeviz.engine.events as _events\nheard = _events.__dict__.setdefault('_listening', [])\n"
        "for step in range(24):\n    heard.append(bool(_events.listeners))\n"))
    out = tmp_path / "loop.tapeviz"
    assert main(["save", str(probe), "-o", str(out), "--keep", "first=1,last=1,every=0"]) == 0
    trace = load_trace(out)
    events.__dict__["_listening"] = heard = []
    try:
        one = replay(trace, 9)
    finally:
        del events.__dict__["_listening"]
    # each iteration's first line: the listener joins at iteration 9's first op (the one before the
    # asked 10th) and is there for the 10th and for the 11th's start, where the replay stops
    assert heard == [False] * 9 + [True, True]
    assert set(one.iterations) == {9} and one.losses == [trace.run.losses[9]]


def test_a_replay_whose_pulse_count_goes_wrong_runs_again_counting_every_event(tmp_path: Path) -> None:
    """Every third iteration here runs only ops on nothing the tape watches: the trace counts it
    (its events are there), the engine's pulses do not (no tape recorded an op). The quick count
    then lands on another iteration, the summary check says so, and the replay runs the program
    once more with every event counted: the asked iteration, exactly."""
    from tapeviz.trace.replay import replay

    program = tmp_path / "loop.py"
    program.write_text(LOOP.replace(
        """    with tf.GradientTape() as tape:
        loss = loss_fn(y, model(x))
    opt.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))
""", """    with tf.GradientTape() as tape:
        if step % 3 == 0:
            loss = tf.constant(2.0) * tf.constant(float(step))  # (a tape that watches nothing here)
        else:
            loss = loss_fn(y, model(x))
    grads = tape.gradient(loss, model.trainable_variables)
    if step % 3:
        opt.apply_gradients(zip(grads, model.trainable_variables))
"""))
    out = tmp_path / "loop.tapeviz"
    assert main(["save", str(program), "-o", str(out), "--keep", "first=1,last=1,every=0"]) == 0
    trace = load_trace(out)
    assert trace.run.iterations == 24
    for asked in (7, 8, 10):
        one = replay(trace, asked)
        assert set(one.iterations) == {asked} and one.losses == [trace.run.losses[asked]]


def test_a_file_saved_with_a_relative_program_path_replays_from_any_directory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``cd work && tapeviz save loop.py -o run.tapeviz``, then the file opened from elsewhere:
    the trace keeps the program's full path, so the replay finds it. A file saved before that
    named the program as typed (``loop.py``); it finds the one kept source whose path ends so."""
    from tapeviz.trace.replay import replay, replay_problem

    work = tmp_path / "work"
    work.mkdir()
    (work / "loop.py").write_text(LOOP)
    monkeypatch.chdir(work)
    assert main(["save", "loop.py", "-o", "run.tapeviz", "--keep", "first=1,last=1,every=0"]) == 0
    monkeypatch.chdir(tmp_path)
    trace = load_trace(work / "run.tapeviz")
    assert trace.meta["source"] == str((work / "loop.py").resolve())
    assert replay_problem(trace, 9) == ""
    assert replay(trace, 9).losses == [trace.run.losses[9]]
    trace.meta["source"] = "loop.py"  # as files saved before the fix say it
    assert replay_problem(trace, 9) == ""
    assert replay(trace, 9).losses == [trace.run.losses[9]]
    trace.meta["source"] = "other.py"  # a name no kept source ends with: says so, in one line
    assert "does not know the program" in replay_problem(trace, 9)


def test_export_run_of_one_iteration_says_one_iteration(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("PIL")
    assert main(["export-run", "seed", "-o", str(tmp_path / "run.png")]) == 0
    assert "(1 iteration, 1 kept in full)" in capsys.readouterr().out


def _loss_curve_columns(png: Path) -> list[int]:
    """The x of every pixel of the loss curve's colour inside the loss panel."""
    from PIL import Image

    from tapeviz.render.run_plot import COLOURS, MARGIN_L, MARGIN_R, MARGIN_T, PANEL, WIDTH

    with Image.open(png) as image:
        rgb = image.convert("RGB")
        return [x for x in range(MARGIN_L, WIDTH - MARGIN_R + 1) for y in range(MARGIN_T, MARGIN_T + PANEL + 1)
                if rgb.getpixel((x, y)) == COLOURS[0]]


def test_a_short_run_is_drawn_across_the_whole_plot(loop: Path, tmp_path: Path) -> None:
    """24 iterations on a plot 770 pixels wide: the curve spans it, as the kept ticks do (it was
    drawn one pixel per iteration, in the plot's first 24 pixels); a run of one iteration is a
    dot in the middle, where its tick is."""
    pytest.importorskip("PIL")
    from tapeviz.render.run_plot import MARGIN_L, MARGIN_R, WIDTH

    plot_w = WIDTH - MARGIN_L - MARGIN_R
    out = tmp_path / "run.png"
    assert main(["export-run", str(loop), "-o", str(out), "--keep", "first=1,last=1,every=0"]) == 0
    xs = _loss_curve_columns(out)
    assert min(xs) < MARGIN_L + plot_w * 0.05 and max(xs) > MARGIN_L + plot_w * 0.95
    one = tmp_path / "one.png"
    assert main(["export-run", "seed", "-o", str(one)]) == 0
    xs = _loss_curve_columns(one)
    assert len(xs) >= 9 and abs((min(xs) + max(xs)) / 2 - (MARGIN_L + plot_w / 2)) <= 2
