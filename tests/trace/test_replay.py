"""Replaying a summarised iteration from a checkpoint (trace/replay.py): bit-identical to a full
recording, dropout and random ops included; a program with state outside the checkpoint is caught."""

from __future__ import annotations

import numpy as np
import pytest

import tapeviz.tf as tf
from tapeviz.engine import events as ev
from tapeviz.engine.program_hooks import HOOKS
from tapeviz.tf.keras import Sequential, layers
from tapeviz.trace import record
from tapeviz.trace.replay import ReplayDiverged, ReplayError, record_steps, replay


def make_step(batches_from_iterator: bool = False):
    """An MLP with dropout and a random op (noise added to the data) in every step."""
    for hooks in list(HOOKS.values()):
        hooks.fresh()
    tf.keras.utils.set_random_seed(0)
    tf.random.set_seed(0)
    model = Sequential([layers.Dense(8, activation="relu"), layers.Dropout(0.3), layers.Dense(3)])
    data = tf.random.normal([40, 5])
    labels = tf.one_hot(tf.random.uniform([40], maxval=3, dtype=tf.int32), 3)
    loss_fn = tf.keras.losses.CategoricalCrossentropy(from_logits=True)
    opt = tf.keras.optimizers.SGD(learning_rate=0.05)
    position = iter(range(10**6))

    def step(i: int) -> None:
        k = (next(position) if batches_from_iterator else i) % 10
        x, y = data[4 * k: 4 * k + 4], labels[4 * k: 4 * k + 4]
        with tf.GradientTape() as tape:
            noisy = x + tf.random.normal([4, 5], stddev=0.1)
            loss = loss_fn(y, model(noisy, training=True))
        grads = tape.gradient(loss, model.trainable_variables)
        opt.apply_gradients(zip(grads, model.trainable_variables))

    return step


def arrays_of(trace, iteration):
    """Every event of an iteration as (kind, op, phase) and its arrays in order (ids aside)."""
    shapes, arrays = [], []
    for i in trace.iteration_range(iteration):
        e = trace.events[i]
        shapes.append((type(e).__name__, getattr(e, "op", ""), trace.phase(i), trace.iteration(i)))
        for name in e.__dataclass_fields__:
            v = getattr(e, name)
            for item in v if isinstance(v, tuple) else (v,):
                if isinstance(item, ev.TensorRef):
                    arrays.append(item.value)
                elif isinstance(item, np.ndarray):
                    arrays.append(item)
    return shapes, arrays


def test_a_replayed_iteration_is_bit_identical_to_a_full_recording():
    full = record_steps(make_step(), 40, keep="all")
    bounded = record_steps(make_step(), 40, keep="first=2,last=2,every=0", checkpoint_every=8)
    assert bounded.is_summarised(21) and sorted(bounded.run.checkpoints) == [8, 16, 24, 32]
    progress = []
    one = replay(bounded, 21, progress=lambda done, total: progress.append((done, total)))
    assert progress[-1] == (6, 6) and len(progress) == 6  # from the checkpoint before iteration 17
    assert sorted(set(one.iterations)) == [21]
    mine, theirs = arrays_of(one, 21), arrays_of(full, 21)
    assert mine[0] == theirs[0]
    assert len(mine[1]) == len(theirs[1])
    for a, b in zip(mine[1], theirs[1]):
        assert a.dtype == b.dtype and np.array_equal(a, b)  # bit for bit: the dropout mask and noise too
    assert one.loss_at(21) == full.loss_at(21)


def test_replay_leaves_the_live_model_and_its_random_state_as_they_were():
    full = record_steps(make_step(), 21, keep="all")
    step = make_step()
    bounded = record_steps(step, 20, keep="first=1,last=1,every=0", checkpoint_every=5)
    replay(bounded, 12)
    with record() as more:
        step(20)  # training goes on from where the run ended, not from where the replay stopped
    assert more.loss_at(0) == full.loss_at(20)


def test_state_outside_the_checkpoint_is_caught_not_shown_wrong():
    bounded = record_steps(make_step(batches_from_iterator=True), 30, keep="first=1,last=1,every=0", checkpoint_every=8)
    with pytest.raises(ReplayDiverged, match="iteration 14 cannot be replayed exactly: the loss came out .*an iterator over its data"):
        replay(bounded, 13)


def test_what_cannot_be_replayed_says_why():
    bounded = record_steps(make_step(), 12, keep="first=1,last=1,every=0", checkpoint_every=8)
    with pytest.raises(ReplayError, match="no checkpoint at or before it"):
        replay(bounded, 5)
    bounded.run.step = None
    with pytest.raises(ReplayError, match="does not know the program it came from"):
        replay(bounded, 9)
