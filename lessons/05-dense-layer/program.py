"""Lesson 5: the two gradients of a matrix product, z = x @ w."""

import tapeviz.tf as tf

x = tf.constant([[1.0, 0.0, 2.0, -1.0],
                 [0.5, 1.0, 0.0, 1.0],
                 [-1.0, 2.0, 1.0, 0.0]])      # batch of 3 examples, 4 features
w = tf.Variable([[0.5, -0.5],
                 [1.0, 0.0],
                 [-1.0, 0.5],
                 [0.0, 2.0]], name="w")       # 4 features → 2 units

with tf.GradientTape() as tape:
    tape.watch(x)                             # also ask for the gradient of the input
    z = x @ w                                 # (3, 4) @ (4, 2) → (3, 2)

g = tf.constant([[1.0, -1.0],
                 [2.0, 0.5],
                 [0.0, 1.0]])                 # the gradient arriving at z from above
grad_x, grad_w = tape.gradient(z, [x, w], output_gradients=g)
