# Fixture: a hand-written training loop that updates its two variables on two lines.
# Line 19 updates the weights, line 20 the bias: each update must point at its own line.
import numpy as np

import tapeviz.tf as tf

weights = tf.Variable(np.full((3, 1), 0.5, np.float32), name="weights")
bias = tf.Variable(np.zeros((1,), np.float32), name="bias")
x = tf.constant(np.arange(6, dtype=np.float32).reshape(2, 3))
y = tf.constant([[1.0], [2.0]])
learning_rate = 0.01

for step in range(2):
    with tf.GradientTape() as tape:
        pred = tf.matmul(x, weights) + bias
        loss = tf.reduce_mean((pred - y) ** 2)
    dw, db = tape.gradient(loss, [weights, bias])
    # one update per line:
    weights.assign_sub(learning_rate * dw)
    bias.assign_sub(learning_rate * db)
