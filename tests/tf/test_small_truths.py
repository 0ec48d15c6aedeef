"""Small TF facts checked against TensorFlow 2.21 (tests/data/keras_models_tf_reference.json):
``Tensor.device``, the class names errors print under, ``tf.data.TextLineDataset``; and the
hints for names tapeviz does not have, and its one-line refusal of complex numbers."""

from __future__ import annotations

import importlib.util
import json
import traceback
from pathlib import Path

import numpy as np
import pytest

import tapeviz.tf as tf
from tapeviz.engine.errors import DTypeError, ShapeError, TapevizError

DATA = Path(__file__).resolve().parents[1] / "data"
REF = json.loads((DATA / "keras_models_tf_reference.json").read_text(encoding="utf-8"))["namespace"]
_spec = importlib.util.spec_from_file_location("make_keras_models_tf_reference",
                                               DATA / "make_keras_models_tf_reference.py")
maker = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(maker)


@pytest.fixture(scope="module")
def ours() -> dict:
    return maker.namespace_reference(tf)


def test_device_is_tensorflows_cpu_string(ours):
    assert ours["device"] == REF["device"] == "/job:localhost/replica:0/task:0/device:CPU:0"
    assert ours["variable_device"] == REF["variable_device"]


@pytest.mark.parametrize("case", sorted(set(REF["errors"]) - {"complex_constant"}))
def test_errors_print_the_class_name_tensorflow_prints(ours, case):
    assert ours["errors"][case] == REF["errors"][case]


def test_errors_are_what_tensorflow_raises_and_tapevizs_own(ours):
    assert ours["errors_mro"] == REF["errors_mro"]
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        tf.matmul(tf.ones((2, 3)), tf.ones((2, 3)))
    assert isinstance(info.value, ShapeError) and isinstance(info.value, ValueError)
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        tf.add(tf.ones((2,)), tf.ones((2,), dtype=tf.float64))
    assert isinstance(info.value, DTypeError)
    layer = tf.keras.layers.Dense(2)
    layer(tf.ones((1, 3)))
    with pytest.raises(ValueError) as info:
        layer(tf.ones((1, 4)))
    assert isinstance(info.value, TapevizError) and type(info.value).__name__ == "ValueError"


def test_text_line_dataset_equals_tensorflow(ours, tmp_path):
    assert ours["text_lines"] == REF["text_lines"] == maker.TEXT_LINES
    assert ours["text_lines_spec"] == REF["text_lines_spec"]
    assert ours["text_lines_skip_batch"] == REF["text_lines_skip_batch"]
    crlf, plain = tmp_path / "crlf.txt", tmp_path / "plain.txt"
    crlf.write_bytes(b"a\r\nb")
    plain.write_bytes(b"c\n")
    ds = tf.data.TextLineDataset([str(crlf), str(plain)])
    lines = list(ds)
    assert [t.numpy() for t in lines] == [b"a", b"b", b"c"] and lines[0].dtype == tf.string
    assert repr(lines[0]) == "<tf.Tensor: shape=(), dtype=string, numpy=b'a'>"
    assert str(lines[0]) == "tf.Tensor(b'a', shape=(), dtype=string)"
    assert int(ds.cardinality()) == tf.data.UNKNOWN_CARDINALITY
    with pytest.raises(tf.data.DatasetError, match="no such file"):
        tf.data.TextLineDataset(str(tmp_path / "missing.txt"))


def test_string_constants_hold_utf8_bytes():
    t = tf.constant(["héllo", "de"])
    assert t.dtype == tf.string and list(t.numpy()) == ["héllo".encode(), b"de"]


def test_complex_values_are_refused_in_one_clear_line():
    for value in (1.0 + 2.0j, [1.0, 2.0j], np.ones(2, np.complex64)):
        with pytest.raises(DTypeError) as info:
            tf.constant(value)
        message = str(info.value)
        assert "\n" not in message and "complex numbers are outside tapeviz's scope" in message


@pytest.mark.parametrize(("where", "name", "hint"), [
    ("tf", "matmull", "Did you mean: 'matmul'?"),
    ("tf.nn", "rellu", "Did you mean: 'relu'?"),
    ("tf.math", "reduce_summ", "Did you mean: 'reduce_sum'?"),
    ("tf.keras", "Sequentail", "Did you mean: 'Sequential'?"),
])
def test_did_you_mean_suggests_near_names(where, name, hint):
    space = {"tf": tf, "tf.nn": tf.nn, "tf.math": tf.math, "tf.keras": tf.keras}[where]
    with pytest.raises(AttributeError) as info:
        getattr(space, name)
    assert str(info.value).endswith(hint)
    assert "".join(traceback.format_exception(info.value)).count("Did you mean") == 1


@pytest.mark.parametrize("name", ["signal", "fft", "complex64", "strings", "gradients"])
def test_no_suggestion_for_far_names_or_left_out_modules(name):
    with pytest.raises(AttributeError) as info:
        getattr(tf, name)
    message = str(info.value)
    printed = "".join(traceback.format_exception(info.value))
    assert "Did you mean" not in message and "Did you mean" not in printed
    if name == "signal":
        assert "signal-processing" in message and "'sign'" not in message
