"""TF's autodiff guide under `import tapeviz.tf as tf`,
sections 10-11: what tensors and variables look like, tf.function.

How these tests were made (and checked against TensorFlow 2.21) is in this folder's __init__.py.
"""



import numpy as np
import pytest

import tapeviz.tf as tf  # noqa: PLR0402  (the guide's own spelling)

from .helpers import close

# 10. What tensors and variables look like
# ---------------------------------------------------------------------------------------------


def test_type_names_of_tensors_and_variables():
    assert type(tf.constant(1.0)).__name__ == "EagerTensor"
    assert type(tf.Variable(1.0)).__name__ == "ResourceVariable"
    assert type(tf.Variable(1.0) + 1.0).__name__ == "EagerTensor"
    assert type(tf.Variable(1.0) * tf.constant(2.0)).__name__ == "EagerTensor"


def test_isinstance_relations_of_tensors_and_variables():
    t = tf.constant(1.0)
    v = tf.Variable(1.0)
    assert isinstance(t, tf.Tensor)
    assert not isinstance(t, tf.Variable)
    assert isinstance(v, tf.Variable)
    assert not isinstance(v, tf.Tensor)


def test_print_of_scalar_vector_and_matrix_tensors(capsys):
    print(tf.constant(6.0))
    print(tf.constant([1.0, 2.5, 3.0]))
    print(tf.constant([[1.0, 2.0], [3.0, 4.0]]))
    print(tf.constant(10))
    assert capsys.readouterr().out == (
        "tf.Tensor(6.0, shape=(), dtype=float32)\n"
        "tf.Tensor([1.  2.5 3. ], shape=(3,), dtype=float32)\n"
        "tf.Tensor(\n[[1. 2.]\n [3. 4.]], shape=(2, 2), dtype=float32)\n"
        "tf.Tensor(10, shape=(), dtype=int32)\n"
    )


def test_repr_of_tensors():
    assert repr(tf.constant(6.0)) == "<tf.Tensor: shape=(), dtype=float32, numpy=6.0>"
    assert repr(tf.constant(10)) == "<tf.Tensor: shape=(), dtype=int32, numpy=10>"
    # a scalar shows the Python float of its float32 value
    assert repr(tf.constant(0.1)) == (
        "<tf.Tensor: shape=(), dtype=float32, numpy=0.10000000149011612>"
    )
    assert repr(tf.constant([1.0, 2.5, 3.0])) == (
        "<tf.Tensor: shape=(3,), dtype=float32, numpy=array([1. , 2.5, 3. ], dtype=float32)>"
    )
    assert repr(tf.constant([[1.0, 2.0], [3.0, 4.0]])) == (
        "<tf.Tensor: shape=(2, 2), dtype=float32, numpy=\n"
        "array([[1., 2.],\n       [3., 4.]], dtype=float32)>"
    )


def test_repr_and_print_of_variables(capsys):
    v = tf.Variable(3.0)
    assert repr(v) == "<tf.Variable 'Variable:0' shape=() dtype=float32, numpy=3.0>"
    named = tf.Variable([1.0, 2.0], name="w")
    assert repr(named) == (
        "<tf.Variable 'w:0' shape=(2,) dtype=float32, numpy=array([1., 2.], dtype=float32)>"
    )
    print(v)
    assert (
        capsys.readouterr().out == "<tf.Variable 'Variable:0' shape=() dtype=float32, numpy=3.0>\n"
    )


def test_variable_names_get_a_colon_zero_suffix_and_are_not_uniquified():
    assert tf.Variable(1.0).name == "Variable:0"
    assert tf.Variable(1.0, name="w").name == "w:0"
    assert tf.Variable(2.0, name="w").name == "w:0"


def test_default_dtypes():
    assert tf.constant(1.0).dtype == tf.float32
    assert tf.constant(1).dtype == tf.int32
    assert tf.constant([1, 2.0]).dtype == tf.float32
    assert tf.constant(np.array([1.0, 2.0])).dtype == tf.float64
    assert tf.Variable(2).dtype == tf.int32
    assert tf.zeros(2).dtype == tf.float32
    assert tf.convert_to_tensor([1.0, 2.0]).dtype == tf.float32
    assert tf.float32.name == "float32"
    assert str(tf.float32) == "<dtype: 'float32'>"
    assert repr(tf.float32) == "tf.float32"


def test_numpy_method_returns_numpy_values():
    scalar = tf.constant(2.5).numpy()
    assert isinstance(scalar, np.float32)
    vec = tf.constant([1.0, 2.0]).numpy()
    assert isinstance(vec, np.ndarray)
    assert vec.dtype == np.float32
    np.testing.assert_array_equal(vec, [1.0, 2.0])


def test_numpy_functions_on_tensors_and_variables_return_numpy_arrays():
    t = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    v = tf.Variable([[1.0, 2.0], [3.0, 4.0]])
    for value in (t, v):
        m = np.mean(value, axis=0)
        assert type(m) is np.ndarray
        assert m.dtype == np.float32
        np.testing.assert_allclose(m, [2.0, 3.0])
    sq = np.square(t)
    assert type(sq) is np.ndarray
    np.testing.assert_allclose(sq, [[1.0, 4.0], [9.0, 16.0]])
    np.testing.assert_allclose(np.asarray(t), [[1.0, 2.0], [3.0, 4.0]])


def test_python_lists_mix_into_tensor_arithmetic():
    w = tf.Variable([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    y = [[1.0, 2.0, 3.0]] @ w
    assert type(y).__name__ == "EagerTensor"
    close(y, [[4.0, 5.0]])
    z = tf.Variable(2.0) * [3.0, 4.0]
    close(z, [6.0, 8.0])
    close(1 / tf.Variable(4.0), 0.25)


def test_tensor_converts_to_python_scalars():
    assert float(tf.constant(1.5)) == 1.5
    assert bool(tf.constant(1.0) > 0.0) is True
    cmp = tf.constant(1.0) > 0.0
    assert isinstance(cmp, tf.Tensor)
    assert cmp.dtype == tf.bool


def test_tensors_and_variables_are_unhashable():
    with pytest.raises(TypeError, match="Tensor is unhashable"):
        hash(tf.constant(1.0))
    with pytest.raises(TypeError, match="Variable is unhashable"):
        hash(tf.Variable(1.0))


# ---------------------------------------------------------------------------------------------
# 11. tf.function
# ---------------------------------------------------------------------------------------------


def test_gradient_flows_through_a_tf_function():
    @tf.function
    def poly(a):
        return a * a * a + 2.0 * a

    v = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y = poly(v)
    assert isinstance(y, tf.Tensor)
    close(y, 12.0)
    close(tape.gradient(y, v), 3 * 4.0 + 2.0)


def test_tf_function_on_a_module_method():
    class Scaler(tf.Module):
        def __init__(self):
            super().__init__()
            self.k = tf.Variable(1.5)

        @tf.function
        def __call__(self, x):
            return x * self.k

    m = Scaler()
    with tf.GradientTape() as tape:
        y = m(tf.constant(4.0))
    (g,) = tape.gradient(y, m.trainable_variables)
    close(g, 4.0)


# ---------------------------------------------------------------------------------------------
