"""Keras-style layers and models: lazy build, names and scopes, weights, summary."""

from __future__ import annotations

import subprocess
import sys
import warnings

import numpy as np
import pytest

import tapeviz.engine as E
from tapeviz.engine.errors import ShapeError
from tapeviz.engine.events import OpRecorded
from tapeviz.keras import Model, Sequential, activations, backend, initializers, layers, utils
from tapeviz.keras.layers import NotBuiltWarning
from tapeviz.trace import record


class SimpleModel(Model):
    def __init__(self):
        super(SimpleModel, self).__init__()
        self.dense1 = layers.Dense(5, activation="relu")
        self.dense2 = layers.Dense(2, activation="softmax")

    def call(self, x):
        x = self.dense1(x)
        return self.dense2(x)


def _x(rows: int = 4, cols: int = 10, seed: int = 0) -> E.Tensor:
    return E.constant(np.random.default_rng(seed).normal(size=(rows, cols)).astype(np.float32))


def test_dense_builds_its_weights_on_the_first_call():
    layer = layers.Dense(3)
    assert layer.built is False and layer.weights == []
    layer(_x(2, 4))
    assert layer.built
    assert [(v.name, v.path, tuple(v.shape)) for v in layer.weights] == [
        ("kernel", "dense/kernel", (4, 3)), ("bias", "dense/bias", (3,)),
    ]
    np.testing.assert_array_equal(layer.bias.numpy(), np.zeros(3, np.float32))


def test_names_are_unique_per_session_and_clear_session_resets_them():
    names = [layers.Dense(1).name for _ in range(3)]
    assert names == ["dense", "dense_1", "dense_2"]
    assert SimpleModel().name == "simple_model"
    assert Sequential().name == "sequential"
    assert layers.Dense(1, name="out").name == "out"
    backend.clear_session()
    assert layers.Dense(1).name == "dense"


def test_model_tracks_sublayers_and_names_weights_by_path():
    model = SimpleModel()
    assert model.layers == [model.dense1, model.dense2]
    model(_x())
    assert [v.path for v in model.trainable_variables] == [
        "simple_model/dense/kernel", "simple_model/dense/bias",
        "simple_model/dense_1/kernel", "simple_model/dense_1/bias",
    ]
    assert [v.name for v in model.trainable_variables] == ["kernel", "bias", "kernel", "bias"]
    assert [tuple(v.shape) for v in model.variables] == [(10, 5), (5,), (5, 2), (2,)]
    assert isinstance(model.trainable_variables, list)
    assert model.non_trainable_variables == []


def test_ops_are_recorded_under_the_model_and_layer_scopes():
    model = SimpleModel()
    x = _x()
    model(x)
    with record() as trace, E.GradientTape():
        model(x)
    ops = [(e.scope, e.op) for e in trace.events if isinstance(e, OpRecorded)]
    assert ops == [
        ("simple_model/dense", "matmul"), ("simple_model/dense", "add"), ("simple_model/dense", "relu"),
        ("simple_model/dense_1", "matmul"), ("simple_model/dense_1", "add"),
        ("simple_model/dense_1", "softmax"),
    ]


def test_dense_computes_activation_of_affine_map():
    x = _x(3, 4)
    for name, fn in [
        (None, lambda z: z), ("linear", lambda z: z), ("relu", lambda z: np.maximum(z, 0)),
        ("sigmoid", lambda z: 1 / (1 + np.exp(-z))), ("tanh", np.tanh),
        ("softmax", lambda z: np.exp(z) / np.exp(z).sum(-1, keepdims=True)),
        (lambda t: t * 2.0, lambda z: 2 * z),
    ]:
        layer = layers.Dense(3, activation=name)
        out = layer(x)
        z = x.numpy() @ layer.kernel.numpy() + layer.bias.numpy()
        np.testing.assert_allclose(out.numpy(), fn(z), rtol=1e-5, atol=1e-6, err_msg=str(name))


def test_unknown_activation_and_bad_units_are_clear_errors():
    with pytest.raises(ValueError, match="Unknown activation 'swishy'"):
        layers.Dense(2, activation="swishy")
    with pytest.raises(ValueError, match="positive integer"):
        layers.Dense(0)


def test_glorot_uniform_is_bounded_and_reproducible_from_a_seed():
    utils.set_random_seed(7)
    a = layers.Dense(50)
    a(np.ones((1, 30), np.float32))
    utils.set_random_seed(7)
    b = layers.Dense(50)
    b(np.ones((1, 30), np.float32))
    np.testing.assert_array_equal(a.kernel.numpy(), b.kernel.numpy())
    limit = np.sqrt(6 / (30 + 50))
    k = a.kernel.numpy()
    assert k.min() >= -limit and k.max() <= limit
    assert k.std() == pytest.approx(limit / np.sqrt(3), rel=0.1)  # std of U(-l, l)
    seeded = initializers.GlorotUniform(seed=3)
    np.testing.assert_array_equal(seeded((4, 4)), initializers.GlorotUniform(seed=3)((4, 4)))


def test_second_call_with_wrong_width_is_a_shape_error():
    layer = layers.Dense(2)
    layer(_x(2, 3))
    with pytest.raises(ShapeError, match="expected axis -1 of input shape to have value 3, but received input with shape \\(2, 4\\)"):
        layer(_x(2, 4))
    with pytest.raises(ShapeError, match="min_ndim=2"):
        layers.Dense(2)(E.constant([1.0, 2.0]))


def test_reading_trainable_variables_before_the_first_call_warns():
    model = SimpleModel()
    with pytest.warns(NotBuiltWarning, match="has not been called yet.*model\\(inputs\\)"):
        assert model.trainable_variables == []
    model(_x())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(model.trainable_variables) == 4


def test_get_and_set_weights_in_layer_order_with_shape_checks():
    model = SimpleModel()
    model(_x())
    weights = model.get_weights()
    assert [w.shape for w in weights] == [(10, 5), (5,), (5, 2), (2,)]
    new = [np.full(w.shape, i, np.float32) for i, w in enumerate(weights)]
    model.set_weights(new)
    for var, want in zip(model.weights, new):
        np.testing.assert_array_equal(var.numpy(), want)
    with pytest.raises(ValueError, match="got 3 array\\(s\\), but the layer has 4 weight\\(s\\)"):
        model.set_weights(new[:3])
    bad = list(new)
    bad[2] = np.zeros((2, 5), np.float32)
    with pytest.raises(ShapeError, match="'simple_model/dense_1/kernel' has shape \\(5, 2\\), the array given has shape \\(2, 5\\)"):
        model.set_weights(bad)
    np.testing.assert_array_equal(model.dense2.kernel.numpy(), new[2])  # nothing half-assigned


def test_frozen_layer_moves_its_weights_to_non_trainable():
    model = SimpleModel()
    model(_x())
    model.dense1.trainable = False
    assert [v.path for v in model.trainable_variables] == ["simple_model/dense_1/kernel", "simple_model/dense_1/bias"]
    assert [v.path for v in model.non_trainable_variables] == ["simple_model/dense/kernel", "simple_model/dense/bias"]


def test_sequential_applies_layers_in_order():
    model = Sequential([layers.Dense(4, activation="tanh"), layers.Dense(1)])
    x = _x(3, 2)
    out = model(x)
    h = np.tanh(x.numpy() @ model.layers[0].kernel.numpy())
    np.testing.assert_allclose(out.numpy(), h @ model.layers[1].kernel.numpy(), rtol=1e-5, atol=1e-6)
    assert [v.path for v in model.weights][:2] == ["sequential/dense/kernel", "sequential/dense/bias"]


def test_gradients_flow_to_every_weight():
    model = SimpleModel()
    x = _x()
    model(x)
    with E.GradientTape() as tape:
        loss = E.reduce_sum(model(x) * E.constant([[1.0, -1.0]]))
    grads = tape.gradient(loss, model.trainable_variables)
    assert [tuple(g.shape) for g in grads] == [(10, 5), (5,), (5, 2), (2,)]


def test_summary_is_a_table_of_layers_shapes_and_params():
    model = SimpleModel()
    model(_x(32))
    lines: list[str] = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert 'Model: "simple_model"' in text
    assert "dense (Dense)" in text and "(32, 5)" in text and "55" in text
    assert "dense_1 (Dense)" in text and "(32, 2)" in text and "12" in text
    assert "Total params: 67" in text and "Trainable params: 67" in text


def test_softmax_activation_remembers_its_logits():
    z = _x(2, 3)
    out = activations.softmax(z)
    logits, kind = activations.logits_of(out)
    assert logits is z and kind == "Softmax"
    assert activations.logits_of(E.softmax(z)) is None


def test_importing_keras_does_not_import_rich_or_textual():
    code = "import sys, tapeviz.keras; print(sorted(m for m in ('rich', 'textual', 'graphviz') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
