"""Make ``v1_bounded_deflated.tapeviz``: a bounded run (trace/keep.py) saved by the tapeviz whose
trace files deflated every array (before arrays were stored for lazy loading, commit bb358b0).

It stays as that tapeviz wrote it, so tests/trace/test_lazy_loading.py checks that such files
still open (their arrays read whole). Made once with that tapeviz:
``PYTHONPATH=<checkout of bb358b0> python tests/data/trace/make_bounded_fixture.py``.
"""

from pathlib import Path

import tapeviz.tf as tf
from tapeviz.engine.program_hooks import HOOKS
from tapeviz.tf.keras import Sequential, layers
from tapeviz.trace import record


def record_run():
    """The bounded run the fixture holds (tests record it again and compare)."""
    for hooks in list(HOOKS.values()):
        hooks.fresh()
    tf.keras.utils.set_random_seed(0)
    model = Sequential([layers.Dense(4, activation="relu"), layers.Dense(2)])
    x = tf.random.normal([3, 5])
    y = tf.one_hot([0, 1, 1], 2)
    loss_fn = tf.keras.losses.CategoricalCrossentropy(from_logits=True)
    opt = tf.keras.optimizers.SGD(learning_rate=0.1)
    with record(title="bounded loop", keep="first=1,last=1,every=5") as trace:
        for _step in range(12):
            with tf.GradientTape() as tape:
                loss = loss_fn(y, model(x))
            opt.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))
    return trace


if __name__ == "__main__":
    record_run().save(Path(__file__).with_name("v1_bounded_deflated.tapeviz"))
