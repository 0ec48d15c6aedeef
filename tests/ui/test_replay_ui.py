"""Replaying a summarised iteration from the run view (key r, Enter): the program that trained in
its own loop runs again in a worker, and the iteration is shown in full, its numbers those of a
full recording (ui/app.py, trace/replay.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tapeviz.trace.runner import run_program
from tapeviz.ui import TapevizApp
from tapeviz.ui.run_screen import RunScreen
from tapeviz.ui.status_line import StatusLine
from tests.support.ui_helpers import settle
from tests.trace.test_replay import arrays_of

LOOP = """
import tapeviz.tf as tf
from tapeviz.tf.keras import Sequential, layers

tf.random.set_seed(0)
tf.keras.utils.set_random_seed(0)
model = Sequential([layers.Dense(8, activation="relu"), layers.Dropout(0.2), layers.Dense(3)])
x = tf.random.normal([12, 5])
y = tf.one_hot(tf.random.uniform([12], maxval=3, dtype=tf.int32), 3)
loss_fn = tf.keras.losses.CategoricalCrossentropy(from_logits=True)
opt = tf.keras.optimizers.SGD(learning_rate=0.05)
for step in range(30):
    k = step % 3
    with tf.GradientTape() as tape:
        loss = loss_fn(y[4 * k: 4 * k + 4], model(x[4 * k: 4 * k + 4], training=True))
    grads = tape.gradient(loss, model.trainable_variables)
    opt.apply_gradients(zip(grads, model.trainable_variables))
"""


def program(tmp_path: Path) -> Path:
    path = tmp_path / "loop.py"
    path.write_text(LOOP)
    return path


async def test_enter_on_a_summarised_iteration_replays_it_in_full(tmp_path: Path) -> None:
    path = program(tmp_path)
    full = run_program(path, keep="all").trace
    bounded = run_program(path, keep="first=2,last=2,every=10").trace
    assert bounded.is_summarised(16) and not full.is_summarised(16)
    app = TapevizApp(bounded, source="loop.py", out_dir=tmp_path, layout_engine="layered")
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, RunScreen)
        await pilot.press("home")
        for _ in range(16):
            await pilot.press("right")
        await settle(pilot)
        assert app.screen.cursor == 16 and "summarised: Enter replays it in full" in app.screen.text
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, RunScreen)
        shown = app.trace
        assert shown is not bounded and set(shown.iterations) == {16} and app.trace.iteration(app.index) == 16
        assert any("iteration 17 replayed in full" in n.message for n in app._notifications)
        assert app.frame.iterations == 30  # the header: iteration 17 of the run's 30
        mine, theirs = arrays_of(shown, 16), arrays_of(full, 16)
        assert mine[0] == theirs[0] and len(mine[1]) == len(theirs[1]) > 10
        for a, b in zip(mine[1], theirs[1]):
            assert a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b, equal_nan=True)
        await pilot.press("r")  # back to the run: a kept iteration opens the run's own trace again
        await settle(pilot)
        assert isinstance(app.screen, RunScreen) and app.screen.cursor == 16 and app.screen.trace is bounded
        await pilot.press("end")
        await pilot.press("enter")
        await settle(pilot)
        assert app.trace is bounded and app.trace.iteration(app.index) == 29


async def _enter_on_iteration_6(pilot) -> None:  # noqa: ANN001
    """In the run view (r), the cursor on iteration 6 (a summarised one), then Enter."""
    await settle(pilot)
    await pilot.press("r", "home", "right", "right", "right", "right", "right")
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)


async def test_a_program_changed_since_the_recording_is_not_replayed(tmp_path: Path) -> None:
    path = program(tmp_path)
    bounded = run_program(path, keep="first=2,last=2,every=10").trace
    path.write_text(LOOP.replace("learning_rate=0.05", "learning_rate=0.5"))
    app = TapevizApp(bounded, source="loop.py", out_dir=tmp_path, layout_engine="layered")
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await _enter_on_iteration_6(pilot)
        assert isinstance(app.screen, RunScreen) and app.trace is bounded
        assert any(n.message.startswith("iteration 6 cannot be replayed: its program loop.py changed since it was recorded")
                   for n in app._notifications)


async def test_a_replay_that_comes_out_different_says_so_and_shows_the_summary(tmp_path: Path) -> None:
    """A program whose Keras initializers are unseeded, opened from its file in a new process, would
    draw other weights; here the run's summary is altered so the replay cannot match it."""
    path = program(tmp_path)
    bounded = run_program(path, keep="first=2,last=2,every=10").trace
    bounded.run.summary.matrix[5, :] += 1.0  # what the run "had" for iteration 6
    app = TapevizApp(bounded, source="loop.py", out_dir=tmp_path, layout_engine="layered")
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await _enter_on_iteration_6(pilot)
        assert app.trace is bounded
        assert isinstance(app.screen, RunScreen) and app.screen.cursor == 5 and "iteration 6 of 30" in app.screen.text
        said = [n.message for n in app._notifications if n.message.startswith("iteration 6 cannot be replayed exactly")]
        assert len(said) == 1 and "\n" not in said[0]


async def test_what_a_worker_is_doing_redraws_the_status_line_alone(tmp_path: Path) -> None:
    """A replay reports its progress a few times a second: each report repaints the status line,
    not every widget (that took the GIL from the replay running beside it)."""
    bounded = run_program(program(tmp_path), keep="first=2,last=2,every=10").trace
    app = TapevizApp(bounded, source="loop.py", out_dir=tmp_path, layout_engine="layered")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        built = []
        frame_of = app.session.frame
        app.session.frame = lambda: built.append(1) or frame_of()  # type: ignore[method-assign]
        index = app.index
        app.busy = "replaying iteration 17: 9 of 17 iterations run"
        await settle(pilot)
        assert "9 of 17 iterations run" in app.screen.query_one(StatusLine).last_text
        assert app.frame.busy == app.session.busy == "replaying iteration 17: 9 of 17 iterations run"
        assert built == [] and app.index == index
        app.busy = ""
        await settle(pilot)
        assert "iterations run" not in app.screen.query_one(StatusLine).last_text and built == []
