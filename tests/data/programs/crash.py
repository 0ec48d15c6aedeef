# Fixture: a program that fails at its fifth op (shapes that do not fit a matmul).
import numpy as np

import tapeviz.tf as tf

w = tf.Variable(np.ones((3, 2), np.float32), name="w")
x = tf.constant(np.ones((4, 3), np.float32))
with tf.GradientTape() as tape:
    h = tf.matmul(x, w)
    h = tf.nn.relu(h)
    s = h * 2.0
    t = s + 1.0
    bad = tf.matmul(t, w)  # (4, 2) @ (3, 2): the fifth op fails here
    loss = tf.reduce_sum(bad)
