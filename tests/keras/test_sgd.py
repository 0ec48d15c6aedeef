"""SGD against its update rule worked by hand, and Keras's apply_gradients behaviour."""

from __future__ import annotations

import numpy as np
import pytest

import tapeviz.engine as E
from tapeviz.engine.errors import TapevizError
from tapeviz.engine.events import VariableAssigned
from tapeviz.keras import optimizers
from tapeviz.keras.optimizers import GradientsWarning
from tapeviz.trace import record

W0 = np.array([1.0, -2.0, 0.5], np.float32)
G1 = np.array([0.5, 0.25, -1.0], np.float32)
G2 = np.array([-0.3, 1.0, 2.0], np.float32)


def test_plain_sgd_is_w_minus_lr_times_g():
    w = E.Variable(W0)
    opt = optimizers.SGD(learning_rate=0.1)
    opt.apply_gradients([(E.constant(G1), w)])
    np.testing.assert_allclose(w.numpy(), [0.95, -2.025, 0.6], rtol=1e-6)
    opt.apply_gradients(zip([E.constant(G2)], [w]))
    np.testing.assert_allclose(w.numpy(), [0.98, -2.125, 0.4], rtol=1e-6)
    assert int(opt.iterations.numpy()) == 2


def test_momentum_keeps_a_velocity():
    w = E.Variable(W0)
    opt = optimizers.SGD(learning_rate=0.1, momentum=0.9)
    opt.apply_gradients([(E.constant(G1), w)])
    # m1 = -lr·g1 = [-0.05, -0.025, 0.1]; w1 = w0 + m1
    np.testing.assert_allclose(w.numpy(), [0.95, -2.025, 0.6], rtol=1e-6)
    opt.apply_gradients([(E.constant(G2), w)])
    # m2 = 0.9·m1 − lr·g2 = [-0.015, -0.1225, -0.11]; w2 = w1 + m2
    np.testing.assert_allclose(opt.momentum_of(w).numpy(), [-0.015, -0.1225, -0.11], rtol=1e-5)
    np.testing.assert_allclose(w.numpy(), [0.935, -2.1475, 0.49], rtol=1e-5)


def test_nesterov_looks_ahead():
    w = E.Variable(W0)
    opt = optimizers.SGD(learning_rate=0.1, momentum=0.9, nesterov=True)
    opt.apply_gradients([(E.constant(G1), w)])
    # m1 = [-0.05, -0.025, 0.1]; w1 = w0 + 0.9·m1 − lr·g1 = w0 + [-0.095, -0.0475, 0.19]
    np.testing.assert_allclose(w.numpy(), [0.905, -2.0475, 0.69], rtol=1e-5)
    opt.apply_gradients([(E.constant(G2), w)])
    # m2 = [-0.015, -0.1225, -0.11]; w2 = w1 + 0.9·m2 − lr·g2 = w1 + [0.0165, -0.21025, -0.299]
    np.testing.assert_allclose(w.numpy(), [0.9215, -2.25775, 0.391], rtol=1e-5)


def test_none_gradients_are_skipped_with_a_warning_naming_the_variables():
    a, b = E.Variable(W0, name="a"), E.Variable(W0, name="b")
    opt = optimizers.SGD(learning_rate=0.1)
    with pytest.warns(GradientsWarning, match=r"Gradients do not exist for variables \['a'\] when minimizing the loss"):
        opt.apply_gradients([(None, a), (E.constant(G1), b)])
    np.testing.assert_array_equal(a.numpy(), W0)
    np.testing.assert_allclose(b.numpy(), W0 - 0.1 * G1, rtol=1e-6)


def test_all_none_gradients_raise_keras_error():
    with pytest.raises(ValueError, match="^No gradients provided for any variable.$"):
        optimizers.SGD().apply_gradients([(None, E.Variable(W0))])


def test_empty_list_explains_the_likely_cause():
    with pytest.raises(ValueError) as info:
        optimizers.SGD().apply_gradients(zip([], []))
    message = str(info.value)
    assert isinstance(info.value, TapevizError)
    assert "not enough values to unpack (expected 2, got 0)" in message
    assert "before the model's first call" in message and "model(inputs)" in message


def test_each_update_is_a_variable_assigned_event():
    w, v = E.Variable(W0, name="w"), E.Variable(W0 * 2, name="v")
    opt = optimizers.SGD(learning_rate=0.5)
    with record() as trace:
        opt.apply_gradients([(E.constant(G1), w), (E.constant(G2), v)])
    updates = [e for e in trace.events if isinstance(e, VariableAssigned) and e.trainable]
    assert [e.name for e in updates] == ["w", "v"]
    np.testing.assert_array_equal(updates[0].before, W0)
    np.testing.assert_allclose(updates[0].after, W0 - 0.5 * G1, rtol=1e-6)


def test_momentum_must_be_between_0_and_1():
    with pytest.raises(ValueError, match="momentum"):
        optimizers.SGD(momentum=1.5)


def test_gradient_shape_must_match_the_variable():
    with pytest.raises(ValueError, match="has shape \\(2,\\), the variable has shape \\(3,\\)"):
        optimizers.SGD().apply_gradients([(E.constant([1.0, 2.0]), E.Variable(W0))])
