"""The ops added for issue 24 against TensorFlow 2.21: convolution, pooling, pad, cumulative
sums and products, gather, gather_nd, unsorted_segment_sum, add_n, det/slogdet, Embedding, the
Keras conv layers and a small CNN's fit (history and final weights).

tests/data/make_conv_ops_tf_reference.py ran each program with real TensorFlow and stored the
programs with their results in conv_ops_tf_reference.json; here each runs under ``tapeviz.tf``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import tapeviz.tf as tf
from tests.engine.test_ops_tf_reference import _compare

DATA = json.loads((Path(__file__).parents[1] / "data" / "conv_ops_tf_reference.json").read_text())


def test_reference_was_made_with_tensorflow_2_21() -> None:
    assert DATA["tensorflow"] == "2.21.0"


@pytest.mark.parametrize("name", sorted(DATA["cases"]))
def test_same_values_as_tensorflow(name: str) -> None:
    tf.keras.utils.set_random_seed(0)  # only the programs' own weights matter; they set them all
    scope: dict[str, Any] = {"tf": tf}
    exec(DATA["common"] + DATA["cases"][name], scope)  # noqa: S102  (the stored programs of this project)
    _compare(scope["out"], DATA["results"][name], name)
