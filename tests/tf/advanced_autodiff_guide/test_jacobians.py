"""The advanced-autodiff guide, section 4: Jacobians (scalar and tensor sources), the Hessian
and a Newton step, the batch Jacobian. See this folder's __init__.py."""

from __future__ import annotations

import numpy as np
import pytest

import tapeviz.tf as tf  # noqa: PLR0402  (the guide's own spelling)

from .helpers import capture, printed, shown


def test_jacobian_with_respect_to_a_scalar_source() -> None:  # cells bAFeIE8EuVIq, iZ6awnDzr_BA
    x = tf.linspace(-10.0, 10.0, 200 + 1)
    delta = tf.Variable(0.0)

    with tf.GradientTape() as tape:
        y = tf.nn.sigmoid(x + delta)

    dy_dx = tape.jacobian(y, delta)

    with capture() as out:
        print(y.shape)
        print(dy_dx.shape)
    assert out.getvalue() == printed("iZ6awnDzr_BA")
    # The plot (siNZaklc0_-e) draws y and dy/dx: dy/dx is sigmoid's derivative, s·(1 − s).
    s = 1 / (1 + np.exp(-np.linspace(-10.0, 10.0, 201)))
    np.testing.assert_allclose(dy_dx.numpy(), s * (1 - s), rtol=1e-5, atol=1e-7)


def test_jacobian_with_respect_to_a_tensor_source() -> None:  # cells 39YXItgLxMBk .. FJjZpYRnDjVa
    x = tf.random.normal([7, 5])
    layer = tf.keras.layers.Dense(10, activation=tf.nn.relu)

    with tf.GradientTape(persistent=True) as tape:
        y = layer(x)

    assert repr(y.shape) == shown("39YXItgLxMBk")
    assert repr(layer.kernel.shape) == shown("CigTWyfPvPuv")

    j = tape.jacobian(y, layer.kernel)
    assert repr(j.shape) == shown("pRLzTTbvEimH")

    with capture() as out:
        g = tape.gradient(y, layer.kernel)
        print("g.shape:", g.shape)

        j_sum = tf.reduce_sum(j, axis=[0, 1])
        delta = tf.reduce_max(abs(g - j_sum)).numpy()
        assert delta < 1e-3
        print("delta:", delta)
    first, second = out.getvalue().splitlines()
    assert first == printed("FJjZpYRnDjVa").splitlines()[0]
    assert second.startswith("delta: ")  # a rounding error, whose digits differ from TF's


def test_hessian_and_a_newton_step() -> None:  # cells ELGTaell_j81 .. k1LYftgmswOO
    x = tf.random.normal([7, 5])
    layer1 = tf.keras.layers.Dense(8, activation=tf.nn.relu)
    layer2 = tf.keras.layers.Dense(6, activation=tf.nn.relu)

    with tf.GradientTape() as t2:
        with tf.GradientTape() as t1:
            x = layer1(x)
            x = layer2(x)
            loss = tf.reduce_mean(x**2)

        g = t1.gradient(loss, layer1.kernel)

    h = t2.jacobian(g, layer1.kernel)

    with capture() as out:
        print(f"layer.kernel.shape: {layer1.kernel.shape}")
        print(f"h.shape: {h.shape}")
    assert out.getvalue() == printed("FVqQuZj4XGjm")

    n_params = tf.reduce_prod(layer1.kernel.shape)

    g_vec = tf.reshape(g, [n_params, 1])
    h_mat = tf.reshape(h, [n_params, n_params])
    assert int(n_params) == 40 and h_mat.shape == (40, 40)
    # "The Hessian matrix should be symmetric" (the guide's imshow cell DExOxd7Ok2H0 shows it)
    np.testing.assert_allclose(h_mat.numpy(), h_mat.numpy().T, rtol=1e-4, atol=1e-6)

    eps = 1e-3
    eye_eps = tf.eye(h_mat.shape[0]) * eps

    # X(k+1) = X(k) - (∇²f(X(k)))^-1 @ ∇f(X(k))
    # h_mat = ∇²f(X(k))
    # g_vec = ∇f(X(k))
    update = tf.linalg.solve(h_mat + eye_eps, g_vec)

    # Reshape the update and apply it to the variable.
    before = layer1.kernel.numpy()
    _ = layer1.kernel.assign_sub(tf.reshape(update, layer1.kernel.shape))

    a = h_mat.numpy().astype(np.float64) + eps * np.eye(40)
    np.testing.assert_allclose(a @ update.numpy().astype(np.float64), g_vec.numpy(), rtol=1e-3, atol=1e-5)
    np.testing.assert_allclose(layer1.kernel.numpy(), before - update.numpy().reshape(5, 8), rtol=1e-6)


def _elu_model() -> tuple:
    x = tf.random.normal([7, 5])

    layer1 = tf.keras.layers.Dense(8, activation=tf.nn.elu)
    layer2 = tf.keras.layers.Dense(6, activation=tf.nn.elu)

    with tf.GradientTape(persistent=True, watch_accessed_variables=False) as tape:
        tape.watch(x)
        y = layer1(x)
        y = layer2(y)
    return x, y, tape


def test_batch_jacobian() -> None:  # cells tQMndhIUHMes .. -5t_q5SfHw7T
    x, y, tape = _elu_model()
    assert repr(y.shape) == shown("tQMndhIUHMes")

    j = tape.jacobian(y, x)
    assert repr(j.shape) == shown("1zSl2A5-HhMH")
    # "every (batch, batch) slice of this tensor is a diagonal matrix" (ZFl9uj3ueVSH, g4ZoRJcJNmy5 plot it)
    off_diagonal = j.numpy().transpose(1, 3, 0, 2) * (1 - np.eye(7))
    assert np.all(off_diagonal == 0)

    with capture() as out:
        j_sum = tf.reduce_sum(j, axis=2)
        print(j_sum.shape)
        j_select = tf.einsum("bxby->bxy", j)
        print(j_select.shape)
    assert out.getvalue() == printed("v65OAjEgLQwl")
    np.testing.assert_array_equal(j_select.numpy(), j_sum.numpy())  # the diagonal is all there is

    jb = tape.batch_jacobian(y, x)
    assert repr(jb.shape) == shown("YJLIl9WpHqYq")

    with capture() as out:
        error = tf.reduce_max(abs(jb - j_sum))
        assert error < 1e-3
        print(error.numpy())
    # TF printed its rounding error (0.0 for TF 2.21); ours is a number of the same size
    assert abs(float(out.getvalue())) < 1e-3 and abs(float(printed("-5t_q5SfHw7T"))) < 1e-3


def test_einsum_with_broadcast_axes_is_refused_in_one_line() -> None:  # beyond the guide
    with pytest.raises(ValueError, match=r"'\.\.\.' \(broadcast axes\) is not done in tapeviz"):
        tf.einsum("...ij->...ji", tf.ones([2, 2]))


def test_batch_jacobian_after_batch_normalization() -> None:  # cells tnDugVc-L4fj, k8_mICHoasCi
    with capture() as out:
        x = tf.random.normal([7, 5])

        layer1 = tf.keras.layers.Dense(8, activation=tf.nn.elu)
        bn = tf.keras.layers.BatchNormalization()
        layer2 = tf.keras.layers.Dense(6, activation=tf.nn.elu)

        with tf.GradientTape(persistent=True, watch_accessed_variables=False) as tape:
            tape.watch(x)
            y = layer1(x)
            y = bn(y, training=True)
            y = layer2(y)

        j = tape.jacobian(y, x)
        print(f"j.shape: {j.shape}")
    assert out.getvalue() == printed("tnDugVc-L4fj")
    # "These slices are not diagonal" (SNyZ1WhJMVLm plots them): the batch statistics tie the examples
    off_diagonal = j.numpy().transpose(1, 3, 0, 2) * (1 - np.eye(7))
    assert np.abs(off_diagonal).max() > 1e-3

    with capture() as out:
        jb = tape.batch_jacobian(y, x)
        print(f"jb.shape: {jb.shape}")
    assert out.getvalue() == printed("k8_mICHoasCi")
