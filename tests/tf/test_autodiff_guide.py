"""`import tapeviz.tf as tf` behaves like TensorFlow 2.x on every point of TF's autodiff guide.

The guide is tensorflow/docs `site/en/guide/autodiff.ipynb` ("Introduction to gradients and
automatic differentiation"). Each test below is a new, small program that exercises one
behaviour the guide demonstrates; expected values are worked out by hand (or with numpy) and
were checked against TensorFlow 2.21 itself (the same file run with `tapeviz.tf` replaced by
`tensorflow`). Error and warning texts are TF's where a learner would compare them; where
tapeviz adds a hint after TF's sentence (the used-up non-persistent tape), the test checks
that TF's sentence comes first. Behaviour beyond the guide's cells is in test_tf_namespace.py.

Sections:
  1. gradient tapes: scalars, matrices, nested/list/dict sources
  2. gradients with respect to a model (tf.Module)
  3. controlling what the tape watches
  4. intermediate results and persistent tapes
  5. non-scalar targets
  6. control flow
  7. the ways a gradient becomes None
  8. ops with no gradient registered
  9. zeros instead of None
 10. what tensors and variables look like (type names, print, repr, dtypes, numpy interop)
 11. tf.function
 12. GradientTape API beyond the guide (errors, stop_recording, reset, jacobians, ...)
 13. Keras (Dense layer) -- kept apart: needs tapeviz's keras layer
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import logging
import sys
import warnings
from collections.abc import Iterator

import numpy as np
import pytest

import tapeviz.tf as tf  # noqa: PLR0402  (the guide's own spelling)

# TF's sentence; tapeviz adds a hint after it (how to make the tape persistent).
NON_PERSISTENT_MSG = (
    "A non-persistent GradientTape can only be used to compute one set of gradients (or jacobians)"
)
INT_WATCH_WARNING = (
    "The dtype of the watched tensor must be floating (e.g. tf.float32), got tf.int32"
)


def _np(t) -> np.ndarray:
    """The value of a tensor as a numpy array (fails loudly on None)."""
    assert t is not None, "expected a gradient tensor, got None"
    return np.asarray(t.numpy())


def _close(t, expected, rtol: float = 1e-6, atol: float = 1e-7) -> None:
    np.testing.assert_allclose(_np(t), np.asarray(expected, dtype=np.float64), rtol=rtol, atol=atol)


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(f"{record.levelname}:{record.name}:{record.getMessage()}")


@contextlib.contextmanager
def _diagnostics() -> Iterator[list[str]]:
    """Collect whatever a call reports: log records, Python warnings and stderr text.

    TensorFlow reports through the `tensorflow` logger at WARNING level; tapeviz may use a
    logger or `warnings.warn`. The test only cares that the text reaches the learner.
    """
    out: list[str] = []
    handler = _Collect()
    loggers = [logging.getLogger(), logging.getLogger("tensorflow"), logging.getLogger("tapeviz")]
    old_levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.addHandler(handler)
        lg.setLevel(logging.DEBUG)
    err = io.StringIO()
    old_stderr = sys.stderr
    sys.stderr = err
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield out
    finally:
        sys.stderr = old_stderr
        for lg, lvl in zip(loggers, old_levels):
            lg.removeHandler(handler)
            lg.setLevel(lvl)
        out.extend(handler.messages)
        out.extend(str(w.message) for w in caught)
        out.append(err.getvalue())


# ---------------------------------------------------------------------------------------------
# 1. Gradient tapes
# ---------------------------------------------------------------------------------------------


def test_gradient_of_square_of_scalar_variable():
    v = tf.Variable(4.0)
    with tf.GradientTape() as tape:
        y = v**2
    g = tape.gradient(y, v)
    assert isinstance(g, tf.Tensor)
    assert not isinstance(g, tf.Variable)
    assert g.numpy() == pytest.approx(8.0)
    assert g.dtype == tf.float32


def test_gradient_of_matmul_with_python_nested_list_input_and_bias():
    w = tf.Variable([[1.0, -2.0], [0.5, 0.0], [2.0, 1.0]], name="w")
    b = tf.Variable(tf.zeros(2, dtype=tf.float32), name="b")
    x = [[2.0, -1.0, 0.5]]  # a plain Python list on the left of @
    with tf.GradientTape(persistent=True) as tape:
        y = x @ w + b
        loss = tf.reduce_mean(y**2)
    dw, db = tape.gradient(loss, [w, b])

    xn = np.array(x)
    yn = xn @ np.array([[1.0, -2.0], [0.5, 0.0], [2.0, 1.0]])  # [[2.5, -3.5]]
    dy = 2.0 * yn / yn.size  # d mean(y^2) / dy
    _close(y, yn)
    _close(loss, np.mean(yn**2))
    _close(dw, xn.T @ dy)
    _close(db, dy.sum(axis=0))


def test_gradient_has_the_shape_of_its_source():
    w = tf.Variable(np.ones((3, 2), dtype=np.float32))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum([[1.0, 2.0, 3.0]] @ w)
    dw = tape.gradient(loss, w)
    assert dw.shape == w.shape
    assert dw.shape == (3, 2)
    assert str(dw.shape) == "(3, 2)"
    _close(dw, [[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])


def test_sources_given_as_a_dict_give_a_dict_of_gradients():
    w = tf.Variable([[1.0], [2.0]])
    b = tf.Variable([0.5])
    with tf.GradientTape() as tape:
        y = tf.reduce_sum([[3.0, -1.0]] @ w + b)  # 3*1 - 2 + 0.5
    grads = tape.gradient(y, {"weights": w, "offset": b})
    assert isinstance(grads, dict)
    assert set(grads) == {"weights", "offset"}
    _close(grads["weights"], [[3.0], [-1.0]])
    _close(grads["offset"], [1.0])


def test_sources_given_as_nested_lists_tuples_and_dicts_keep_their_structure():
    p = tf.Variable(1.0)
    q = tf.Variable(2.0)
    r = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        y = p * q * r
    grads = tape.gradient(y, {"first": [p, (q,)], "rest": {"last": r}})
    assert isinstance(grads["first"], list)
    assert isinstance(grads["first"][1], tuple)
    _close(grads["first"][0], 6.0)
    _close(grads["first"][1][0], 3.0)
    _close(grads["rest"]["last"], 2.0)


def test_sources_given_as_a_tuple_give_a_tuple():
    p = tf.Variable(1.5)
    q = tf.Variable(-2.0)
    with tf.GradientTape() as tape:
        y = p * q
    grads = tape.gradient(y, (p, q))
    assert isinstance(grads, tuple)
    _close(grads[0], -2.0)
    _close(grads[1], 1.5)


def test_the_same_source_listed_twice_gets_its_gradient_twice():
    p = tf.Variable(1.0)
    with tf.GradientTape() as tape:
        y = p * 5.0
    g1, g2 = tape.gradient(y, [p, p])
    _close(g1, 5.0)
    _close(g2, 5.0)


# ---------------------------------------------------------------------------------------------
# 2. Gradients with respect to a model (tf.Module)
# ---------------------------------------------------------------------------------------------


class _Affine(tf.Module):
    def __init__(self, name=None):
        super().__init__(name=name)
        self.weight = tf.Variable([[2.0], [-1.0]], name="weight")
        self.bias = tf.Variable([0.25], name="bias")
        self.scale = tf.Variable(10.0, trainable=False, name="scale")

    def __call__(self, x):
        return x @ self.weight + self.bias


def test_module_trainable_variables_are_a_tuple_sorted_by_attribute_name():
    m = _Affine()
    tv = m.trainable_variables
    assert isinstance(tv, tuple)
    assert [v.name for v in tv] == ["bias:0", "weight:0"]  # sorted by attribute; scale excluded
    assert [v.name for v in m.variables] == ["bias:0", "scale:0", "weight:0"]


def test_module_own_variables_come_before_submodule_variables():
    class Outer(tf.Module):
        def __init__(self):
            super().__init__()
            self.z_gain = tf.Variable(1.0, name="z_gain")
            self.inner = _Affine()
            self.a_gain = tf.Variable(1.0, name="a_gain")

    names = [v.name for v in Outer().trainable_variables]
    assert names == ["a_gain:0", "z_gain:0", "bias:0", "weight:0"]


def test_module_name_defaults_to_snake_case_class_name():
    class TinyNet(tf.Module):
        pass

    assert TinyNet().name == "tiny_net"
    assert _Affine(name="head").name == "head"


def test_gradients_with_respect_to_module_trainable_variables():
    m = _Affine()
    x = tf.constant([[1.0, 3.0]])
    with tf.GradientTape() as tape:
        y = m(x)  # 2 - 3 + 0.25 = -0.75
        loss = tf.reduce_sum(y**2)
    grads = tape.gradient(loss, m.trainable_variables)
    assert isinstance(grads, tuple) and len(grads) == 2
    g_bias, g_weight = grads
    _close(y, [[-0.75]])
    _close(g_bias, [2 * -0.75])
    _close(g_weight, [[2 * -0.75 * 1.0], [2 * -0.75 * 3.0]])
    for var, g in zip(m.trainable_variables, grads):
        assert g.shape == var.shape


# ---------------------------------------------------------------------------------------------
# 3. Controlling what the tape watches
# ---------------------------------------------------------------------------------------------


def test_only_trainable_variables_are_watched_by_default(capsys):
    trained = tf.Variable(2.0, name="trained")
    frozen = tf.Variable(2.0, name="frozen", trainable=False)
    derived = tf.Variable(1.0, name="derived") + 1.0  # a Tensor, not a Variable
    const = tf.constant(2.0, name="const")
    with tf.GradientTape() as tape:
        y = trained**3 + frozen**3 + derived**3 + const
    grads = tape.gradient(y, [trained, frozen, derived, const])
    for g in grads:
        print(g)
    assert capsys.readouterr().out == (
        "tf.Tensor(12.0, shape=(), dtype=float32)\nNone\nNone\nNone\n"
    )


def test_watched_variables_names_only_trainable_variables_that_were_read():
    trained = tf.Variable(1.0, name="alpha")
    frozen = tf.Variable(1.0, name="beta", trainable=False)
    unused = tf.Variable(1.0, name="gamma")
    with tf.GradientTape() as tape:
        y = trained * frozen
    assert [v.name for v in tape.watched_variables()] == ["alpha:0"]
    assert unused.name == "gamma:0"
    del y


def test_watched_variables_are_in_creation_order_not_access_order():
    first = tf.Variable(1.0, name="first")
    second = tf.Variable(1.0, name="second")
    with tf.GradientTape() as tape:
        y = second * 2.0 + first
    assert [v.name for v in tape.watched_variables()] == ["first:0", "second:0"]
    del y


def test_watch_makes_a_constant_tensor_differentiable():
    c = tf.constant(5.0)
    with tf.GradientTape() as tape:
        tape.watch(c)
        y = c**2
    _close(tape.gradient(y, c), 10.0)


def test_constant_tensor_is_not_watched_without_watch():
    c = tf.constant(5.0)
    with tf.GradientTape() as tape:
        y = c**2
    assert tape.gradient(y, c) is None


def test_watch_accessed_variables_false_connects_only_explicitly_watched(capsys):
    a = tf.Variable(0.5)
    b = tf.Variable(2.0)
    with tf.GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(b)
        ya = tf.math.sin(a)
        yb = tf.nn.softplus(b)
        total = tf.reduce_sum(ya + yb)
    grads = tape.gradient(total, {"a": a, "b": b})
    assert grads["a"] is None
    _close(grads["b"], 1.0 / (1.0 + np.exp(-2.0)))  # softplus' = sigmoid
    print("d/da:", grads["a"])
    assert capsys.readouterr().out == "d/da: None\n"


def test_watch_accessed_variables_false_watched_variables_lists_only_watched():
    a = tf.Variable(1.0, name="a")
    b = tf.Variable(1.0, name="b")
    with tf.GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(b)
        y = a * b
    assert [v.name for v in tape.watched_variables()] == ["b:0"]
    del y


def test_explicit_watch_of_non_trainable_variable_gives_a_gradient():
    frozen = tf.Variable(4.0, trainable=False)
    with tf.GradientTape() as tape:
        tape.watch(frozen)
        y = frozen * frozen
    _close(tape.gradient(y, frozen), 8.0)


# ---------------------------------------------------------------------------------------------
# 4. Intermediate results and persistent tapes
# ---------------------------------------------------------------------------------------------


def test_gradient_with_respect_to_an_intermediate_value():
    x = tf.constant(2.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        u = x * x  # 4
        z = u * u * u  # u^3
    _close(tape.gradient(z, u), 3 * 4.0**2)  # dz/du = 3u^2 = 48


def test_persistent_tape_allows_several_gradient_calls():
    x = tf.constant([2, 0.5])  # mixed int/float list -> float32
    assert x.dtype == tf.float32
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        u = x * x
        z = u * u
    _close(tape.gradient(z, x), [4 * 2.0**3, 4 * 0.5**3])
    _close(tape.gradient(u, x), [4.0, 1.0])
    _close(tape.gradient(z, u), [8.0, 0.5])
    del tape


def test_non_persistent_tape_second_gradient_call_raises_runtime_error():
    v = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        y = v * v
    _close(tape.gradient(y, v), 6.0)
    with pytest.raises(RuntimeError) as info:
        tape.gradient(y, v)
    assert str(info.value).startswith(NON_PERSISTENT_MSG)


# ---------------------------------------------------------------------------------------------
# 5. Non-scalar targets
# ---------------------------------------------------------------------------------------------


def test_two_targets_separately_on_a_persistent_tape():
    v = tf.Variable(4.0)
    with tf.GradientTape(persistent=True) as tape:
        square = v**2
        inverse = 1 / v
    _close(tape.gradient(square, v), 8.0)
    _close(tape.gradient(inverse, v), -1.0 / 16.0)


def test_dict_of_targets_gives_gradient_of_their_sum():
    v = tf.Variable(4.0)
    with tf.GradientTape() as tape:
        square = v**2
        inverse = 1 / v
    _close(tape.gradient({"sq": square, "inv": inverse}, v), 8.0 - 1.0 / 16.0)


def test_nested_list_of_targets_gives_gradient_of_their_sum():
    v = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        a = v * 3.0
        b = v**3
        c = tf.math.cos(v)
    _close(tape.gradient([a, [b, c]], v), 3.0 + 12.0 - np.sin(2.0), rtol=1e-5)


def test_vector_target_gives_gradient_of_its_sum():
    v = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        y = v * [5.0, -2.0, 0.5]  # a Python list on the right of *
    _close(y, [15.0, -6.0, 1.5])
    g = tape.gradient(y, v)
    assert g.shape == ()
    _close(g, 5.0 - 2.0 + 0.5)


def test_elementwise_function_gradient_of_sum_is_elementwise_derivative():
    x = tf.linspace(-4.0, 4.0, 9)
    assert x.shape == (9,)
    assert x.dtype == tf.float32
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.nn.sigmoid(x)
    dy_dx = tape.gradient(y, x)
    xs = np.linspace(-4.0, 4.0, 9)
    s = 1.0 / (1.0 + np.exp(-xs))
    _close(y, s, rtol=1e-6)
    _close(dy_dx, s * (1.0 - s), rtol=1e-5)


# ---------------------------------------------------------------------------------------------
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
    _close(d_left, 2.0)
    assert d_right is None
    assert [v.name for v in tape.watched_variables()] == ["left:0"]


def test_python_if_on_a_tensor_takes_the_false_branch():
    tape, _flag, left, right, out = _branchy(-1.0)
    d_left, d_right = tape.gradient(out, [left, right])
    assert d_left is None
    _close(d_right, 27.0)
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
    _close(d_chosen, 1.0)
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
    _close(y, 32.0)
    _close(tape.gradient(y, x), 5 * 2.0**4)


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
        _close(g, 3.0)


def test_numpy_computation_inside_the_tape_disconnects_the_gradient():
    v = tf.Variable([[1.0, 2.0], [3.0, 5.0]], dtype=tf.float32)
    with tf.GradientTape() as tape:
        sq = v**2
        col_means = np.mean(sq, axis=0)  # leaves TF: a plain numpy array
        assert isinstance(col_means, np.ndarray)
        assert not isinstance(col_means, tf.Tensor)
        y = tf.reduce_mean(col_means, axis=0)  # converted back as a constant
    _close(y, (5.0 + 14.5) / 2.0)
    assert tape.gradient(y, v) is None


def test_integer_tensor_gets_no_gradient_and_watch_warns():
    n = tf.constant(6)
    assert n.dtype == tf.int32
    with _diagnostics() as reported, tf.GradientTape() as tape:
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
    _close(d_acc, 6.0)


def test_assign_inside_the_tape_also_stops_the_gradient():
    source = tf.Variable(2.0)
    held = tf.Variable(0.0)
    with tf.GradientTape() as tape:
        held.assign(source * 3.0)
        y = held * held
    d_source, d_held = tape.gradient(y, [source, held])
    assert d_source is None
    _close(d_held, 12.0)


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
    _close(out, [[[0.0, 0.0]], [[4.0, 8.0]]])


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
    _close(tape.gradient(y, u), 4.0)
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
    _close(g, [0.0, 0.0, 0.0])


def test_unconnected_gradients_zero_leaves_connected_sources_alone():
    vec = tf.Variable([1.0, 1.0])
    s = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        z = s**2
    g_vec, g_s = tape.gradient(z, [vec, s], unconnected_gradients=tf.UnconnectedGradients.ZERO)
    _close(g_vec, [0.0, 0.0])
    _close(g_s, 4.0)


def test_unconnected_gradients_enum_values():
    assert tf.UnconnectedGradients.NONE.value == "none"
    assert tf.UnconnectedGradients.ZERO.value == "zero"
    assert tf.UnconnectedGradients("zero") is tf.UnconnectedGradients.ZERO


# ---------------------------------------------------------------------------------------------
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
    _close(y, [[4.0, 5.0]])
    z = tf.Variable(2.0) * [3.0, 4.0]
    _close(z, [6.0, 8.0])
    _close(1 / tf.Variable(4.0), 0.25)


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
    _close(y, 12.0)
    _close(tape.gradient(y, v), 3 * 4.0 + 2.0)


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
    _close(g, 4.0)


# ---------------------------------------------------------------------------------------------
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
    _close(tape.gradient(y, v), 2.0)


def test_target_that_is_the_source_itself_has_gradient_one():
    v = tf.Variable([1.0, 2.0])
    other = tf.Variable(1.0)
    with tf.GradientTape(persistent=True) as tape:
        pass
    _close(tape.gradient(v, v), [1.0, 1.0])
    assert tape.gradient(v, other) is None
    c = tf.constant(3.0)
    _close(tape.gradient(c, c), 1.0)


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
    _close(g, 6.0)
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
    _close(tape.gradient(y, v, unconnected_gradients="zero"), [0.0, 0.0])


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
    _close(g, [2.0 * 10.0, 4.0 * 100.0])


def test_output_gradients_one_per_target():
    v = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        y1 = v * v
        y2 = v * 3.0
    g = tape.gradient(
        [y1, y2], v, output_gradients=[tf.constant([1.0, 1.0]), tf.constant([2.0, 0.0])]
    )
    _close(g, [2.0 + 6.0, 4.0 + 0.0])


def test_stop_recording_hides_operations_from_the_tape():
    v = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        with tape.stop_recording():
            hidden = v * v
        seen = hidden + v
    _close(tape.gradient(seen, v), 1.0)


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
    _close(tape.gradient(after, v), 1.0)  # the path through `before` was forgotten


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
    _close(tape.gradient(z, v), 27.0)


def test_nested_tapes_give_second_derivatives():
    v = tf.Variable(3.0)
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            y = v**3
        dy = inner.gradient(y, v)
    _close(dy, 27.0)
    _close(outer.gradient(dy, v), 18.0)


def test_jacobian_of_elementwise_square_is_diagonal():
    x = tf.constant([1.0, 2.0, 3.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    j = tape.jacobian(y, x)
    assert j.shape == (3, 3)
    _close(j, np.diag([2.0, 4.0, 6.0]))


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
    _close(jm, expected)
    assert jspare.shape == (3,)
    _close(jspare, [0.0, 0.0, 0.0])


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
    _close(bj, [np.diag([2.0, 4.0]), np.diag([6.0, 8.0]), np.diag([10.0, 12.0])])


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
    _close(y, [[0.0, 2.5]])
    _close(loss, 3.125)
    g_kernel, g_bias = grads
    _close(g_kernel, [[0.0, 2.5], [0.0, 5.0], [0.0, 7.5]])  # x^T @ [0, 2.5]
    _close(g_bias, [0.0, 2.5])
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
