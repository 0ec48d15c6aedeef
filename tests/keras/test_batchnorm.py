"""BatchNormalization against Keras 3 on TensorFlow 2.21: training output, running averages,
inference output and gradients (reference from tests/data/make_batchnorm_tf_reference.py,
whose ``cases`` function runs here with ``tapeviz.tf``)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

import tapeviz.tf as tf  # noqa: PLR0402
from tapeviz.engine.events import VariableAssigned
from tapeviz.trace import record

DATA = Path(__file__).resolve().parents[1] / "data"
REFERENCE = json.loads((DATA / "batchnorm_tf_reference.json").read_text())


def _maker():  # noqa: ANN202
    spec = importlib.util.spec_from_file_location("make_batchnorm_tf_reference", DATA / "make_batchnorm_tf_reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


@pytest.mark.parametrize("case", sorted(REFERENCE["cases"]))
def test_batch_normalization_matches_keras(case: str) -> None:
    ours, want = _maker().cases(tf)[case], REFERENCE["cases"][case]
    assert ours["weights"] == want["weights"] and ours["trainable"] == want["trainable"]
    for key in ("train", "moving_mean", "moving_variance", "inference", "dx", "dgamma", "dbeta"):
        np.testing.assert_allclose(ours[key], want[key], rtol=2e-5, atol=2e-5, err_msg=key)


def test_training_moves_the_running_averages_as_two_non_trainable_assignments() -> None:
    bn = tf.keras.layers.BatchNormalization()
    x = tf.constant([[1.0, 2.0], [3.0, 6.0]])
    with record() as trace:
        bn(x, training=True)
    assigned = [e for e in trace.events if isinstance(e, VariableAssigned)]
    assert [(e.name.rsplit("/", 1)[-1], e.trainable) for e in assigned] == [("moving_mean", False), ("moving_variance", False)]
    bn(x)  # inference: the running averages stay
    np.testing.assert_allclose(bn.moving_mean.numpy(), [0.02, 0.04], rtol=1e-6)
