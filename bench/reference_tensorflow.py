"""A reference point for bench_train_step.py: TensorFlow eager on the same ``seed`` training step.

Not part of ``make bench`` (TensorFlow is no dependency of tapeviz): run it with a Python that has
TensorFlow, e.g. a scratch venv outside the repository::

    python -m venv /tmp/tfenv && /tmp/tfenv/bin/pip install tensorflow-cpu
    OPENBLAS_NUM_THREADS=1 /tmp/tfenv/bin/python bench/reference_tensorflow.py

The step: Dense(5, relu) → Dense(2, softmax), a batch of 32×10, CategoricalCrossentropy
(from_logits=True), SGD(0.01), in eager mode (what a tutorial's GradientTape loop runs), against
the same step written in numpy by hand (as bench_train_step.py's baseline), in the same process,
interleaved; the figure is the ratio of median step times.
"""

from __future__ import annotations

import os
import statistics
import time
import warnings
from collections.abc import Callable

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
warnings.simplefilter("ignore")  # Keras warns that the softmax's output is not logits, every step

import tensorflow as tf  # noqa: E402


def main() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 10)).astype(np.float32)
    y = rng.integers(0, 2, size=(32, 2)).astype(np.float32)  # the article's labels, as floats
    model = tf.keras.Sequential([tf.keras.layers.Dense(5, activation="relu"),
                                 tf.keras.layers.Dense(2, activation="softmax")])
    model(x)
    loss_fn = tf.keras.losses.CategoricalCrossentropy(from_logits=True)
    optimizer = tf.keras.optimizers.SGD(0.01)
    xt, yt = tf.constant(x), tf.constant(y)

    def tensorflow_step() -> None:
        with tf.GradientTape() as tape:
            loss = loss_fn(yt, model(xt))
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))

    params = [v.numpy().copy() for v in model.trainable_variables]
    lr, n = np.float32(0.01), np.float32(32)

    def numpy_step() -> None:
        w1, b1, w2, b2 = params
        z1 = x @ w1 + b1
        h = np.maximum(z1, 0)
        z2 = h @ w2 + b2
        shifted = z2 - z2.max(axis=-1, keepdims=True)
        e = np.exp(shifted)
        probs = e / e.sum(axis=-1, keepdims=True)
        log_p = shifted - np.log(e.sum(axis=-1, keepdims=True))
        _loss = -(y * log_p).sum(axis=-1).sum() / n
        d_z2 = (probs - y) / n
        d_h = d_z2 @ w2.T
        d_z1 = d_h * (z1 > 0)
        params[:] = [w1 - lr * (x.T @ d_z1), b1 - lr * d_z1.sum(axis=0), w2 - lr * (h.T @ d_z2), b2 - lr * d_z2.sum(axis=0)]

    def times(step: Callable[[], None], count: int) -> list[int]:
        out = []
        for _ in range(count):
            t0 = time.perf_counter_ns()
            step()
            out.append(time.perf_counter_ns() - t0)
        return out

    times(tensorflow_step, 100)
    times(numpy_step, 100)
    ours, theirs = [], []
    for _ in range(5):
        ours += times(numpy_step, 400)
        theirs += times(tensorflow_step, 400)
    base, eager = statistics.median(ours) / 1000, statistics.median(theirs) / 1000
    print(f"seed network training step, batch 32x10: numpy {base:.1f} us/step, TensorFlow {tf.__version__} "
          f"eager {eager:.1f} us/step = {eager / base:.0f}x numpy")


if __name__ == "__main__":
    main()
