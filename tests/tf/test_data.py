"""tf.data.Dataset against the values real TensorFlow 2.21 printed (tests/data/fit_tf_reference.json),
and fit() consuming a Dataset."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import tapeviz.tf as tf
from tapeviz.tf.data import DatasetError

REF = json.loads((Path(__file__).resolve().parents[1] / "data" / "fit_tf_reference.json").read_text("utf-8"))["dataset"]
DS = tf.data.Dataset.from_tensor_slices(np.arange(10, dtype=np.int32))
PAIRS = tf.data.Dataset.from_tensor_slices((np.arange(12, dtype=np.float32).reshape(6, 2), np.arange(6)))


def values(dataset):
    return [e.numpy().tolist() for e in dataset]


def test_map_batch_take_equal_tensorflow():
    assert values(DS.map(lambda v: v * 2).batch(4)) == REF["map_batch"]
    assert values(DS.batch(4, drop_remainder=True)) == REF["batch_drop_remainder"]
    assert values(DS.take(3)) == REF["take"]
    assert values(DS.batch(3).take(2)) == REF["batch_take"]


def test_tuple_elements_equal_tensorflow():
    assert [[x.numpy().tolist(), y.numpy().tolist()] for x, y in PAIRS.batch(4)] == REF["pairs_batch"]
    mapped = PAIRS.map(lambda x, y: (x + 1.0, y * 10)).take(2)
    assert [[x.numpy().tolist(), y.numpy().tolist()] for x, y in mapped] == REF["pairs_map"]


def test_specs_and_cardinality_equal_tensorflow():
    assert repr(DS.element_spec) == REF["element_spec"]
    assert repr(DS.batch(4).element_spec) == REF["batched_spec"]
    assert int(DS.cardinality()) == REF["cardinality"]
    assert int(DS.batch(4).cardinality()) == REF["batched_cardinality"]
    assert len(DS.batch(4)) == 3


def test_shuffle_is_a_permutation_reshuffled_each_iteration_and_seedable():
    shuffled = DS.shuffle(10, seed=1)
    first, second = values(shuffled), values(shuffled)
    assert sorted(first) == REF["shuffled_sorted"] and sorted(second) == REF["shuffled_sorted"]
    assert first != list(range(10)) and first != second
    assert values(DS.shuffle(10, seed=1)) == first
    fixed = DS.shuffle(10, seed=2, reshuffle_each_iteration=False)
    assert values(fixed) == values(fixed)


def test_shuffle_follows_tf_random_set_seed():
    tf.random.set_seed(11)
    a = values(DS.shuffle(4))
    tf.random.set_seed(11)
    assert values(DS.shuffle(4)) == a


def test_repeat_skip_prefetch_and_numpy_iterator():
    assert values(DS.take(3).repeat(2)) == [0, 1, 2, 0, 1, 2]
    assert values(DS.skip(7)) == [7, 8, 9]
    assert values(DS.prefetch(tf.data.AUTOTUNE)) == list(range(10))
    assert int(DS.repeat().cardinality()) == tf.data.INFINITE_CARDINALITY
    assert [int(v) for v in DS.take(2).as_numpy_iterator()] == [0, 1]


def test_slices_must_agree_and_have_an_axis():
    with pytest.raises(DatasetError, match="different numbers of rows"):
        tf.data.Dataset.from_tensor_slices((np.zeros(3), np.zeros(4)))
    with pytest.raises(DatasetError, match="at least one dimension"):
        tf.data.Dataset.from_tensor_slices(np.float32(1.0))


def test_python_lists_become_float32_and_int32_like_tf_constant():
    assert [e.dtype for e in tf.data.Dataset.from_tensor_slices([1.0, 2.0])][0] == tf.float32
    assert [e.dtype for e in tf.data.Dataset.from_tensor_slices([1, 2])][0] == tf.int32


def test_fit_trains_on_a_batched_dataset():
    from tapeviz.trace import record

    tf.keras.utils.set_random_seed(0)
    x = np.random.normal(size=(20, 3)).astype(np.float32)
    y = (x.sum(axis=1, keepdims=True) > 0).astype(np.float32)
    model = tf.keras.Sequential([tf.keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="sgd", loss="binary_crossentropy", metrics=["accuracy"])
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(20, seed=0).batch(8)
    with record() as trace:
        history = model.fit(dataset, epochs=2, verbose=0)
    assert trace.iteration_count == 6  # 3 batches (8, 8, 4) per epoch
    assert history.params["steps"] == 3 and list(history.history) == ["accuracy", "loss"]
    loss, accuracy = model.evaluate(tf.data.Dataset.from_tensor_slices((x, y)).batch(5), verbose=0)
    expected = model.evaluate(x, y, batch_size=5, verbose=0)
    assert [loss, accuracy] == pytest.approx(expected)
    with pytest.raises(ValueError, match="only supported for Tensors or NumPy arrays"):
        model.fit(dataset, validation_split=0.2, verbose=0)


def test_fit_on_a_repeated_dataset_needs_steps_per_epoch():
    x = np.linspace(-1, 1, 12, dtype=np.float32).reshape(12, 1)
    model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    dataset = tf.data.Dataset.from_tensor_slices((x, 2 * x)).batch(4).repeat()
    with pytest.raises(ValueError, match="repeats for ever"):
        model.fit(dataset, epochs=1, verbose=0)
    history = model.fit(dataset, epochs=2, steps_per_epoch=5, verbose=0)
    assert history.params["steps"] == 5 and len(history.history["loss"]) == 2
    assert model.predict(dataset, steps=2, verbose=0).shape == (8, 1)
    assert isinstance(model.evaluate(dataset, steps=3, verbose=0), float)
