"""The advanced-autodiff guide, section 3: multiple tapes, higher-order gradients, input
gradient regularization. See this folder's __init__.py."""

from __future__ import annotations

import numpy as np

import tapeviz.tf as tf  # noqa: PLR0402  (the guide's own spelling)

from .helpers import capture, printed, shown


def test_multiple_tapes_watch_different_tensors() -> None:  # cells BJ0HdMvte0VZ, 6ApAoMNFfNz6, rF1jrAJsfYW_
    x0 = tf.constant(0.0)
    x1 = tf.constant(0.0)

    with tf.GradientTape() as tape0, tf.GradientTape() as tape1:
        tape0.watch(x0)
        tape1.watch(x1)

        y0 = tf.math.sin(x0)
        y1 = tf.nn.sigmoid(x1)

        y = y0 + y1

        ys = tf.reduce_sum(y)

    assert repr(tape0.gradient(ys, x0).numpy()) == shown("6ApAoMNFfNz6")  # cos(x) => 1.0
    assert repr(tape1.gradient(ys, x1).numpy()) == shown("rF1jrAJsfYW_")  # sigmoid(x1)*(1-sigmoid(x1)) => 0.25


def test_second_derivative_with_nested_tapes() -> None:  # cell cPQgthZ7ugRJ
    with capture() as out:
        x = tf.Variable(1.0)  # Create a Tensorflow variable initialized to 1.0

        with tf.GradientTape() as t2:
            with tf.GradientTape() as t1:
                y = x * x * x

            # Compute the gradient inside the outer `t2` context manager
            # which means the gradient computation is differentiable as well.
            dy_dx = t1.gradient(y, x)
        d2y_dx2 = t2.gradient(dy_dx, x)

        print("dy_dx:", dy_dx.numpy())  # 3 * x**2 => 3.0
        print("d2y_dx2:", d2y_dx2.numpy())  # 6 * x => 6.0
    assert out.getvalue() == printed("cPQgthZ7ugRJ")


def test_input_gradient_regularization() -> None:  # cells tH3ZFuUfDLrR, E6yOFsjEDR9u, 123QMq6PqK_d
    x = tf.random.normal([7, 5])

    layer = tf.keras.layers.Dense(10, activation=tf.nn.relu)

    with tf.GradientTape() as t2:
        # The inner tape only takes the gradient with respect to the input,
        # not the variables.
        with tf.GradientTape(watch_accessed_variables=False) as t1:
            t1.watch(x)
            y = layer(x)
            out = tf.reduce_sum(layer(x) ** 2)
        # 1. Calculate the input gradient.
        g1 = t1.gradient(out, x)
        # 2. Calculate the magnitude of the input gradient.
        g1_mag = tf.norm(g1)

    # 3. Calculate the gradient of the magnitude with respect to the model.
    dg1_mag = t2.gradient(g1_mag, layer.trainable_variables)

    assert repr([var.shape for var in dg1_mag]) == shown("123QMq6PqK_d")
    assert y.shape == (7, 10)
    # The numbers, checked without TF: g1 = 2·relu'(xW+b)·(xW+b) Wᵀ, and |g1| its Frobenius norm.
    w, b = layer.kernel.numpy().astype(np.float64), layer.bias.numpy().astype(np.float64)
    pre = x.numpy().astype(np.float64) @ w + b
    g1_np = (2 * np.maximum(pre, 0)) @ w.T
    np.testing.assert_allclose(g1.numpy(), g1_np, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(g1_mag.numpy(), np.linalg.norm(g1_np), rtol=1e-5)
