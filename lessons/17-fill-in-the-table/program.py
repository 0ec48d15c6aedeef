"""Lesson 17: f = (a·b + c)², whose backward pass you fill in, row by row."""

import tapeviz.tf as tf

a = tf.Variable(1.5, name="a")
b = tf.Variable(-2.0, name="b")
c = tf.Variable(5.5, name="c")
with tf.GradientTape() as tape:
    m = a * b            # multiply
    s = m + c            # add
    f = tf.square(s)     # square
da, db, dc = tape.gradient(f, [a, b, c])
