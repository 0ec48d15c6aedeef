"""tf.__version__, tensor __format__, TensorSpec with tf.function(input_signature=...), devices and
the out-of-scope saved_model, against what TensorFlow 2.21 printed (tests/data/fit_tf_reference.json)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import tapeviz.tf as tf
from tapeviz.engine.errors import TapevizError

REF = json.loads((Path(__file__).resolve().parents[1] / "data" / "fit_tf_reference.json").read_text("utf-8"))["namespace"]


def test_version_is_the_tf_version_the_api_follows():
    assert tf.__version__ == REF["version"]


def test_format_works_like_numpy():
    scalar, vector = tf.constant(1.234567), tf.constant([1.0, 2.5])
    assert f"{scalar:.4f}" == REF["format_scalar"]
    assert f"{scalar:.2e}" == REF["format_scalar_e"]
    assert f"{vector}" == REF["format_vector_empty_spec"]
    assert f"{tf.constant(7):03d}" == REF["format_int"]
    with pytest.raises(TypeError):
        f"{vector:.2f}"
    assert REF["format_vector_error"] == "TypeError"


def test_tensorspec_repr_and_shape():
    spec = tf.TensorSpec(shape=[None, 3], dtype=tf.float32)
    assert repr(spec) == REF["tensorspec_repr"]
    assert repr(spec.shape) == REF["tensorspec_shape"]
    assert spec.is_compatible_with(tf.zeros([5, 3]))
    assert not spec.is_compatible_with(tf.zeros([5, 2]))
    assert not spec.is_compatible_with(tf.zeros([5, 3], dtype=tf.float64))


def test_input_signature_checks_and_converts_arguments():
    @tf.function(input_signature=[tf.TensorSpec(shape=[None], dtype=tf.float32)])
    def square_sum(v):
        return tf.reduce_sum(v * v)

    assert float(square_sum(tf.constant([1.0, 2.0, 3.0]))) == REF["square_sum"]
    assert float(square_sum([1, 2, 3])) == REF["square_sum"]  # a list becomes float32
    with pytest.raises(TypeError, match="expects TensorSpec\\(shape=\\(None,\\), dtype=tf.float32"):
        square_sum(tf.constant([[1.0]]))
    with pytest.raises(TypeError, match="exactly 1 positional argument"):
        square_sum(tf.constant([1.0]), tf.constant([2.0]))


def test_gradients_flow_through_a_function_with_a_signature():
    @tf.function(input_signature=[tf.TensorSpec(shape=[], dtype=tf.float32)])
    def cube(x):
        return x * x * x

    x = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y = cube(x)
    assert float(tape.gradient(y, x)) == 12.0


def test_devices_cpu_only():
    assert [repr(d) for d in tf.config.list_physical_devices("GPU")] == REF["gpus"] == []
    assert [repr(d) for d in tf.config.list_physical_devices("CPU")] == REF["cpus"]
    assert len(tf.config.list_physical_devices()) == 1
    with tf.device("/GPU:0"):
        assert float(tf.constant(1.0) + 1.0) == 2.0


def test_saved_model_is_out_of_scope_with_one_clear_error():
    with pytest.raises(TapevizError, match="tf.saved_model.save is not done in tapeviz: .*runs eagerly"):
        tf.saved_model.save(object(), "/nonexistent")
    with pytest.raises(NotImplementedError):
        tf.saved_model.load("/nonexistent")
