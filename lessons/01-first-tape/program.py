"""Lesson 1: the article's first example, y = x² at x = 3."""

import tapeviz.tf as tf

x = tf.Variable(3.0, name="x")
with tf.GradientTape() as tape:
    y = x**2
grad = tape.gradient(y, x)
print("Gradient of y with respect to x:", grad.numpy())
