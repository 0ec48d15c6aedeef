"""Lesson 8: plain SGD on a straight line through four points."""

import tapeviz.tf as tf

x = tf.constant([1.0, 2.0, 3.0, 4.0])
y = tf.constant([3.0, 5.0, 7.0, 9.0])       # the points lie on y = 2x + 1
w = tf.Variable(0.5, name="w")
b = tf.Variable(0.0, name="b")
lr = 0.05                                    # the learning rate


def train_step():
    with tf.GradientTape() as tape:
        prediction = w * x + b
        loss = tf.reduce_mean(tf.square(prediction - y))
    grad_w, grad_b = tape.gradient(loss, [w, b])
    w.assign_sub(lr * grad_w)                # w ← w − lr·g
    b.assign_sub(lr * grad_b)
    return loss


train_step()
