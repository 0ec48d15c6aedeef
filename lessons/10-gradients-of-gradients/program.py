"""Lesson 10: a tape inside a tape (second derivatives) and a jacobian."""

import tapeviz.tf as tf

x = tf.Variable(4.0, name="x")

# Part 1: the outer tape records what the inner tape does in its backward pass.
with tf.GradientTape() as outer:
    with tf.GradientTape() as inner:
        y = x**3
    dy_dx = inner.gradient(y, x)                 # computed while `outer` is recording
d2y_dx2 = outer.gradient(dy_dx, x)

# Part 2: a jacobian: the derivative of every output with respect to every input.
v = tf.Variable([1.0, 2.0, 3.0], name="v")
with tf.GradientTape() as tape:
    s = v * tf.reduce_sum(v)                     # s[i] = v[i] · (v[0] + v[1] + v[2])
jac = tape.jacobian(s, v)
