"""A bounded recording (keep.py) together with what the trace records besides its events: the
line of each update (``update_sites``) and which thread ran which events (``threads``) move with
the events when an iteration is dropped; the recording budget (budget.py) counts what the trace
holds, so ``--keep`` runs of any length are not stopped by it; and a file's run summary is read
under the same load checks as every other array."""

from __future__ import annotations

import json
import threading
import zipfile
from pathlib import Path

import pytest

import tapeviz.tf as tf
from tapeviz.engine.events import VariableAssigned
from tapeviz.engine.program_hooks import HOOKS
from tapeviz.tf.keras import Sequential, layers
from tapeviz.trace import TraceFileError, load_trace, record, run_program
from tapeviz.trace.budget import Budget
from tapeviz.trace.trace import _threads_without
from tests.support import hostile_traces as H

MiB = 1 << 20


def train_in_threads(iterations: int, keep=None):
    """Each iteration runs (start to end) in its own thread, ``step0``, ``step1``, ..., one after another."""
    for hooks in list(HOOKS.values()):
        hooks.fresh()
    tf.keras.utils.set_random_seed(0)
    model = Sequential([layers.Dense(4, activation="relu"), layers.Dense(2)])
    x = tf.random.normal([3, 5])
    y = tf.one_hot([0, 1, 1], 2)
    loss_fn = tf.keras.losses.CategoricalCrossentropy(from_logits=True)
    opt = tf.keras.optimizers.SGD(learning_rate=0.1)

    def step() -> None:
        with tf.GradientTape() as tape:
            loss = loss_fn(y, model(x))
        opt.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))

    # The threads stay alive until the end, so each iteration's thread is a different one even
    # by ident (test_recording_paths covers threads that end one after another).
    go = [threading.Event() for _ in range(iterations)]
    done = [threading.Event() for _ in range(iterations)]

    def work(k: int) -> None:
        go[k].wait()
        try:
            step()
        finally:
            done[k].set()

    workers = [threading.Thread(target=work, args=(k,), name=f"step{k}") for k in range(iterations)]
    for worker in workers:
        worker.start()
    try:
        with record(keep=keep) as trace:
            for k in range(iterations):
                go[k].set()
                done[k].wait()
    finally:
        for event in go:
            event.set()
        for worker in workers:
            worker.join()
    return trace


def test_dropping_iterations_moves_update_sites_and_thread_runs_with_the_events():
    full = train_in_threads(9)
    bounded = train_in_threads(9, keep="first=2,last=2,every=0,nan=off,spike=0")
    kept = sorted(set(bounded.iterations))
    assert kept == [0, 1, 7, 8]
    assert full.update_sites, "the updates' lines are recorded"
    # every update site sits on an update event, and a kept iteration's match the full recording's
    assert all(isinstance(bounded.events[i], VariableAssigned) for i in bounded.update_sites)
    assert all(0 <= i < len(bounded) for i in bounded.update_sites)
    assert len(bounded.threads) == len(kept)  # one run per kept iteration, none for dropped ones
    assert bounded.threads[0][0] == 0 and [s for s, _ in bounded.threads] == sorted({s for s, _ in bounded.threads})
    for it in kept:
        mine, theirs = bounded.iteration_range(it), full.iteration_range(it)
        assert len(mine) == len(theirs)
        for i, j in zip(mine, theirs):
            assert bounded.update_sites.get(i) == full.update_sites.get(j), (it, i, j)
            assert bounded.thread_of(i) == full.thread_of(j) == f"step{it}"


def test_a_bounded_file_keeps_its_thread_runs_and_update_sites(tmp_path: Path):
    bounded = train_in_threads(8, keep="first=1,last=1,every=0,nan=off,spike=0")
    path = tmp_path / "threads.tapeviz"
    bounded.save(path)
    back = load_trace(path)
    assert back.threads == bounded.threads and back.update_sites == bounded.update_sites


@pytest.mark.parametrize("threads, span, length, expected", [
    ([(0, "a"), (4, "b"), (8, "c")], range(4, 8), 8, [(0, "a"), (4, "c")]),  # b's run goes
    ([(0, "a"), (4, "b"), (8, "a")], range(4, 8), 6, [(0, "a")]),  # a, a: one run again
    ([(0, "a"), (4, "b")], range(0, 4), 3, [(0, "b")]),  # the first run goes: b starts at 0
    ([(0, "a"), (4, "b")], range(2, 6), 4, [(0, "a"), (2, "b")]),  # runs cut at both ends
    ([(0, "a"), (4, "b")], range(4, 8), 4, [(0, "a")]),  # the last run goes
])
def test_thread_runs_after_a_span_is_deleted(threads, span, length, expected):
    assert _threads_without(threads, span, length) == expected


LOOP = """
import tapeviz.tf as tf
from tapeviz.tf.keras import Sequential, layers
tf.keras.utils.set_random_seed(0)
model = Sequential([layers.Dense(4, activation="relu"), layers.Dense(2)])
x = tf.random.normal([3, 5])
y = tf.one_hot([0, 1, 1], 2)
loss_fn = tf.keras.losses.CategoricalCrossentropy(from_logits=True)
opt = tf.keras.optimizers.SGD(learning_rate=0.1)
for step in range(60):
    with tf.GradientTape() as tape:
        loss = loss_fn(y, model(x))
    opt.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))
"""


def test_the_recording_budget_counts_what_a_bounded_run_holds(tmp_path: Path):
    program = tmp_path / "loop.py"
    program.write_text(LOOP)
    per_iteration = len(run_program(program, keep="all").trace.iteration_range(0))
    budget = Budget(events=10 * per_iteration, megabytes=512)  # 10 of the 60 iterations
    whole = run_program(program, limit=budget, keep="all").trace
    assert "recording stopped" in whole.meta.get("stopped", "")
    bounded = run_program(program, limit=budget, keep="first=2,last=2,every=0,nan=off,spike=0").trace
    assert "stopped" not in bounded.meta
    assert bounded.run.iterations == 60 and sorted(set(bounded.iterations)) == [0, 1, 58, 59]
    runaway = run_program(program, limit=Budget(events=3 * per_iteration, megabytes=512),
                          keep="first=5,last=5,every=0").trace  # what it must hold passes the budget
    assert "recording stopped" in runaway.meta.get("stopped", "")


@pytest.fixture(scope="module")
def bounded_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    path = tmp_path_factory.mktemp("run") / "run.tapeviz"
    train_in_threads(12, keep="first=1,last=1,every=0").save(path)
    with zipfile.ZipFile(path) as zf:
        summary = json.loads(zf.read("trace.json"))["run"]["summary"]["array"]
    return path, f"arrays/{summary}.npy"


def test_the_run_summary_goes_through_the_load_budget(bounded_file: tuple[Path, str], tmp_path: Path):
    path, member = bounded_file
    assert load_trace(path).run.iterations == 12
    bomb = H.copy_trace(path, tmp_path / "bomb.tapeviz",
                        {member: lambda z: H._stream(z, member, H.npy_header((80 * MiB // 8,)), 80 * MiB)})
    assert bomb.stat().st_size < MiB
    with pytest.raises(TraceFileError, match="would expand to .* hostile archive"):
        load_trace(bomb)
    lying = H.understated(path, tmp_path / "lying.tapeviz", member, 40 * MiB, 200)
    with pytest.raises(TraceFileError, match="corrupted array"):
        load_trace(lying)


def test_a_run_summary_with_an_absurd_or_wrong_header_is_one_line(bounded_file: tuple[Path, str], tmp_path: Path):
    path, member = bounded_file
    for shape, descr, words in (((0, 10**20), "<f8", "absurd shape"), ((12, 3), "|O", "unsupported dtype"),
                                ((2,), "<f8", "run.summary should be a float matrix|truncated")):
        bad = H.copy_trace(path, tmp_path / "bad.tapeviz", {member: lambda z: z.writestr(member, H.npy_header(shape, descr))})
        with pytest.raises(TraceFileError, match=words) as caught:
            load_trace(bad)
        assert "\n" not in str(caught.value)
