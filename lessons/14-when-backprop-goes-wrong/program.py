"""Lesson 14: the expression of lesson 13, walked backwards right and wrong."""

import tapeviz.tf as tf

x = tf.Variable(3.0, name="x")
y = tf.Variable(2.0, name="y")
with tf.GradientTape() as tape:
    a = x * y        # a is used twice: by b and by c
    b = a + y        # y is used twice: by a and by b
    c = a * b
    L = c - x        # x is used twice: by a and by L
dx, dy = tape.gradient(L, [x, y])
print("dL/dx =", dx.numpy(), " dL/dy =", dy.numpy())
