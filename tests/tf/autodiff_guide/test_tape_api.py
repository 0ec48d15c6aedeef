"""TF's autodiff guide under `import tapeviz.tf as tf`,
sections 12-13: the GradientTape API beyond the guide, and Keras' Dense layer.

How these tests were made (and checked against TensorFlow 2.21) is in this folder's __init__.py.
"""


import importlib.util

import numpy as np
import pytest

import tapeviz.tf as tf  # noqa: PLR0402  (the guide's own spelling)

from .helpers import NON_PERSISTENT_MSG, close

# 12. GradientTape API beyond the guide
# ---------------------------------------------------------------------------------------------


def test_target_none_raises_type_error():
    v = tf.Variable(1.0)
    with tf.GradientTape() as tape:
        y = v * 2.0
    with pytest.raises(TypeError) as info:
        tape.gradient(None, v)
    assert str(info.value) == (
        "Argument `target` should be a list or nested structure of Tensors, Variables or "
        "CompositeTensors to be differentiated, but received None."
    )
    # the failed call did not use up the tape
    close(tape.gradient(y, v), 2.0)


def test_target_that_is_the_source_itself_has_gradient_one():
    v = tf.Variable([1.0, 2.0])
    other = tf.Variable(1.0)
    with tf.GradientTape(persistent=True) as tape:
        pass
    close(tape.gradient(v, v), [1.0, 1.0])
    assert tape.gradient(v, other) is None
    c = tf.constant(3.0)
    close(tape.gradient(c, c), 1.0)


def test_jacobian_after_a_used_non_persistent_tape_raises():
    v = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        y = v * v
    tape.gradient(y, v)
    with pytest.raises(RuntimeError) as info:
        tape.jacobian(y, v)
    assert str(info.value).startswith(NON_PERSISTENT_MSG)


def test_gradient_inside_a_non_persistent_tape_stops_recording():
    v = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        y = v * v
        g = tape.gradient(y, v)
        later = v * 3.0
    close(g, 6.0)
    with pytest.raises(RuntimeError, match="non-persistent GradientTape"):
        tape.gradient(later, v)


def test_watch_rejects_non_tensors():
    with tf.GradientTape() as tape, pytest.raises(ValueError) as info:
        tape.watch(3.0)
    assert str(info.value) == (
        "Passed in object 3.0 of type 'float', not tf.Tensor or tf.Variable or ExtensionType."
    )


def test_watched_variables_is_empty_before_the_tape_is_entered():
    assert tuple(tf.GradientTape().watched_variables()) == ()


def test_unconnected_gradients_accepts_the_string_zero():
    v = tf.Variable([1.0, 2.0])
    s = tf.Variable(1.0)
    with tf.GradientTape() as tape:
        y = s * 2.0
    close(tape.gradient(y, v, unconnected_gradients="zero"), [0.0, 0.0])


def test_unknown_unconnected_gradients_value_raises_value_error():
    v = tf.Variable(1.0)
    with tf.GradientTape() as tape:
        y = v * 2.0
    with pytest.raises(ValueError) as info:
        tape.gradient(y, v, unconnected_gradients="bogus")
    assert str(info.value) == "Unknown value for unconnected_gradients: 'bogus'"


def test_output_gradients_weight_the_target():
    v = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        y = v * v
    g = tape.gradient(y, v, output_gradients=tf.constant([10.0, 100.0]))
    close(g, [2.0 * 10.0, 4.0 * 100.0])


def test_output_gradients_one_per_target():
    v = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        y1 = v * v
        y2 = v * 3.0
    g = tape.gradient(
        [y1, y2], v, output_gradients=[tf.constant([1.0, 1.0]), tf.constant([2.0, 0.0])]
    )
    close(g, [2.0 + 6.0, 4.0 + 0.0])


def test_stop_recording_hides_operations_from_the_tape():
    v = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        with tape.stop_recording():
            hidden = v * v
        seen = hidden + v
    close(tape.gradient(seen, v), 1.0)


def test_stop_recording_outside_any_tape_context_raises():
    with pytest.raises(RuntimeError) as info, tf.GradientTape().stop_recording():
        pass
    assert str(info.value) == "Trying to stop recording a tape which is not recording."


def test_reset_forgets_operations_recorded_so_far():
    v = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        before = v * v
        tape.reset()
        after = before * 3.0 + v
    close(tape.gradient(after, v), 1.0)  # the path through `before` was forgotten


def test_reentering_an_active_tape_raises():
    tape = tf.GradientTape()
    with tape, pytest.raises(ValueError) as info:
        tape.__enter__()
    assert str(info.value) == (
        "Tape is still recording, This can happen if you try to re-enter an already-active tape."
    )


def test_persistent_tape_can_be_entered_again_to_record_more():
    v = tf.Variable(3.0)
    tape = tf.GradientTape(persistent=True)
    with tape:
        y = v * v
    with tape:
        z = y * v
    close(tape.gradient(z, v), 27.0)


def test_nested_tapes_give_second_derivatives():
    v = tf.Variable(3.0)
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            y = v**3
        dy = inner.gradient(y, v)
    close(dy, 27.0)
    close(outer.gradient(dy, v), 18.0)


def test_jacobian_of_elementwise_square_is_diagonal():
    x = tf.constant([1.0, 2.0, 3.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    j = tape.jacobian(y, x)
    assert j.shape == (3, 3)
    close(j, np.diag([2.0, 4.0, 6.0]))


def test_jacobian_shape_is_target_shape_then_source_shape():
    m = tf.Variable([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    spare = tf.Variable(0.0)
    with tf.GradientTape() as tape:
        y = tf.reshape([[1.0, -1.0]] @ m, [3])  # y_j = m_0j - m_1j
    jm, jspare = tape.jacobian(y, [m, spare], unconnected_gradients="zero")
    assert jm.shape == (3, 2, 3)
    expected = np.zeros((3, 2, 3))
    for j in range(3):
        expected[j, 0, j] = 1.0
        expected[j, 1, j] = -1.0
    close(jm, expected)
    assert jspare.shape == (3,)
    close(jspare, [0.0, 0.0, 0.0])


def test_jacobian_of_unconnected_source_is_none():
    v = tf.Variable([1.0, 2.0])
    u = tf.Variable(1.0)
    with tf.GradientTape() as tape:
        y = v * 2.0
    assert tape.jacobian(y, u) is None


def test_batch_jacobian_stacks_per_example_jacobians():
    x = tf.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    bj = tape.batch_jacobian(y, x)
    assert bj.shape == (3, 2, 2)
    close(bj, [np.diag([2.0, 4.0]), np.diag([6.0, 8.0]), np.diag([10.0, 12.0])])


# ---------------------------------------------------------------------------------------------
# 13. Keras: a Dense layer (needs tapeviz's keras layer)
# ---------------------------------------------------------------------------------------------

_needs_keras = pytest.mark.skipif(
    importlib.util.find_spec("tapeviz.keras") is None, reason="tapeviz.keras is not installed"
)

_KERNEL = np.array([[0.5, -1.0], [0.25, 0.5], [-0.5, 1.0]], dtype=np.float32)
_BIAS = np.array([0.1, -0.5], dtype=np.float32)


def _short_name(var) -> str:
    # Keras 3 names a Dense kernel "kernel" (path "dense/kernel"); Keras 2 said "dense/kernel:0".
    return var.name.split("/")[-1].split(":")[0]


@_needs_keras
def test_dense_layer_has_no_variables_until_first_call():
    layer = tf.keras.layers.Dense(2, activation="relu")
    assert list(layer.trainable_variables) == []
    layer(tf.constant([[1.0, 2.0, 3.0]]))
    assert [_short_name(v) for v in layer.trainable_variables] == ["kernel", "bias"]
    assert [tuple(v.shape) for v in layer.trainable_variables] == [(3, 2), (2,)]


@_needs_keras
def test_dense_bias_starts_at_zero():
    layer = tf.keras.layers.Dense(4)
    layer(tf.constant([[1.0, 1.0]]))
    np.testing.assert_array_equal(np.asarray(layer.bias.numpy()), np.zeros(4, dtype=np.float32))


@_needs_keras
def test_gradients_with_respect_to_dense_layer_variables():
    layer = tf.keras.layers.Dense(2, activation="relu")
    x = tf.constant([[1.0, 2.0, 3.0]])
    layer(x)  # build
    layer.kernel.assign(_KERNEL)
    layer.bias.assign(_BIAS)
    with tf.GradientTape() as tape:
        y = layer(x)  # pre-activation [-0.4, 2.5] -> relu [0, 2.5]
        loss = tf.reduce_mean(y**2)  # 6.25 / 2
    grads = tape.gradient(loss, layer.trainable_variables)
    close(y, [[0.0, 2.5]])
    close(loss, 3.125)
    g_kernel, g_bias = grads
    close(g_kernel, [[0.0, 2.5], [0.0, 5.0], [0.0, 7.5]])  # x^T @ [0, 2.5]
    close(g_bias, [0.0, 2.5])
    for var, g in zip(layer.trainable_variables, grads):
        assert g.shape == var.shape


@_needs_keras
def test_dense_layer_variables_are_watched_when_read():
    layer = tf.keras.layers.Dense(2)
    x = tf.constant([[1.0, 0.0, -1.0]])
    layer(x)
    with tf.GradientTape() as tape:
        y = layer(x)
    assert [_short_name(v) for v in tape.watched_variables()] == ["kernel", "bias"]
    del y
