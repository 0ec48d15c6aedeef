"""TF's autodiff guide under `import tapeviz.tf as tf`, sections 6-9: control flow,
the ways a gradient becomes None, ops with no gradient, zeros instead of None.

How these tests were made (and checked against TensorFlow 2.21) is in this folder's __init__.py.
"""



import numpy as np
import pytest

import tapeviz.tf as tf  # noqa: PLR0402  (the guide's own spelling)

from .helpers import INT_WATCH_WARNING, close, diagnostics

# 6. Control flow
# ---------------------------------------------------------------------------------------------


def _branchy(flag_value: float):
    flag = tf.constant(flag_value)
    left = tf.Variable(3.0, name="left")
    right = tf.Variable(3.0, name="right")
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(flag)
        if flag > 0.0:
            out = left * 2.0
        else:
            out = right**3
    return tape, flag, left, right, out


def test_python_if_on_a_tensor_takes_the_true_branch():
    tape, _flag, left, right, out = _branchy(1.0)
    d_left, d_right = tape.gradient(out, [left, right])
    close(d_left, 2.0)
    assert d_right is None
    assert [v.name for v in tape.watched_variables()] == ["left:0"]


def test_python_if_on_a_tensor_takes_the_false_branch():
    tape, _flag, left, right, out = _branchy(-1.0)
    d_left, d_right = tape.gradient(out, [left, right])
    assert d_left is None
    close(d_right, 27.0)
    assert [v.name for v in tape.watched_variables()] == ["right:0"]


def test_the_condition_itself_gets_no_gradient():
    for value in (1.0, -1.0):
        tape, flag, *_, out = _branchy(value)
        assert tape.gradient(out, flag) is None


def test_branch_returning_the_variable_itself_has_gradient_one():
    flag = tf.constant(1.0)
    chosen = tf.Variable(7.0)
    other = tf.Variable(7.0)
    with tf.GradientTape() as tape:
        result = chosen if flag > 0.0 else other**2
    d_chosen, d_other = tape.gradient(result, [chosen, other])
    close(d_chosen, 1.0)
    assert d_other is None


def test_python_while_loop_on_a_tensor_is_unrolled_on_the_tape():
    x = tf.constant(2.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x
        steps = 0
        while y < 20.0:  # 2 -> 4 -> 8 -> 16 -> 32: y = x^5
            y = y * x
            steps += 1
    assert steps == 4
    close(y, 32.0)
    close(tape.gradient(y, x), 5 * 2.0**4)


def test_truth_value_of_a_vector_tensor_is_ambiguous():
    with pytest.raises(ValueError, match="truth value of an array with more than one element"):
        bool(tf.constant([1.0, -1.0]) > 0.0)


# ---------------------------------------------------------------------------------------------
# 7. Cases where gradient returns None
# ---------------------------------------------------------------------------------------------


def test_unconnected_target_gives_none():
    unused = tf.Variable(1.0)
    used = tf.Variable(4.0)
    with tf.GradientTape() as tape:
        z = used * used
    assert tape.gradient(z, unused) is None


def test_replacing_a_variable_by_a_tensor_disconnects_the_gradient(capsys):
    v = tf.Variable(5.0)
    for _ in range(2):
        with tf.GradientTape() as tape:
            y = v + 2.0
        print(type(v).__name__, ":", tape.gradient(y, v))
        v = v + 2.0  # should have been v.assign_add(2.0)
    assert capsys.readouterr().out == (
        "ResourceVariable : tf.Tensor(1.0, shape=(), dtype=float32)\nEagerTensor : None\n"
    )


def test_assign_add_keeps_the_variable_and_its_gradient():
    v = tf.Variable(5.0)
    grads = []
    for _ in range(2):
        with tf.GradientTape() as tape:
            y = v * 3.0
        grads.append(tape.gradient(y, v))
        v.assign_add(2.0)
    assert isinstance(v, tf.Variable)
    assert v.numpy() == pytest.approx(9.0)
    for g in grads:
        close(g, 3.0)


def test_numpy_computation_inside_the_tape_disconnects_the_gradient():
    v = tf.Variable([[1.0, 2.0], [3.0, 5.0]], dtype=tf.float32)
    with tf.GradientTape() as tape:
        sq = v**2
        col_means = np.mean(sq, axis=0)  # leaves TF: a plain numpy array
        assert isinstance(col_means, np.ndarray)
        assert not isinstance(col_means, tf.Tensor)
        y = tf.reduce_mean(col_means, axis=0)  # converted back as a constant
    close(y, (5.0 + 14.5) / 2.0)
    assert tape.gradient(y, v) is None


def test_integer_tensor_gets_no_gradient_and_watch_warns():
    n = tf.constant(6)
    assert n.dtype == tf.int32
    with diagnostics() as reported, tf.GradientTape() as tape:
        tape.watch(n)
        y = n * n
    assert y.dtype == tf.int32
    assert int(y.numpy()) == 36
    assert any(INT_WATCH_WARNING in text for text in reported), reported
    assert tape.gradient(y, n) is None


def test_integer_variable_gets_no_gradient():
    k = tf.Variable(3)
    assert k.dtype == tf.int32
    with tf.GradientTape() as tape:
        y = k * k
    assert tape.gradient(y, k) is None


def test_gradient_through_a_cast_to_integer_is_none():
    v = tf.Variable(2.5)
    with tf.GradientTape() as tape:
        y = tf.cast(tf.cast(v, tf.int32), tf.float32) * 4.0
    assert tape.gradient(y, v) is None


def test_mixing_int_and_float_tensors_is_an_error_not_a_cast():
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.constant(3) * tf.constant(2.0)


def test_state_in_a_variable_stops_the_gradient():
    source = tf.Variable(2.0)
    acc = tf.Variable(1.0)
    with tf.GradientTape() as tape:
        acc.assign_add(source)  # acc = 3, but the tape cannot see through the assignment
        y = acc**2
    d_source, d_acc = tape.gradient(y, [source, acc])
    assert d_source is None
    close(d_acc, 6.0)


def test_assign_inside_the_tape_also_stops_the_gradient():
    source = tf.Variable(2.0)
    held = tf.Variable(0.0)
    with tf.GradientTape() as tape:
        held.assign(source * 3.0)
        y = held * held
    d_source, d_held = tape.gradient(y, [source, held])
    assert d_source is None
    close(d_held, 12.0)


def test_value_computed_before_the_tape_is_not_connected():
    v = tf.Variable(2.0)
    early = v * 10.0
    with tf.GradientTape() as tape:
        y = early + 1.0
    assert tape.gradient(y, v) is None


# ---------------------------------------------------------------------------------------------
# 8. No gradient registered
# ---------------------------------------------------------------------------------------------


def test_adjust_contrast_forward_value():
    # shape (height=2, width=1, channels=2); per-channel mean over height and width
    img = tf.constant([[[1.0, 2.0]], [[3.0, 6.0]]])
    out = tf.image.adjust_contrast(img, 2.0)
    close(out, [[[0.0, 0.0]], [[4.0, 8.0]]])


def test_op_without_registered_gradient_raises_lookup_error():
    img = tf.Variable([[[0.2, 0.4, 0.6]]])
    factor = tf.Variable(0.5)
    with tf.GradientTape() as tape:
        out = tf.image.adjust_contrast(img, factor)
    with pytest.raises(LookupError) as info:
        tape.gradient(out, [img, factor])
    assert f"{type(info.value).__name__}: {info.value}" == (
        "LookupError: gradient registry has no entry for: AdjustContrastv2"
    )


def test_op_without_gradient_off_the_path_does_not_raise():
    img = tf.Variable([[[0.2, 0.4, 0.6]]])
    u = tf.Variable(2.0)
    with tf.GradientTape(persistent=True) as tape:
        out = tf.image.adjust_contrast(img, 0.5)
        y = u * u
    close(tape.gradient(y, u), 4.0)
    with pytest.raises(LookupError):
        tape.gradient(out, img)


# ---------------------------------------------------------------------------------------------
# 9. Zeros instead of None
# ---------------------------------------------------------------------------------------------


def test_unconnected_gradients_zero_gives_zeros_shaped_like_the_source():
    vec = tf.Variable([1.0, 1.0, 1.0])
    s = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        z = s**2
    g = tape.gradient(z, vec, unconnected_gradients=tf.UnconnectedGradients.ZERO)
    assert g.shape == (3,)
    assert g.dtype == tf.float32
    close(g, [0.0, 0.0, 0.0])


def test_unconnected_gradients_zero_leaves_connected_sources_alone():
    vec = tf.Variable([1.0, 1.0])
    s = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        z = s**2
    g_vec, g_s = tape.gradient(z, [vec, s], unconnected_gradients=tf.UnconnectedGradients.ZERO)
    close(g_vec, [0.0, 0.0])
    close(g_s, 4.0)


def test_unconnected_gradients_enum_values():
    assert tf.UnconnectedGradients.NONE.value == "none"
    assert tf.UnconnectedGradients.ZERO.value == "zero"
    assert tf.UnconnectedGradients("zero") is tf.UnconnectedGradients.ZERO


# ---------------------------------------------------------------------------------------------
