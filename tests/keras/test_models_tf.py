"""Keras models as tutorials write them — ``Input``/``InputLayer``, ``build(shape)``, ``summary()``,
``count_params()``, the functional API, nested models — against real TensorFlow 2.21
(tests/data/keras_models_tf_reference.json, made by tests/data/make_keras_models_tf_reference.py).

The reference script's own functions run here with ``tapeviz.tf`` in place of TensorFlow: the
tutorial code is the same, only the import changes.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

import tapeviz.tf as tf
from tapeviz.engine.events import OpRecorded
from tapeviz.keras import Input, Model, Sequential, backend, layers
from tapeviz.keras.symbolic import KerasTensor
from tapeviz.trace import record

DATA = Path(__file__).resolve().parents[1] / "data"
REF = json.loads((DATA / "keras_models_tf_reference.json").read_text(encoding="utf-8"))
_spec = importlib.util.spec_from_file_location("make_keras_models_tf_reference",
                                               DATA / "make_keras_models_tf_reference.py")
maker = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(maker)
INPUTS = maker.inputs()


@pytest.fixture(scope="module")
def ours() -> dict:
    """The reference script's models built, trained and summarised by tapeviz (80-column terminal,
    as the reference was made)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("COLUMNS", "80")
        return {"sequential": maker.sequential_reference(tf, INPUTS), "functional": maker.functional_reference(tf, INPUTS)}


def _close(got, want) -> None:
    try:
        np.testing.assert_allclose(np.asarray(got, np.float64), np.asarray(want, np.float64), rtol=2e-5, atol=1e-6)
    except ValueError:  # ragged: a list of arrays of different shapes
        assert len(got) == len(want)
        for g, w in zip(got, want):
            _close(g, w)


CASES = [("sequential", c) for c in ("input", "input_layer", "input_shape", "build", "nested")] + [
    ("functional", c) for c in ("two_inputs", "two_outputs")]


@pytest.mark.parametrize(("group", "case"), CASES)
def test_model_structure_and_summary_equal_tensorflow(ours, group, case):
    got, want = ours[group][case], REF[group][case]
    for key in ("name", "layers", "layer_types", "weight_paths", "weight_shapes", "count_params"):
        assert got[key] == want[key], key
    assert got["summary"] == want["summary"]
    if "built" in want:
        assert got["built"] == want["built"]


@pytest.mark.parametrize(("group", "case"), CASES)
def test_forward_fit_evaluate_predict_equal_tensorflow(ours, group, case):
    got, want = ours[group][case], REF[group][case]
    _close(got["forward"], want["forward"])
    if "history" in want:
        assert sorted(got["history"]) == sorted(want["history"])
        for key, values in want["history"].items():
            np.testing.assert_allclose(got["history"][key], values, rtol=2e-5, err_msg=key)
        _close(got["weights"], want["weights"])
        _close(got["evaluate"], want["evaluate"])
    if "predict" in want:
        _close(got["predict"], want["predict"])


def test_build_makes_every_weight_so_set_weights_works_at_once():
    backend.clear_session()
    model = Sequential([layers.Dense(3, activation="relu"), layers.Dense(2)])
    assert not model.built and model.weights == []
    model.build((None, 2))
    assert model.built and [tuple(w.shape) for w in model.weights] == [(2, 3), (3,), (3, 2), (2,)]
    model.set_weights([np.ones((2, 3)), np.zeros(3), np.ones((3, 2)), np.zeros(2)])
    np.testing.assert_allclose(model(np.array([[1.0, 2.0]], np.float32)).numpy(), [[9.0, 9.0]])


def test_subclassed_model_build_creates_weights_under_its_scope():
    class Net(Model):
        def __init__(self):
            super().__init__()
            self.hidden = layers.Dense(4, activation="relu")
            self.out = layers.Dense(1)

        def call(self, x):
            return self.out(tf.nn.relu(self.hidden(x)))

    backend.clear_session()
    net = Net()
    net.build((None, 3))
    assert [w.path for w in net.weights] == ["net/dense/kernel", "net/dense/bias", "net/dense_1/kernel", "net/dense_1/bias"]
    assert net.count_params() == 3 * 4 + 4 + 4 + 1


def test_building_records_nothing_and_real_calls_are_scoped_as_keras_names_them():
    backend.clear_session()
    with record() as trace:
        with tf.GradientTape():
            inputs = tf.keras.Input(shape=(4,))
            hidden = layers.Dense(3, activation="relu")(inputs)
            model = tf.keras.Model(inputs, layers.Dense(2)(hidden))
            seq = Sequential([Input((4,)), layers.Dense(2)])
    assert len(trace) == 0 and isinstance(hidden, KerasTensor) and hidden.shape == (None, 3)
    x = tf.constant(INPUTS["x"][:3])
    with record() as trace:
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(model(x)) + tf.reduce_sum(seq(x))
        tape.gradient(loss, model.trainable_variables)
    scopes = {e.scope for e in trace.events if isinstance(e, OpRecorded)}
    assert {"functional/dense", "functional/dense_1", "sequential/dense_2"} <= scopes
    assert [w.path for w in model.weights] == ["dense/kernel", "dense/bias", "dense_1/kernel", "dense_1/bias"]


def test_quickstart_probability_model_is_a_softmax_over_the_logits():
    backend.clear_session()
    model = Sequential([layers.Flatten(input_shape=(2, 2)), layers.Dense(3)])
    probability = Sequential([model, layers.Softmax()])
    x = INPUTS["x"][:4].reshape(4, 2, 2)
    logits = model(x).numpy()
    want = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(probability(x).numpy(), want, rtol=1e-6)
    assert probability.built and probability.count_params() == model.count_params() == 15


def test_functional_inputs_by_list_dict_and_errors():
    backend.clear_session()
    a, b = Input((2,), name="a"), Input((1,), name="b")
    model = Model(inputs=[a, b], outputs=layers.Add()([layers.Dense(1, name="d")(a), b]))
    xa, xb = np.ones((2, 2), np.float32), np.full((2, 1), 5.0, np.float32)
    by_list = model([xa, xb]).numpy()
    np.testing.assert_allclose(model({"a": xa, "b": xb}).numpy(), by_list)
    kernel = model.get_layer("d").kernel.numpy()
    assert model.get_layer(index=0).name == "a" and [layer.name for layer in model.layers] == ["a", "d", "b", "add"]
    with pytest.raises(ValueError, match="No such layer: e"):
        model.get_layer("e")
    np.testing.assert_allclose(by_list, xa @ kernel + 5.0, rtol=1e-6)
    with pytest.raises(ValueError, match="expects 2 input"):
        model(xa)
    with pytest.raises(ValueError, match="incompatible"):
        model([np.ones((2, 3), np.float32), xb])
    other = Input((2,))
    with pytest.raises(ValueError, match="Graph disconnected"):
        Model(a, layers.Add()([a, other]))
    with pytest.raises(TypeError, match="KerasTensor"):
        Model(a, np.ones(2))
    with pytest.raises(TypeError, match="wrap arithmetic"):
        a + 1.0
    with pytest.raises(ValueError, match="first layer"):
        Sequential([layers.Dense(2), Input((2,))])


def test_summary_prints_once_to_print_fn_and_marks_unbuilt_layers(monkeypatch, capsys):
    monkeypatch.setenv("COLUMNS", "80")
    backend.clear_session()
    model = Sequential([layers.Dense(3), layers.Dense(1)])
    calls: list[str] = []
    model.summary(print_fn=calls.append)
    assert len(calls) == 1
    assert "dense (Dense)" in calls[0] and "?" in calls[0] and "0 (unbuilt)" in calls[0]
    assert " Total params: 0 (0.00 B)" in calls[0]
    model.summary(line_length=60)
    printed = capsys.readouterr().out
    assert 'Model: "sequential"' in printed and max(len(line) for line in printed.splitlines()) == 60


def _two_output_model(as_dict: bool) -> Model:
    backend.clear_session()
    x_in = Input((4,))
    h = layers.Dense(5, activation="relu")(x_in)
    cls, reg = layers.Dense(3, activation="softmax", name="cls")(h), layers.Dense(1, name="reg")(h)
    model = Model(x_in, {"cls": cls, "reg": reg} if as_dict else [cls, reg])
    model.set_weights([INPUTS[k] for k in ("o_w1", "o_b1", "o_w2", "o_b2", "o_w3", "o_b3")])
    return model


def test_outputs_losses_and_labels_by_name_train_as_the_list_form_does():
    listed = _two_output_model(as_dict=False)
    listed.compile(optimizer="sgd", loss=["categorical_crossentropy", "mse"])
    want = listed.fit(INPUTS["x"], [INPUTS["one_hot"], INPUTS["y_reg"]], epochs=2, batch_size=8, shuffle=False,
                      verbose=0).history
    named = _two_output_model(as_dict=True)
    assert named.output_names == ["cls", "reg"]
    named.compile(optimizer="sgd", loss={"reg": "mse", "cls": "categorical_crossentropy"})
    got = named.fit(INPUTS["x"], {"cls": INPUTS["one_hot"], "reg": INPUTS["y_reg"]}, epochs=2, batch_size=8,
                    shuffle=False, verbose=0).history
    assert got == want and sorted(got) == ["cls_loss", "loss", "reg_loss"]
    predicted = named.predict(INPUTS["x"][:3], verbose=0)
    assert sorted(predicted) == ["cls", "reg"] and predicted["reg"].shape == (3, 1)
    with pytest.raises(ValueError, match="give one loss for each"):
        named.compile(optimizer="sgd", loss={"cls": "mse"})
