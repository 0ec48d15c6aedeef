"""The built-in ``seed`` and ``seed-fixed`` examples: structure, TF's numbers, finite differences, training."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

import tapeviz.engine as E
from tapeviz.engine.events import OpRecorded, VariableAssigned
from tapeviz.examples import EXAMPLES
from tapeviz.examples.keras_examples import SimpleModel, seed_network
from tapeviz.keras import backend, losses, optimizers
from tests.support.paths import DATA

REFERENCE = json.loads((DATA / "keras_tf_reference.json").read_text(encoding="utf-8"))


def test_seed_builds_one_recorded_training_step():
    trace = EXAMPLES["seed"].build()
    ops = [(e.scope, e.op) for e in trace.events if isinstance(e, OpRecorded)]
    assert ops == [
        ("simple_model/dense", "matmul"), ("simple_model/dense", "add"), ("simple_model/dense", "relu"),
        ("simple_model/dense_1", "matmul"), ("simple_model/dense_1", "add"), ("simple_model/dense_1", "softmax"),
        ("categorical_crossentropy", "softmax_cross_entropy_with_logits"),
        ("categorical_crossentropy", "reduce_sum"), ("categorical_crossentropy", "divide"),
    ]
    updates = [e.name for e in trace.events if isinstance(e, VariableAssigned) and e.trainable]
    assert updates == ["simple_model/dense/kernel", "simple_model/dense/bias",
                       "simple_model/dense_1/kernel", "simple_model/dense_1/bias"]
    assert trace.iteration_count == 1 and len(trace.losses) == 1
    assert trace.graph.find("simple_model/dense_1/kernel") is not None


def test_seed_is_deterministic_and_keeps_the_pitfall_warnings():
    a, b = EXAMPLES["seed"].build(), EXAMPLES["seed"].build()
    assert a.losses == b.losses and len(a) == len(b)
    kinds = [w.split(":")[0] for w in a.meta["warnings"]]
    assert kinds == ["LogitsWarning", "LabelsWarning"]
    assert "Was this intended?" in a.meta["warnings"][0]
    a.train_more(1)  # training more warns again: kept once, never printed over the UI
    assert [w.split(":")[0] for w in a.meta["warnings"]] == kinds


def test_seed_fixed_has_logits_and_one_hot_labels():
    trace = EXAMPLES["seed-fixed"].build()
    ops = [e.op for e in trace.events if isinstance(e, OpRecorded)]
    assert "softmax" not in ops
    (labels,) = [nid for nid in trace.graph.nodes if trace.graph.user_name(nid) == "labels"]
    assert np.all(trace.value_of(labels).sum(axis=1) == 1)
    assert "warnings" not in trace.meta


def test_loss_falls_over_50_training_steps_of_seed_fixed():
    trace = EXAMPLES["seed-fixed"].build()
    trace.train_more(49)
    losses_ = trace.losses
    assert len(losses_) == 50
    assert losses_[-1] < losses_[0] - 0.1
    assert sum(b < a for a, b in zip(losses_, losses_[1:])) >= 45


@pytest.mark.parametrize("case", sorted(k for k in REFERENCE if isinstance(REFERENCE[k], dict) and "loss" in REFERENCE[k]))
def test_same_numbers_as_tensorflow(case: str):
    """Loss, gradients and a momentum-SGD update computed by TF 2.21 / Keras 3.15 for fixed weights."""
    data = {k: np.array(v) for k, v in REFERENCE["inputs"].items()}
    ref = REFERENCE[case]
    backend.clear_session()
    model = SimpleModel(fixed="softmax" not in case)
    x = E.constant(data["x"].astype(np.float32))
    model(x)
    model.set_weights([data[k].astype(np.float32) for k in ("w1", "b1", "w2", "b2")])
    labels = data["one_hot" if case.endswith("_one_hot") and "not" not in case else "labels"].astype(np.int32)
    loss_fn = losses.CategoricalCrossentropy(from_logits="from_logits" in case or case.startswith("logits"))
    with warnings.catch_warnings(record=True) as caught, E.GradientTape() as tape:
        warnings.simplefilter("always")
        predictions = model(x)
        loss = loss_fn(labels, predictions)
    grads = tape.gradient(loss, model.trainable_variables)
    np.testing.assert_allclose(predictions.numpy(), ref["predictions"], rtol=1e-5, atol=1e-6)
    assert float(loss) == pytest.approx(ref["loss"], rel=1e-5)
    for g, want in zip(grads, ref["grads"]):
        np.testing.assert_allclose(g.numpy(), want, rtol=1e-4, atol=1e-6)
    optimizers.SGD(learning_rate=0.01, momentum=0.9).apply_gradients(zip(grads, model.trainable_variables))
    for v, want in zip(model.trainable_variables, ref["after_sgd_momentum"]):
        np.testing.assert_allclose(v.numpy(), want, rtol=1e-5, atol=1e-6)
    keras_warned = any("from_logits=True" in w for w in ref["warnings"])
    assert keras_warned == any("from_logits=True" in str(w.message) for w in caught)


def _loss_value(net) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(net.loss())


@pytest.mark.parametrize("fixed", [True, False])
def test_network_gradients_match_central_finite_differences_in_float64(fixed: bool):
    net = seed_network(fixed=fixed, dtype="float64", batch=6, seed=3)
    if not fixed:  # one-hot labels: where the loss's gradient rule is the exact derivative
        net.labels = E.constant(np.eye(2)[[0, 1, 1, 0, 1, 0]])
    with E.GradientTape() as tape, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loss = net.loss()
    grads = tape.gradient(loss, net.variables)
    assert loss.dtype == E.float64
    eps = 1e-6
    for var, g in zip(net.variables, grads):
        base = var.numpy()
        numeric = np.zeros_like(base)
        for idx in np.ndindex(base.shape):
            for sign in (1, -1):
                bumped = base.copy()
                bumped[idx] += sign * eps
                var.assign(bumped)
                numeric[idx] += sign * _loss_value(net) / (2 * eps)
        var.assign(base)
        np.testing.assert_allclose(g.numpy(), numeric, rtol=1e-5, atol=1e-8, err_msg=var.path)
