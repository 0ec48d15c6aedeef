"""Keras activations elu / gelu / leaky_relu by name and as functions, with Keras 3's defaults.

Expected values were computed with TensorFlow 2.21 / Keras 3.15 (tf.keras.activations.*) on the
same input.
"""

from __future__ import annotations

import numpy as np
import pytest

import tapeviz.tf as tf

X = [-2.0, -0.5, 0.5, 2.0]


@pytest.mark.parametrize(("name", "kwargs", "want"), [
    ("elu", {"alpha": 0.5}, [-0.4323323667049408, -0.19673466682434082, 0.5, 2.0]),
    ("gelu", {}, [-0.0455002635717392, -0.1542687714099884, 0.3457312285900116, 1.9544997215270996]),
    ("leaky_relu", {}, [-0.4000000059604645, -0.10000000149011612, 0.5, 2.0]),
])
def test_activation_values_match_keras(name: str, kwargs: dict, want: list[float]) -> None:
    got = getattr(tf.keras.activations, name)(tf.constant(X), **kwargs)
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-6)


def test_dense_takes_the_new_activations_by_name() -> None:
    x = tf.constant([[1.0, -2.0]])
    for name in ("elu", "gelu", "leaky_relu"):
        layer = tf.keras.layers.Dense(2, activation=name, kernel_initializer="ones")
        with tf.GradientTape() as tape:
            y = tf.reduce_sum(layer(x))
        grads = tape.gradient(y, layer.trainable_variables)
        assert all(g is not None for g in grads), name
