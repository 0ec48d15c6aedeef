"""Lesson 15: a custom gradient that clips the gradient passing through it (TF's guide example)."""

import tapeviz.tf as tf


@tf.custom_gradient
def clip_gradients(y):
    def backward(dy):
        return tf.clip_by_norm(dy, 0.5)  # rescale dy so that its length is at most 0.5

    return y, backward  # forward: y unchanged


x = tf.constant([1.0, 2.0])
w = tf.Variable([3.0, 4.0], name="w")
with tf.GradientTape() as tape:
    y = clip_gradients(w * x)
    loss = tf.reduce_sum(y * y) / 2
grad = tape.gradient(loss, w)
