"""The built-in ``seed`` and ``seed-fixed`` examples: structure, TF's numbers, finite differences, training."""

from __future__ import annotations

import importlib.util
import json
import warnings

import numpy as np
import pytest

import tapeviz.engine as E
import tapeviz.tf as tf
from tapeviz.engine.events import OpRecorded, VariableAssigned
from tapeviz.examples import EXAMPLES
from tapeviz.examples.keras_examples import SimpleModel, seed_network
from tapeviz.keras import backend
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
    maker = _keras_maker()
    data = {k: np.array(v) for k, v in REFERENCE["inputs"].items()}
    data = {k: v.astype(np.float32 if v.dtype.kind == "f" else np.int32) for k, v in data.items()}
    assert maker.inputs().keys() == data.keys()  # the stored inputs are the script's
    ref = REFERENCE[case]
    backend.clear_session()
    activation = maker.CASES[case][0]
    ours = maker.run_case(tf, case, data, SimpleModel(fixed=activation is None))  # the seed example's own model
    np.testing.assert_allclose(ours["predictions"], ref["predictions"], rtol=1e-5, atol=1e-6)
    assert ours["loss"] == pytest.approx(ref["loss"], rel=1e-5)
    for g, want in zip(ours["grads"], ref["grads"]):
        np.testing.assert_allclose(g, want, rtol=1e-4, atol=1e-6)
    for v, want in zip(ours["after_sgd_momentum"], ref["after_sgd_momentum"]):
        np.testing.assert_allclose(v, want, rtol=1e-5, atol=1e-6)
    keras_warned = any("from_logits=True" in w for w in ref["warnings"])
    assert keras_warned == any("from_logits=True" in w for w in ours["warnings"])


def _keras_maker():  # noqa: ANN202
    """tests/data/make_keras_tf_reference.py as a module: its cases and its one training step."""
    spec = importlib.util.spec_from_file_location("make_keras_tf_reference", DATA / "make_keras_tf_reference.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


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
