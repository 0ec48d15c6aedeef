"""Lesson 16: you write softplus's backward rule, and this small network trains with it."""

import tapeviz.tf as tf


def softplus_backward(x, dy):
    # The rule you write in the lesson takes this placeholder's place. Until then it sends
    # nothing back through softplus, so the first layer (w1, b1) cannot learn.
    return dy * 0.0


@tf.custom_gradient
def softplus(z):
    def backward(dy):
        return softplus_backward(z, dy)  # the gradient softplus sends to z

    return tf.math.log(1.0 + tf.exp(z)), backward  # softplus(z) = log(1 + eˣ)


x = tf.constant([[-2.0], [-1.0], [0.0], [1.0], [2.0]])  # five inputs, one feature
y = tf.constant([[2.0], [1.0], [0.2], [1.0], [2.0]])    # targets: a V shape
w1 = tf.Variable([[0.5, -0.5]], name="w1")              # 1 feature → 2 hidden units
b1 = tf.Variable([0.0, 0.0], name="b1")
w2 = tf.Variable([[0.5], [0.5]], name="w2")             # 2 hidden units → 1 output
b2 = tf.Variable([0.0], name="b2")
lr = 0.1


def train_step():
    with tf.GradientTape() as tape:
        h = softplus(x @ w1 + b1)
        out = h @ w2 + b2
        loss = tf.reduce_mean(tf.square(out - y))
    grads = tape.gradient(loss, [w1, b1, w2, b2])
    for v, g in zip([w1, b1, w2, b2], grads):
        v.assign_sub(lr * g)                                # w ← w − lr·g
    return loss


train_step()
