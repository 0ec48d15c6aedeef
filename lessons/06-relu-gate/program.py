"""Lesson 6: ReLU passes a gradient where its input was positive and blocks it elsewhere."""

import tapeviz.tf as tf

x = tf.constant([[1.0, -2.0, 0.5],
                 [2.0, 1.0, -1.0],
                 [-1.0, 0.5, 2.0],
                 [0.5, 1.5, 1.0]])            # batch of 4 examples, 3 features
w = tf.Variable([[1.0, -0.5, 0.5],
                 [0.5, 1.0, -0.5],
                 [-1.0, 0.5, 0.5]], name="w")  # 3 features → 3 units
b = tf.Variable([0.0, 0.5, -4.0], name="b")    # a very negative bias on the last unit

with tf.GradientTape() as tape:
    h = tf.nn.relu(x @ w + b)
    loss = tf.reduce_sum(h)

grad_w, grad_b = tape.gradient(loss, [w, b])
