"""GradientTape behaves as TensorFlow documents it, point by point."""

from __future__ import annotations

import numpy as np
import pytest

import tapeviz.engine as E


def val(t: E.Tensor) -> np.ndarray:
    return np.asarray(t)


def test_square_at_three_is_six() -> None:
    x = E.Variable(3.0)
    with E.GradientTape() as tape:
        y = x**2
    assert float(tape.gradient(y, x)) == 6.0


def test_second_derivative_of_cube_at_two_is_twelve() -> None:
    x = E.Variable(2.0)
    with E.GradientTape() as outer:
        with E.GradientTape() as inner:
            y = x**3
        dy = inner.gradient(y, x)
    assert float(dy) == 12.0
    assert float(outer.gradient(dy, x)) == 12.0


def test_x_times_x_at_five_first_and_second_derivative() -> None:
    x = E.constant(5.0)
    with E.GradientTape() as t2:
        t2.watch(x)
        with E.GradientTape() as t1:
            t1.watch(x)
            y = x * x
        dy_dx = t1.gradient(y, x)
    assert float(dy_dx) == 10.0
    assert float(t2.gradient(dy_dx, x)) == 2.0


def test_reused_value_accumulates_its_gradient() -> None:
    x = E.Variable(2.0)
    with E.GradientTape() as tape:
        a = x * 3.0
        b = x * x
        y = a + b + x  # dy/dx = 3 + 2x + 1 = 8
    assert float(tape.gradient(y, x)) == 8.0


def test_constants_are_not_watched_unless_asked() -> None:
    c = E.constant(3.0)
    with E.GradientTape() as tape:
        y = c * c
    assert tape.gradient(y, c) is None


def test_watch_makes_a_constant_differentiable() -> None:
    c = E.constant(3.0)
    with E.GradientTape() as tape:
        tape.watch(c)
        y = c * c
    assert float(tape.gradient(y, c)) == 6.0


def test_non_trainable_variable_is_not_watched_automatically() -> None:
    v = E.Variable(2.0, trainable=False)
    with E.GradientTape() as tape:
        y = v * v
    assert tape.gradient(y, v) is None


def test_watch_accessed_variables_false_watches_only_what_is_asked() -> None:
    a, b = E.Variable(2.0), E.Variable(3.0)
    with E.GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(a)
        y = a * b
    ga, gb = tape.gradient(y, [a, b])
    assert float(ga) == 3.0 and gb is None
    assert tape.watched_variables() == (a,)


def test_watched_variables_in_creation_order() -> None:
    # TF lists watched variables in the order they were created, not the order they were read.
    a, b = E.Variable(1.0), E.Variable(2.0)
    with E.GradientTape() as tape:
        _ = b * 2.0
        _ = a + b
    assert tape.watched_variables() == (a, b)


def test_watching_an_integer_tensor_warns_and_gives_none() -> None:
    i = E.constant(3)
    with pytest.warns(UserWarning, match="must be floating"):
        with E.GradientTape() as tape:
            tape.watch(i)
            y = E.cast(i, "float32") * 2.0
    with pytest.warns(UserWarning, match="must be floating"):
        assert tape.gradient(y, i) is None


def test_jacobian_warns_at_the_callers_line() -> None:
    # The dtype warnings of jacobian() name the learner's line, not a line inside the engine.
    i = E.constant([1, 2])
    with pytest.warns(UserWarning, match="watched tensor must be floating"), E.GradientTape() as tape:
        tape.watch(i)
        y = E.cast(i, "float32") * 2.0
    with pytest.warns(UserWarning, match="source tensor must be floating") as caught:
        tape.jacobian(y, i)
    assert {w.filename for w in caught} == {__file__}


def test_non_persistent_tape_answers_once() -> None:
    x = E.Variable(1.0)
    with E.GradientTape() as tape:
        y = x * x
    tape.gradient(y, x)
    with pytest.raises(RuntimeError, match="non-persistent GradientTape can only be used to compute one set"):
        tape.gradient(y, x)


def test_persistent_tape_answers_many_times() -> None:
    x = E.constant(3.0)
    with E.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
        z = y * y
    assert float(tape.gradient(z, x)) == 108.0
    assert float(tape.gradient(y, x)) == 6.0


def test_target_none_is_a_type_error() -> None:
    x = E.Variable(1.0)
    with E.GradientTape() as tape:
        _ = x * 2
    with pytest.raises(TypeError, match="received None"):
        tape.gradient(None, x)


def test_integer_target_gives_none_with_a_warning() -> None:
    # TF returns None for an integer path (the guide's `x = tf.constant(10)` example).
    x = E.Variable(1.0)
    with E.GradientTape() as tape:
        y = E.cast(x, "int32")
    with pytest.warns(UserWarning, match="target tensor must be floating.*int32"):
        assert tape.gradient(y, x) is None


def test_unconnected_source_gives_none_or_zero() -> None:
    x, y = E.Variable(1.0), E.Variable([1.0, 2.0])
    with E.GradientTape(persistent=True) as tape:
        z = x * 2
    assert tape.gradient(z, y) is None
    zero = tape.gradient(z, y, unconnected_gradients=E.UnconnectedGradients.ZERO)
    np.testing.assert_array_equal(val(zero), [0.0, 0.0])
    zero = tape.gradient(z, y, unconnected_gradients="zero")
    assert zero.shape == (2,)


def test_nonscalar_target_means_gradient_of_its_sum() -> None:
    x = E.Variable([1.0, 2.0, 3.0])
    with E.GradientTape() as tape:
        y = x * x
    np.testing.assert_array_equal(val(tape.gradient(y, x)), [2.0, 4.0, 6.0])


def test_list_of_targets_means_gradient_of_their_sum() -> None:
    x = E.Variable(2.0)
    with E.GradientTape() as tape:
        a, b = x * 3.0, x * x
    assert float(tape.gradient([a, b], x)) == 7.0


def test_sources_keep_their_nested_structure() -> None:
    a, b, c = E.Variable(1.0), E.Variable(2.0), E.Variable(3.0)
    with E.GradientTape() as tape:
        y = a * b * c
    grads = tape.gradient(y, {"first": a, "rest": (b, [c])})
    assert set(grads) == {"first", "rest"}
    assert isinstance(grads["rest"], tuple) and isinstance(grads["rest"][1], list)
    assert float(grads["first"]) == 6.0 and float(grads["rest"][0]) == 3.0 and float(grads["rest"][1][0]) == 2.0


def test_output_gradients_weight_the_target() -> None:
    x = E.Variable([1.0, 2.0])
    with E.GradientTape() as tape:
        y = x * x
    g = tape.gradient(y, x, output_gradients=E.constant([10.0, 100.0]))
    np.testing.assert_array_equal(val(g), [20.0, 400.0])


def test_stop_recording_hides_ops_from_the_tape() -> None:
    x = E.Variable(3.0)
    with E.GradientTape(persistent=True) as tape:
        with tape.stop_recording():
            y = x * x
        z = y + x
    assert tape.gradient(y, x) is None
    assert float(tape.gradient(z, x)) == 1.0


def test_reset_forgets_what_was_recorded() -> None:
    x = E.Variable(2.0)
    with E.GradientTape() as tape:
        y = x * x
        tape.reset()
        z = x * 5.0
    assert float(tape.gradient(z, x)) == 5.0
    del y


def test_jacobian_has_target_shape_plus_source_shape() -> None:
    x = E.Variable([1.0, 2.0, 3.0])
    with E.GradientTape() as tape:
        y = x * x
    j = tape.jacobian(y, x)
    assert j.shape == (3, 3)
    np.testing.assert_array_equal(val(j), np.diag([2.0, 4.0, 6.0]))


def test_jacobian_of_matmul_against_finite_differences() -> None:
    w = E.Variable(np.arange(6, dtype=np.float64).reshape(2, 3))
    x = E.constant(np.array([[1.0, -1.0]]))
    with E.GradientTape() as tape:
        y = E.tanh(E.matmul(x, w) / 10.0)
    j = val(tape.jacobian(y, w))
    assert j.shape == (1, 3, 2, 3)
    eps = 1e-6
    for idx in np.ndindex(2, 3):
        wp, wm = np.asarray(w).copy(), np.asarray(w).copy()
        wp[idx] += eps
        wm[idx] -= eps
        num = (np.tanh(np.asarray(x) @ wp / 10) - np.tanh(np.asarray(x) @ wm / 10)) / (2 * eps)
        np.testing.assert_allclose(j[(slice(None), slice(None)) + idx], num, rtol=1e-6)


def test_batch_jacobian_per_example() -> None:
    x = E.constant(np.array([[1.0, 2.0], [3.0, 4.0]]))
    with E.GradientTape() as tape:
        tape.watch(x)
        y = x * x * 0.5
    bj = val(tape.batch_jacobian(y, x))
    assert bj.shape == (2, 2, 2)
    np.testing.assert_array_equal(bj[1], np.diag([3.0, 4.0]))


def test_gradient_inside_the_with_block_works() -> None:
    x = E.Variable(4.0)
    with E.GradientTape() as tape:
        y = x * x
        g = tape.gradient(y, x)
    assert float(g) == 8.0


def test_variable_assign_replaces_the_array() -> None:
    v = E.Variable([1.0, 2.0])
    old = np.asarray(v)
    v.assign_sub([0.5, 0.5])
    np.testing.assert_array_equal(old, [1.0, 2.0])  # the old array is untouched
    np.testing.assert_array_equal(np.asarray(v), [0.5, 1.5])
    assert not np.asarray(v).flags.writeable
    v.assign_add(E.constant([1.0, 1.0]))
    v.assign([9.0, 9.0])
    np.testing.assert_array_equal(v.read_value().numpy(), [9.0, 9.0])
    with pytest.raises(E.ShapeError, match="shape"):
        v.assign([1.0, 2.0, 3.0])


def test_name_scope_tags_recorded_ops() -> None:
    from tapeviz.trace import record

    x = E.Variable(1.0)
    with record() as trace:
        with E.GradientTape() as tape:
            with E.name_scope("outer"):
                with E.name_scope("inner"):
                    y = x * 2.0
        tape.gradient(y, x)
    assert trace.events[0].scope == "outer/inner"


def test_python_if_on_a_scalar_tensor_and_float_conversion() -> None:
    x = E.constant(2.0)
    assert bool(x > 1.0)
    assert float(x) == 2.0
    with pytest.raises(ValueError, match="ambiguous"):
        bool(E.constant([1.0, 2.0]))


def test_scalar_variable_keeps_an_array_after_assign_add() -> None:
    from tapeviz.trace import record

    v = E.Variable(1.0)
    with record() as trace:
        v.assign_add(2.0)
        v.assign_sub(E.constant(0.5))
    # events (and saved traces) carry real 0-d arrays, not numpy scalars
    assert all(type(e.after) is np.ndarray and e.after.shape == () for e in trace.events)
    assert float(v) == 2.5 and not trace.events[-1].after.flags.writeable
