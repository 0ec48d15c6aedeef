"""``tf.custom_gradient`` against TensorFlow 2.21: the guide's ``clip_gradients``, the API docs'
``log1pexp``, nested and persistent tapes, variables, several inputs, None gradients, errors.

The programs are the ones in tests/data/make_custom_gradient_tf_reference.py, which wrote the
reference values with real TensorFlow; here the same function runs with ``tapeviz.tf``.
"""

from __future__ import annotations

import importlib.util
import json
import math
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import tapeviz.tf as tf  # noqa: PLR0402

DATA = Path(__file__).resolve().parents[1] / "data"


def _maker() -> Any:
    spec = importlib.util.spec_from_file_location("make_custom_gradient_tf_reference", DATA / "make_custom_gradient_tf_reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


REFERENCE = json.loads((DATA / "custom_gradient_tf_reference.json").read_text())


@pytest.fixture(scope="module")
def ours() -> dict[str, Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # exp(100) overflows to inf in float32, as in TF
        return _maker().cases(tf)


def _same(got: Any, want: Any, where: str) -> None:
    """Nested dicts and lists of numbers (NaN equals NaN), None and error names, compared."""
    if isinstance(want, dict):
        assert isinstance(got, dict) and set(got) == set(want), where
        for k in want:
            _same(got[k], want[k], f"{where}.{k}")
    elif want is None or isinstance(want, str):
        assert got == want, where
    elif isinstance(want, list) and any(w is None or isinstance(w, dict) for w in want):
        assert isinstance(got, list) and len(got) == len(want), where
        for k, (g, w) in enumerate(zip(got, want)):
            _same(g, w, f"{where}[{k}]")
    else:
        assert got is not None, where
        np.testing.assert_allclose(
            np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64), rtol=1e-6, atol=1e-7, err_msg=where
        )


@pytest.mark.parametrize("case", sorted(REFERENCE["cases"]))
def test_case_matches_tensorflow(ours: dict[str, Any], case: str) -> None:
    _same(ours[case], REFERENCE["cases"][case], case)


def test_the_reference_was_made_with_tensorflow_2_21() -> None:
    assert REFERENCE["tensorflow"].startswith("2.21")


def test_guide_clip_gradients_clips_four_to_two() -> None:
    @tf.custom_gradient
    def clip_gradients(y):
        def backward(dy):
            return tf.clip_by_norm(dy, 0.5)

        return y, backward

    v = tf.Variable(2.0)
    with tf.GradientTape() as t:
        output = clip_gradients(v * v)
    assert str(t.gradient(output, v)) == "tf.Tensor(2.0, shape=(), dtype=float32)"


def test_log1pexp_is_stable_where_the_naive_gradient_is_nan() -> None:
    ref = REFERENCE["cases"]
    assert ref["log1pexp_100"]["dy"] == 1.0 and math.isnan(ref["naive_100"]["dy"])


def test_decorator_keeps_the_function_name_and_accepts_parentheses() -> None:
    @tf.custom_gradient()
    def double(x):
        return x * 2.0, lambda dy: dy * 2.0

    assert double.__name__ == "double"
    x = tf.constant(1.5)
    with tf.GradientTape() as t:
        t.watch(x)
        y = double(x)
    assert float(t.gradient(y, x)) == 2.0


def test_without_a_tape_the_result_is_just_the_value() -> None:
    @tf.custom_gradient
    def f(x):
        return x + 1.0, lambda dy: dy

    assert float(f(tf.constant(1.0))) == 2.0
    assert float(f(1.0)) == 2.0  # a Python number becomes a tensor, as in TF


def test_a_function_not_returning_a_pair_says_what_it_must_return() -> None:
    @tf.custom_gradient
    def f(x):
        return x

    with pytest.raises(ValueError, match=r"must return \(result, grad_fn\)"):
        f(tf.constant([1.0, 2.0, 3.0]))


def test_several_outputs_are_refused_in_one_line() -> None:
    @tf.custom_gradient
    def f(x):
        return (x, x * 2.0), lambda dy1, dy2: dy1

    with pytest.raises(ValueError, match="exactly one output tensor"):
        f(tf.constant(1.0))
