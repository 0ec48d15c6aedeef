"""Losses against Keras's documented values and TF-computed numbers; warnings for the pitfalls."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tapeviz.engine as E
from tapeviz.engine.errors import ShapeError
from tapeviz.engine.events import OpRecorded
from tapeviz.keras import activations, losses
from tapeviz.keras.losses import LabelsWarning, LogitsWarning
from tapeviz.trace import record

Y_TRUE = [[0, 1, 0], [0, 0, 1]]
Y_PRED = [[0.05, 0.95, 0], [0.1, 0.8, 0.1]]


def _quiet(fn, *args):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # these inputs must not warn
        return fn(*args)


def test_categorical_crossentropy_documented_values():
    assert float(_quiet(losses.CategoricalCrossentropy(), Y_TRUE, Y_PRED)) == pytest.approx(1.177, abs=1e-3)
    assert float(_quiet(losses.CategoricalCrossentropy(reduction="sum"), Y_TRUE, Y_PRED)) == pytest.approx(2.354, abs=1e-3)
    per_sample = _quiet(losses.CategoricalCrossentropy(reduction=None), Y_TRUE, Y_PRED)
    np.testing.assert_allclose(per_sample.numpy(), [0.0513, 2.303], atol=1e-3)
    per_sample = _quiet(losses.CategoricalCrossentropy(reduction="none"), Y_TRUE, Y_PRED)
    assert per_sample.shape == (2,)
    np.testing.assert_allclose(_quiet(losses.categorical_crossentropy, Y_TRUE, Y_PRED).numpy(), [0.05129331, 2.3025851], rtol=1e-6)


def test_probabilities_are_normalised_and_clipped_before_the_log():
    # a zero probability on the true class is clipped to 1e-7, not log(0) = inf
    value = float(losses.CategoricalCrossentropy()([[1, 0]], [[0.0, 1.0]]))
    assert value == pytest.approx(-np.log(1e-7), rel=1e-5)
    # rows that do not sum to 1 are divided by their sum first
    a = float(losses.CategoricalCrossentropy()([[0, 1]], [[2.0, 6.0]]))
    assert a == pytest.approx(-np.log(0.75), rel=1e-6)


def test_values_computed_by_tensorflow():
    # numbers printed by TF 2.21 / Keras 3.15 for the same calls
    cce_smooth = losses.CategoricalCrossentropy(label_smoothing=0.2)(Y_TRUE, Y_PRED)
    assert float(cce_smooth) == pytest.approx(1.7413325, rel=1e-6)
    bce = losses.BinaryCrossentropy()([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]])
    assert float(bce) == pytest.approx(0.8149245, rel=1e-6)
    bce_logits = losses.BinaryCrossentropy(from_logits=True)([[0, 1], [0, 0]], [[-18.6, 0.51], [2.94, -12.8]])
    assert float(bce_logits) == pytest.approx(0.865458, rel=1e-5)
    sparse = losses.SparseCategoricalCrossentropy()(np.array([1, 2]), np.array(Y_PRED))
    assert float(sparse) == pytest.approx(1.1769392, rel=1e-6)
    mse = losses.MeanSquaredError()([[0.0, 1.0], [0.0, 0.0]], [[1.0, 1.0], [1.0, 0.0]])
    assert float(mse) == pytest.approx(0.5)


def test_from_logits_matches_log_softmax_cross_entropy():
    logits = np.array([[2.0, -1.0, 0.5], [0.1, 0.2, 3.0]], np.float32)
    labels = np.array([[0, 1, 0], [1, 0, 0]])
    log_p = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    want = -(labels * log_p).sum(-1)
    got = losses.CategoricalCrossentropy(from_logits=True, reduction=None)(labels, logits)
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-6)
    sparse = losses.SparseCategoricalCrossentropy(from_logits=True, reduction=None)(np.array([1, 0]), logits)
    np.testing.assert_allclose(sparse.numpy(), want, rtol=1e-6)


def test_labels_of_any_numeric_dtype_are_cast_to_the_predictions_dtype():
    pred = E.constant(np.array(Y_PRED, np.float64))
    for labels in (np.array(Y_TRUE, np.int32), np.array(Y_TRUE, np.int64), np.array(Y_TRUE, np.float32),
                   E.constant(np.array(Y_TRUE, np.int32))):
        out = losses.categorical_crossentropy(labels, pred)
        assert out.dtype == E.float64
        np.testing.assert_allclose(out.numpy(), [0.0513, 2.303], atol=1e-3)
    out = losses.CategoricalCrossentropy(dtype="float64")(np.array(Y_TRUE, np.int32), pred)
    assert out.dtype == E.float64


def test_mse_and_bce_reductions():
    y, p = [[0.0, 1.0], [0.0, 0.0]], [[1.0, 1.0], [1.0, 0.0]]
    np.testing.assert_allclose(losses.MeanSquaredError(reduction=None)(y, p).numpy(), [0.5, 0.5])
    assert float(losses.MeanSquaredError(reduction="sum")(y, p)) == pytest.approx(1.0)
    np.testing.assert_allclose(losses.mean_squared_error(y, p).numpy(), [0.5, 0.5])


def test_bad_reduction_and_shape_mismatch_are_clear_errors():
    with pytest.raises(ValueError, match="Invalid value for argument `reduction`"):
        losses.CategoricalCrossentropy(reduction="avg")
    with pytest.raises(ShapeError, match="target.shape=\\(2, 2\\), output.shape=\\(2, 3\\)"):
        losses.CategoricalCrossentropy()([[0, 1], [1, 0]], Y_PRED)
    with pytest.raises(ValueError, match="class indices in \\[0, 3\\)"):
        losses.SparseCategoricalCrossentropy()(np.array([1, 3]), np.array(Y_PRED))


def test_softmax_output_with_from_logits_warns_and_uses_the_logits():
    logits = E.constant(np.array([[2.0, -1.0], [0.3, 0.1], [-0.5, 1.5]], np.float32))
    probs = activations.softmax(logits)
    labels = np.eye(2)[[0, 1, 1]]
    with pytest.warns(LogitsWarning) as caught:
        value = losses.CategoricalCrossentropy(from_logits=True)(labels, probs)
    message = str(caught[0].message)
    assert message.startswith('"`categorical_crossentropy` received `from_logits=True`, but the `output` argument was '
                              "produced by a Softmax activation and thus does not represent logits. Was this intended?")
    assert "softmax" in message.split("Was this intended?")[1]  # tapeviz's extra sentence
    # like Keras 3: computed from the logits, not from softmax(softmax(logits))
    single = float(losses.CategoricalCrossentropy(from_logits=True)(labels, logits))
    p = probs.numpy()
    double = float(np.mean(-(labels * (p - np.log(np.exp(p).sum(-1, keepdims=True)))).sum(-1)))
    assert float(value) == pytest.approx(single, rel=1e-6)
    assert float(value) != pytest.approx(double, rel=1e-3)
    # from_logits=False on a softmax output: same logits path, no warning
    assert float(_quiet(losses.CategoricalCrossentropy(), labels, probs)) == pytest.approx(single, rel=1e-6)


def test_labels_that_are_not_one_hot_warn():
    labels = np.array([[1, 1], [0, 0], [0, 1]], np.int32)
    with pytest.warns(LabelsWarning, match="2 of 3 label rows are not one-hot.*\\[1, 1\\] and \\[0, 0\\]"):
        losses.CategoricalCrossentropy(from_logits=True)(labels, np.zeros((3, 2), np.float32))
    # soft labels that sum to 1 are fine
    _quiet(losses.CategoricalCrossentropy(), [[0.3, 0.7]], [[0.5, 0.5]])


def test_gradient_follows_tensorflows_rule_for_labels_that_are_not_one_hot():
    logits = E.constant(np.array([[0.3, -0.2], [1.0, 0.5], [0.1, 0.4]], np.float32))
    labels = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 0.0]], np.float32)
    with E.GradientTape() as tape, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tape.watch(logits)
        loss = losses.CategoricalCrossentropy(from_logits=True, reduction="sum")(labels, logits)
    g = tape.gradient(loss, logits).numpy()
    s = np.exp(logits.numpy()) / np.exp(logits.numpy()).sum(-1, keepdims=True)
    # what TF 2.21 returns here (its fused op's rule, softmax − labels), not s·Σlabels − labels
    np.testing.assert_allclose(g, [[-0.37754065, 0.37754068], [-0.37754065, -0.6224593], [0.42555746, 0.5744425]], atol=1e-6)
    np.testing.assert_allclose(g, s - labels, atol=1e-6)


def test_loss_ops_are_recorded_under_the_losss_name():
    pred = E.constant(np.array(Y_PRED, np.float32))
    with record() as trace, E.GradientTape() as tape:
        tape.watch(pred)
        losses.CategoricalCrossentropy()(Y_TRUE, pred)
        losses.MeanSquaredError()(np.zeros((2, 3)), pred)
    scopes = [e.scope for e in trace.events if isinstance(e, OpRecorded)]
    assert scopes and set(scopes) == {"categorical_crossentropy", "mean_squared_error"}
    assert scopes[0] == "categorical_crossentropy"
