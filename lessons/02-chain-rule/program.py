"""Lesson 2: the chain rule, one op at a time: y = (3x + 1)² at x = 2."""

import tapeviz.tf as tf

x = tf.Variable(2.0, name="x")
with tf.GradientTape() as tape:
    u = 3.0 * x
    v = u + 1.0
    y = tf.square(v)
dy_dx = tape.gradient(y, x)
print("dy/dx =", dy_dx.numpy())
