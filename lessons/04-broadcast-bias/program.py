"""Lesson 4: a bias broadcast over a batch, and why its gradient is a sum over the batch."""

import tapeviz.tf as tf

x = tf.constant([[1.0, 2.0, 0.0],
                 [0.0, 1.0, 1.0],
                 [2.0, 0.0, 1.0],
                 [1.0, 1.0, 1.0]])            # a batch of 4 examples, 3 features each
w = tf.Variable([[0.5, -1.0],
                 [0.25, 0.5],
                 [-0.5, 1.0]], name="w")      # 3 features → 2 units
b = tf.Variable([0.1, -0.2], name="b")        # one bias per unit

with tf.GradientTape() as tape:
    z = x @ w + b                             # (4, 2) + (2,): b is broadcast to every row

# Pretend the rest of the network sent back this gradient for z (one row per example).
upstream = tf.constant([[1.0, 0.5],
                        [-0.5, 1.0],
                        [0.5, 1.5],
                        [2.5, -1.0]])
grad_w, grad_b = tape.gradient(z, [w, b], output_gradients=upstream)
