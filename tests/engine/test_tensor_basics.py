"""Tensors: dtypes like TF, operators, indexing, conversion, clear errors."""

from __future__ import annotations

import numpy as np
import pytest

import tapeviz.engine as E


def test_python_floats_become_float32_and_ints_int32() -> None:
    assert E.constant(1.5).dtype == E.float32
    assert E.constant([1, 2]).dtype == E.int32
    assert E.constant(np.array([1.0])).dtype == E.float64
    assert E.constant(True).dtype == E.bool_


def test_mixing_float32_and_float64_is_an_error_naming_the_op() -> None:
    a = E.constant([1.0, 2.0])
    b = E.constant(np.array([1.0, 2.0]))
    with pytest.raises(E.DTypeError, match="add: cannot combine float32 .* float64"):
        _ = a + b


def test_python_scalars_and_lists_take_the_tensor_dtype() -> None:
    a = E.constant(np.array([1.0, 2.0]))
    assert (a * 2).dtype == E.float64
    np.testing.assert_array_equal(np.asarray(a * [3.0, 4.0]), [3.0, 8.0])
    np.testing.assert_array_equal(np.asarray(2 - a), [1.0, 0.0])
    np.testing.assert_array_equal(np.asarray(np.array([1.0, 1.0]) + a), [2.0, 3.0])
    with pytest.raises(E.DTypeError):
        _ = E.constant([1, 2]) * 2.5


def test_operators() -> None:
    a = E.constant([[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_allclose(np.asarray(a @ a), np.array([[7, 10], [15, 22]]))
    np.testing.assert_allclose(np.asarray(-a / 2 ** a), -np.array([[1, 2], [3, 4]]) / 2.0 ** np.array([[1, 2], [3, 4]]))
    np.testing.assert_allclose(np.asarray(abs(-a)), np.asarray(a))
    assert np.asarray(a > 2).dtype == bool
    np.testing.assert_array_equal(np.asarray(a == 2.0), [[False, True], [False, False]])


def test_indexing_and_slicing() -> None:
    x = E.constant(np.arange(24, dtype=np.float32).reshape(4, 6))
    np.testing.assert_array_equal(np.asarray(x[1:3, ::2]), np.arange(24).reshape(4, 6)[1:3, ::2])
    np.testing.assert_array_equal(np.asarray(x[:, 0]), [0, 6, 12, 18])
    np.testing.assert_array_equal(np.asarray(x[[0, 2]]), np.arange(24).reshape(4, 6)[[0, 2]])


def test_numpy_and_asarray_and_shape() -> None:
    x = E.constant([[1.0, 2.0, 3.0]])
    assert x.shape == (1, 3) and x.shape.as_list() == [1, 3]
    n = x.numpy()
    n[0, 0] = 99  # a copy: the tensor is untouched
    assert float(x[0, 0]) == 1.0
    assert np.asarray(x).shape == (1, 3)
    assert isinstance(E.constant(2.0).numpy(), np.floating)


def test_repr_and_str_read_like_tf() -> None:
    t = E.constant([1.0, 2.0])
    assert str(t) == "tf.Tensor([1. 2.], shape=(2,), dtype=float32)"
    assert repr(t).startswith("<tf.Tensor: shape=(2,), dtype=float32, numpy=array([1., 2.]")
    v = E.Variable(3.0, name="x:0")
    assert repr(v) == "<tf.Variable 'x:0' shape=() dtype=float32, numpy=3.0>"


def test_tensors_are_immutable() -> None:
    x = E.constant([1.0, 2.0])
    with pytest.raises(ValueError):
        np.asarray(x)[0] = 5.0
    src = np.array([1.0, 2.0])
    y = E.constant(src)
    src[0] = 7.0
    assert float(y[0]) == 1.0


def test_matmul_shape_error_names_op_shapes_and_scope() -> None:
    a, b = E.constant(np.zeros((32, 10), np.float32)), E.constant(np.zeros((5, 2), np.float32))
    with E.name_scope("simple_model"), E.name_scope("dense_1"):
        with pytest.raises(E.ShapeError) as info:
            E.matmul(a, b)
    assert str(info.value) == "matmul in simple_model/dense_1: (32, 10) @ (5, 2): inner dimensions 10 and 5 differ"


def test_broadcast_error_names_the_shapes() -> None:
    with pytest.raises(E.ShapeError, match=r"add: shapes \(3,\) and \(4,\) cannot be broadcast together"):
        _ = E.constant([1.0, 2.0, 3.0]) + E.constant([1.0, 2.0, 3.0, 4.0])


def test_reshape_error() -> None:
    with pytest.raises(E.ShapeError, match=r"cannot reshape 6 elements of shape \(2, 3\) into \(4, 2\)"):
        E.reshape(E.constant(np.zeros((2, 3))), (4, 2))


def test_tensors_are_unhashable_but_have_ref() -> None:
    t = E.constant(1.0)
    with pytest.raises(TypeError):
        hash(t)
    assert {t.ref(): 1}[t.ref()] == 1
