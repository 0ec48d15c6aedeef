"""Lesson 11: check a gradient with central finite differences, f(x) = sin(x) · x² at x = 1.5."""

import tapeviz.tf as tf


def f(x):
    return tf.sin(x) * tf.square(x)


x = tf.Variable(1.5, name="x")                          # float32, like most networks
x64 = tf.Variable(1.5, name="x64", dtype=tf.float64)    # the same point in float64

with tf.GradientTape() as tape:
    with tf.name_scope("f"):
        y = f(x)
    # Central differences: evaluate f a step h to each side, in float32 ...
    with tf.name_scope("big_h"):
        big_plus, big_minus = f(x + 1e-2), f(x - 1e-2)
    with tf.name_scope("tiny_h"):
        tiny_plus, tiny_minus = f(x + 1e-6), f(x - 1e-6)
    # ... and with the tiny step in float64.
    with tf.name_scope("tiny_h64"):
        t64_plus, t64_minus = f(x64 + 1e-6), f(x64 - 1e-6)

dy_dx = tape.gradient(y, x)
