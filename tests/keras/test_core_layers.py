"""Flatten, Dropout (training vs inference, seeded) and Lambda, and how ``training`` reaches them."""

from __future__ import annotations

import numpy as np
import pytest

import tapeviz.engine as E
from tapeviz.keras import backend, layers, utils
from tapeviz.keras.models import Model, Sequential

X = np.arange(24, dtype=np.float32).reshape(4, 6) / 10 + 0.1


def test_flatten_keeps_the_batch_axis():
    out = layers.Flatten()(np.ones((3, 2, 4), np.float32))
    assert out.shape == (3, 8)
    assert layers.Flatten()(np.ones((5,), np.float32)).shape == (5, 1)


def test_dropout_is_identity_at_inference_and_by_default():
    drop = layers.Dropout(0.5)
    np.testing.assert_array_equal(drop(X).numpy(), X)
    np.testing.assert_array_equal(drop(X, training=False).numpy(), X)


def test_dropout_in_training_zeroes_units_and_scales_the_rest():
    utils.set_random_seed(1)
    big = np.ones((200, 50), np.float32)
    out = layers.Dropout(0.3)(big, training=True).numpy()
    kept = out != 0
    np.testing.assert_allclose(out[kept], 1 / 0.7, rtol=1e-6)
    assert 0.25 < 1 - kept.mean() < 0.35


def test_dropout_is_deterministic_under_a_seed():
    def draw(seed: int) -> np.ndarray:
        utils.set_random_seed(seed)
        return layers.Dropout(0.5)(X, training=True).numpy()

    np.testing.assert_array_equal(draw(4), draw(4))
    assert not np.array_equal(draw(4), draw(5))
    a = layers.Dropout(0.5, seed=9)(X, training=True).numpy()
    b = layers.Dropout(0.5, seed=9)(X, training=True).numpy()
    np.testing.assert_array_equal(a, b)


def test_dropout_gradient_is_its_mask():
    utils.set_random_seed(2)
    x = E.Variable(X)
    with E.GradientTape() as tape:
        y = layers.Dropout(0.5)(x, training=True)
        total = E.reduce_sum(y)
    grad = tape.gradient(total, x).numpy()
    np.testing.assert_allclose(grad, (y.numpy() != 0) * 2.0)


def test_dropout_rate_is_checked():
    with pytest.raises(ValueError, match="Expected a float value between 0 and 1. Received: rate=1.5"):
        layers.Dropout(1.5)


def test_training_flag_reaches_nested_layers_through_a_model_call():
    class Net(Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(6, kernel_initializer="ones")
            self.drop = layers.Dropout(0.5)

        def call(self, x):
            return self.drop(self.dense(x))

    utils.set_random_seed(0)
    net = Net()
    inference = net(X).numpy()
    training = net(X, training=True).numpy()
    assert (training == 0).any() and not (inference == 0).any()
    np.testing.assert_allclose(training[training != 0], inference[training != 0] * 2, rtol=1e-6)
    seq = Sequential([layers.Dropout(0.5)])
    assert (seq(X, training=True).numpy() == 0).any()


def test_lambda_applies_its_function_with_arguments_and_training():
    backend.clear_session()
    double = layers.Lambda(lambda t, k: t * k, arguments={"k": 3.0})
    np.testing.assert_allclose(double(X).numpy(), X * 3)
    assert double.name == "lambda"
    flag = layers.Lambda(lambda t, training=None: t * (2.0 if training else 1.0))
    np.testing.assert_allclose(flag(X, training=True).numpy(), X * 2)
    np.testing.assert_allclose(flag(X).numpy(), X)
    with pytest.raises(TypeError, match="must be callable"):
        layers.Lambda(3)


def test_lambda_ops_are_recorded_in_its_scope():
    from tapeviz.trace import record

    backend.clear_session()
    x = E.Variable(X)
    with record() as trace, E.GradientTape():
        layers.Lambda(lambda t: E.square(t), name="sq")(x)
    assert [(e.op, e.scope) for e in trace.events] == [("square", "sq")]


def test_unknown_layer_names_what_exists():
    with pytest.raises(AttributeError, match="tapeviz implements .*Conv2D.*Dropout.*Flatten.*Lambda"):
        layers.LSTM  # noqa: B018


def test_a_call_signature_default_for_training_reaches_sublayers():
    class Net(Model):
        def __init__(self):
            super().__init__()
            self.drop = layers.Dropout(0.5)

        def call(self, x, training=True):
            return self.drop(x)

    utils.set_random_seed(0)
    net = Net()
    assert (net(X).numpy() == 0).any()
    np.testing.assert_array_equal(net(X, training=False).numpy(), X)
