"""Lesson 3: a value used more than once: y = x·x + x at x = 3."""

import tapeviz.tf as tf

x = tf.Variable(3.0, name="x")
with tf.GradientTape() as tape:
    y = x * x + x
dy_dx = tape.gradient(y, x)
print("dy/dx =", dy_dx.numpy())
