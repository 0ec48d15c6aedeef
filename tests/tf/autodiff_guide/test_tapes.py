"""TF's autodiff guide under `import tapeviz.tf as tf`, sections 1-5: gradient tapes, models,
what the tape watches, persistent tapes, non-scalar targets.

How these tests were made (and checked against TensorFlow 2.21) is in this folder's __init__.py.
"""



import numpy as np
import pytest

import tapeviz.tf as tf  # noqa: PLR0402  (the guide's own spelling)

from .helpers import NON_PERSISTENT_MSG, close

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
    close(y, yn)
    close(loss, np.mean(yn**2))
    close(dw, xn.T @ dy)
    close(db, dy.sum(axis=0))


def test_gradient_has_the_shape_of_its_source():
    w = tf.Variable(np.ones((3, 2), dtype=np.float32))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum([[1.0, 2.0, 3.0]] @ w)
    dw = tape.gradient(loss, w)
    assert dw.shape == w.shape
    assert dw.shape == (3, 2)
    assert str(dw.shape) == "(3, 2)"
    close(dw, [[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])


def test_sources_given_as_a_dict_give_a_dict_of_gradients():
    w = tf.Variable([[1.0], [2.0]])
    b = tf.Variable([0.5])
    with tf.GradientTape() as tape:
        y = tf.reduce_sum([[3.0, -1.0]] @ w + b)  # 3*1 - 2 + 0.5
    grads = tape.gradient(y, {"weights": w, "offset": b})
    assert isinstance(grads, dict)
    assert set(grads) == {"weights", "offset"}
    close(grads["weights"], [[3.0], [-1.0]])
    close(grads["offset"], [1.0])


def test_sources_given_as_nested_lists_tuples_and_dicts_keep_their_structure():
    p = tf.Variable(1.0)
    q = tf.Variable(2.0)
    r = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        y = p * q * r
    grads = tape.gradient(y, {"first": [p, (q,)], "rest": {"last": r}})
    assert isinstance(grads["first"], list)
    assert isinstance(grads["first"][1], tuple)
    close(grads["first"][0], 6.0)
    close(grads["first"][1][0], 3.0)
    close(grads["rest"]["last"], 2.0)


def test_sources_given_as_a_tuple_give_a_tuple():
    p = tf.Variable(1.5)
    q = tf.Variable(-2.0)
    with tf.GradientTape() as tape:
        y = p * q
    grads = tape.gradient(y, (p, q))
    assert isinstance(grads, tuple)
    close(grads[0], -2.0)
    close(grads[1], 1.5)


def test_the_same_source_listed_twice_gets_its_gradient_twice():
    p = tf.Variable(1.0)
    with tf.GradientTape() as tape:
        y = p * 5.0
    g1, g2 = tape.gradient(y, [p, p])
    close(g1, 5.0)
    close(g2, 5.0)


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
    close(y, [[-0.75]])
    close(g_bias, [2 * -0.75])
    close(g_weight, [[2 * -0.75 * 1.0], [2 * -0.75 * 3.0]])
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
    close(tape.gradient(y, c), 10.0)


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
    close(grads["b"], 1.0 / (1.0 + np.exp(-2.0)))  # softplus' = sigmoid
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
    close(tape.gradient(y, frozen), 8.0)


# ---------------------------------------------------------------------------------------------
# 4. Intermediate results and persistent tapes
# ---------------------------------------------------------------------------------------------


def test_gradient_with_respect_to_an_intermediate_value():
    x = tf.constant(2.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        u = x * x  # 4
        z = u * u * u  # u^3
    close(tape.gradient(z, u), 3 * 4.0**2)  # dz/du = 3u^2 = 48


def test_persistent_tape_allows_several_gradient_calls():
    x = tf.constant([2, 0.5])  # mixed int/float list -> float32
    assert x.dtype == tf.float32
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        u = x * x
        z = u * u
    close(tape.gradient(z, x), [4 * 2.0**3, 4 * 0.5**3])
    close(tape.gradient(u, x), [4.0, 1.0])
    close(tape.gradient(z, u), [8.0, 0.5])
    del tape


def test_non_persistent_tape_second_gradient_call_raises_runtime_error():
    v = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        y = v * v
    close(tape.gradient(y, v), 6.0)
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
    close(tape.gradient(square, v), 8.0)
    close(tape.gradient(inverse, v), -1.0 / 16.0)


def test_dict_of_targets_gives_gradient_of_their_sum():
    v = tf.Variable(4.0)
    with tf.GradientTape() as tape:
        square = v**2
        inverse = 1 / v
    close(tape.gradient({"sq": square, "inv": inverse}, v), 8.0 - 1.0 / 16.0)


def test_nested_list_of_targets_gives_gradient_of_their_sum():
    v = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        a = v * 3.0
        b = v**3
        c = tf.math.cos(v)
    close(tape.gradient([a, [b, c]], v), 3.0 + 12.0 - np.sin(2.0), rtol=1e-5)


def test_vector_target_gives_gradient_of_its_sum():
    v = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        y = v * [5.0, -2.0, 0.5]  # a Python list on the right of *
    close(y, [15.0, -6.0, 1.5])
    g = tape.gradient(y, v)
    assert g.shape == ()
    close(g, 5.0 - 2.0 + 0.5)


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
    close(y, s, rtol=1e-6)
    close(dy_dx, s * (1.0 - s), rtol=1e-5)


# ---------------------------------------------------------------------------------------------
