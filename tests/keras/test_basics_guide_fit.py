"""The Keras part of TF's "TensorFlow basics" guide (its training-loop section), cell by cell under
``import tapeviz.tf as tf``: a subclassed Model, ``tf.keras.losses.MSE``, ``tf.optimizers.SGD``,
``fit`` with ``verbose=0`` and the History it returns; ``model.save`` says what is not done."""

from __future__ import annotations

import numpy as np
import pytest

import tapeviz.tf as tf
from tapeviz.engine.errors import TapevizError


class MyModel(tf.keras.Model):
    def __init__(self, units):
        super().__init__()
        self.dense1 = tf.keras.layers.Dense(units=units, activation=tf.nn.relu, kernel_initializer=tf.random.normal,
                                            bias_initializer=tf.random.normal)
        self.dense2 = tf.keras.layers.Dense(1)

    def call(self, x, training=True):
        x = x[:, tf.newaxis]
        x = self.dense1(x)
        x = self.dense2(x)
        return tf.squeeze(x, axis=1)


def test_basics_guide_keras_training():
    tf.keras.utils.set_random_seed(42)
    x = tf.cast(tf.linspace(-2, 2, 201), tf.float32)
    y = x**2 + 2 * x - 5 + tf.random.normal(shape=[201])
    new_model = MyModel(64)
    new_model.compile(loss=tf.keras.losses.MSE, optimizer=tf.optimizers.SGD(learning_rate=0.01))
    history = new_model.fit(x, y, epochs=100, batch_size=32, verbose=0)
    losses = history.history["loss"]
    assert len(losses) == 100 and losses[-1] < losses[0] / 2
    # the last epoch's loss is the batch-size-weighted mean of its batches, each computed before its update
    assert np.isfinite(losses).all()
    with pytest.raises(TapevizError, match=r"MyModel.save\(\) is not done in tapeviz"):
        new_model.save("./my_model")


def test_gpu_question_prints_the_cpu_answer(capsys):
    print("TensorFlow **IS** using the GPU" if tf.config.list_physical_devices("GPU")
          else "TensorFlow **IS NOT** using the GPU")
    assert capsys.readouterr().out == "TensorFlow **IS NOT** using the GPU\n"
