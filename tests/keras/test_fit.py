"""compile/fit/evaluate/predict against real TensorFlow 2.21 (tests/data/fit_tf_reference.json),
and fit as the trace sees it: one recorded iteration per batch."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from tapeviz.engine.events import OpRecorded
from tapeviz.keras import backend, layers, optimizers, utils
from tapeviz.keras.models import Sequential
from tapeviz.keras.training import History, TrainingError
from tapeviz.trace import record

DATA = Path(__file__).resolve().parents[1] / "data"
REF = json.loads((DATA / "fit_tf_reference.json").read_text(encoding="utf-8"))["fit"]
_spec = importlib.util.spec_from_file_location("make_fit_tf_reference", DATA / "make_fit_tf_reference.py")
maker = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(maker)
INPUTS = maker.fit_inputs()


def classifier(dropout: float = 0.0) -> Sequential:
    """The reference script's model, with its fixed starting weights."""
    backend.clear_session()
    model = Sequential([
        layers.Flatten(name="flatten"),
        layers.Dense(6, activation="relu", name="hidden"),
        layers.Lambda(lambda t: t * 2.0, name="double"),
        layers.Dropout(dropout, name="dropout"),
        layers.Dense(3, activation="softmax", name="out"),
    ], name="clf")
    model(INPUTS["x"][:1])
    model.set_weights([INPUTS["w1"], INPUTS["b1"], INPUTS["w2"], INPUTS["b2"]])
    return model


def compiled(case: str) -> tuple[Sequential, np.ndarray, dict]:
    loss, labels, optimizer, metrics, fit_kwargs = maker.FIT_CASES[case]
    model = classifier()
    opt = optimizer if isinstance(optimizer, str) else getattr(optimizers, optimizer[0])(**optimizer[1])
    model.compile(optimizer=opt, loss=loss, metrics=metrics)
    return model, INPUTS[labels], fit_kwargs


@pytest.mark.parametrize("case", sorted(maker.FIT_CASES))
def test_fit_evaluate_predict_equal_tensorflow(case):
    ref = REF[case]
    model, y, fit_kwargs = compiled(case)
    history = model.fit(INPUTS["x"], y, shuffle=False, verbose=0, **fit_kwargs)
    assert isinstance(history, History) and model.history is history
    assert list(history.history) == ref["history_keys"]
    assert history.epoch == ref["epochs"]
    assert history.params == ref["params"]
    for key, values in ref["history"].items():
        np.testing.assert_allclose(history.history[key], values, rtol=1e-5, err_msg=key)
    for got, want in zip(model.get_weights(), ref["weights"]):
        np.testing.assert_allclose(got, want, rtol=2e-5, atol=1e-6)
    np.testing.assert_allclose(model.evaluate(INPUTS["x"], y, batch_size=8, verbose=0), ref["evaluate"], rtol=1e-5)
    as_dict = model.evaluate(INPUTS["x"], y, batch_size=8, verbose=0, return_dict=True)
    assert list(as_dict) == list(ref["evaluate_dict"])
    np.testing.assert_allclose(list(as_dict.values()), list(ref["evaluate_dict"].values()), rtol=1e-5)
    np.testing.assert_allclose(model.predict(INPUTS["x"][:5], verbose=0), ref["predict"], rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(model.predict(INPUTS["x"][:7], batch_size=3, verbose=0), ref["predict_batch_3"],
                               rtol=1e-5, atol=1e-7)


def test_string_adam_and_mse_without_metrics_equal_tensorflow():
    ref = REF["adam_string_mse"]
    backend.clear_session()
    model = Sequential([layers.Dense(1, name="linear")], name="reg")
    model(INPUTS["x_reg"][:1])
    model.set_weights([INPUTS["w_reg"], np.zeros((1,), np.float32)])
    model.compile(optimizer="adam", loss="mse")
    history = model.fit(INPUTS["x_reg"], INPUTS["y_reg"], epochs=3, batch_size=16, shuffle=False, verbose=0)
    np.testing.assert_allclose(history.history["loss"], ref["history"]["loss"], rtol=1e-5)
    for got, want in zip(model.get_weights(), ref["weights"]):
        np.testing.assert_allclose(got, want, rtol=2e-5, atol=1e-6)
    evaluated = model.evaluate(INPUTS["x_reg"], INPUTS["y_reg"], verbose=0)
    assert isinstance(evaluated, float)
    np.testing.assert_allclose(evaluated, ref["evaluate"], rtol=1e-5)
    np.testing.assert_allclose(model.predict(INPUTS["x_reg"][:4], verbose=0), ref["predict"], rtol=1e-5)


def test_each_batch_is_one_recorded_iteration_and_evaluation_records_nothing():
    model, y, _ = compiled("adam_categorical")
    with record() as trace:
        model.fit(INPUTS["x"], y, epochs=2, batch_size=16, validation_split=0.25, shuffle=False, verbose=0)
    # 30 training samples in batches of 16: 2 batches per epoch, 2 epochs
    assert trace.iteration_count == 4 and len(trace.losses) == 4
    for it in range(4):
        phases = [trace.phase(i) for i in trace.iteration_range(it)]
        assert phases[0] == "forward" and "backward" in phases and phases[-1] == "update"
    # the first iteration's loss is the first batch's loss before any update
    model2, _, _ = compiled("adam_categorical")
    first = float(model2.compute_loss(None, y[:16], model2(INPUTS["x"][:16])).numpy())
    assert trace.losses[0] == pytest.approx(first, rel=1e-6)
    with record() as quiet:
        model.evaluate(INPUTS["x"], y, verbose=0)
        model.predict(INPUTS["x"], verbose=0)
    assert len(quiet) == 0


def test_validation_split_takes_the_last_samples_before_shuffling():
    utils.set_random_seed(3)
    model, y, _ = compiled("adam_categorical")
    history = model.fit(INPUTS["x"], y, epochs=1, batch_size=8, validation_split=0.25, shuffle=True, verbose=0)
    loss, accuracy = model.evaluate(INPUTS["x"][30:], y[30:], verbose=0)
    assert history.history["val_loss"] == [pytest.approx(loss, rel=1e-6)]
    assert history.history["val_accuracy"] == [pytest.approx(accuracy)]


def test_shuffle_is_seeded_and_changes_the_batches():
    def weights(shuffle: bool, seed: int) -> list[np.ndarray]:
        utils.set_random_seed(seed)
        model, y, _ = compiled("adam_categorical")
        model.fit(INPUTS["x"], y, epochs=1, batch_size=8, shuffle=shuffle, verbose=0)
        return model.get_weights()

    a, b, unshuffled = weights(True, 5), weights(True, 5), weights(False, 5)
    assert all(np.array_equal(p, q) for p, q in zip(a, b))
    assert not all(np.array_equal(p, q) for p, q in zip(a, unshuffled))


def test_verbose_prints_one_line_per_epoch_with_the_history_numbers(capsys):
    model, y, _ = compiled("sgd_string_categorical")
    history = model.fit(INPUTS["x"], y, epochs=2, batch_size=12, validation_split=0.1, shuffle=False, verbose=0)
    assert capsys.readouterr().out == ""
    model, y, _ = compiled("sgd_string_categorical")
    history = model.fit(INPUTS["x"], y, epochs=2, batch_size=12, validation_split=0.1, shuffle=False, verbose=1)
    lines = capsys.readouterr().out.splitlines()
    h = history.history
    assert lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2"
    assert lines[3] == (f"3/3 - acc: {h['acc'][1]:.4f} - loss: {h['loss'][1]:.4f} - val_acc: {h['val_acc'][1]:.4f}"
                        f" - val_loss: {h['val_loss'][1]:.4f}")


def test_train_one_more_batch_continues_where_fit_stopped():
    model, y, _ = compiled("adam_categorical")
    assert backend.fit_trainer() is None
    model.fit(INPUTS["x"], y, epochs=1, batch_size=16, shuffle=False, verbose=0)
    trainer = backend.fit_trainer()
    assert trainer is not None
    # a new epoch starts: the first batch again (no shuffle), trained from the fitted weights
    expected = float(model.compute_loss(None, y[:16], model(INPUTS["x"][:16])).numpy())
    with record() as trace:
        trainer()
    assert trace.iteration_count == 1
    assert trace.losses == [pytest.approx(expected, rel=1e-6)]
    backend.clear_session()
    assert backend.fit_trainer() is None


def test_dropout_masks_during_fit_and_not_in_evaluate():
    utils.set_random_seed(0)
    model = classifier(dropout=0.5)
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    with record() as trace:
        model.fit(INPUTS["x"], INPUTS["one_hot"], epochs=1, batch_size=40, verbose=0)
    masks = [e for e in trace.events if isinstance(e, OpRecorded) and e.scope == "clf/dropout"]
    assert [e.op for e in masks] == ["multiply"]
    scale = masks[0].inputs[1].value
    assert set(np.unique(scale).tolist()) <= {0.0, 2.0} and 0 < (scale == 0).mean() < 1
    inference = model.predict(INPUTS["x"], verbose=0)
    np.testing.assert_array_equal(inference, model.predict(INPUTS["x"], verbose=0))


def test_compile_and_fit_errors_say_what_is_wrong():
    model = classifier()
    with pytest.raises(TrainingError, match="You must call `compile\\(\\)`"):
        model.fit(INPUTS["x"], INPUTS["one_hot"])
    with pytest.raises(TrainingError, match="Unknown loss 'hinge'"):
        model.compile(optimizer="adam", loss="hinge")
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    with pytest.raises(TrainingError, match="callbacks=...\\) is not implemented in tapeviz"):
        model.fit(INPUTS["x"], INPUTS["one_hot"], callbacks=[object()])
    with pytest.raises(TrainingError, match="x has 40 samples but y has 39"):
        model.fit(INPUTS["x"], INPUTS["one_hot"][:39], verbose=0)
    with pytest.raises(TrainingError, match="not sufficient to split"):
        model.fit(INPUTS["x"][:1], INPUTS["one_hot"][:1], validation_split=0.5, verbose=0)


def test_missing_labels_and_empty_data_are_named():
    model = classifier()
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    with pytest.raises(TrainingError, match="fit needs labels"):
        model.fit(INPUTS["x"], verbose=0)
    with pytest.raises(TrainingError, match="no samples"):
        model.fit(INPUTS["x"][:0], INPUTS["one_hot"][:0], verbose=0)
