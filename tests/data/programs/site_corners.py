# Fixture: the corners of naming and line capture. One line run twice with other variables, a
# loop, a lambda, nested functions, a helper reading a module global the loop rebinds, a worker
# thread, and a gradient of a gradient (tests/trace/test_recording_paths.py).
import threading

import numpy as np

import tapeviz.tf as tf

w = tf.Variable(np.array([[0.5, -1.0], [2.0, 0.25]], np.float32), name="w")
b = tf.Variable(np.array([0.1, -0.2], np.float32), name="b")
x = tf.constant(np.array([[1.0, 2.0], [3.0, -1.0]], np.float32))
y = tf.constant(np.array([[0.0, 1.0], [1.0, 0.0]], np.float32))
SHIFT = tf.constant(np.array([1.0, -1.0], np.float32))
square = lambda t: t * t  # noqa: E731


def layer(inp, weight):
    def inner(v):
        h = tf.matmul(v, weight)
        return h + b
    out = inner(inp)
    return tf.nn.relu(out)


def shifted(t):
    return t + SHIFT


def step(data, target):
    with tf.GradientTape() as tape:
        h1 = layer(data, w)
        h2 = layer(h1, w)
        for k in range(2):
            h2 = h2 * 0.5 + square(h2)
        moved = shifted(h2)
        z = tf.reduce_sum(square(moved - target)); z2 = z * 2.0  # noqa: E702  (two statements, one line)
    g = tape.gradient(z2, [w, b])
    w.assign_sub(g[0] * 0.01)
    b.assign_sub(g[1] * 0.01)
    return z2


a1, a2 = x, y
for i in range(2):
    loss = step(a1, a2)
    loss = step(a2, a1)
    a1, a2 = a2 * 1.0, a1 + 0.0
    SHIFT = SHIFT * 2.0  # a new tensor under the same global name: the next step reads it
    OTHER = SHIFT  # and a second name for it


def worker(scale):
    with tf.GradientTape() as tape:
        v = tf.reduce_sum(square(x * scale))
    tape.gradient(v, [x])


thread = threading.Thread(target=worker, args=(2.0,), name="worker")
thread.start()
thread.join()
with tf.GradientTape(persistent=True) as outer:
    outer.watch(x)
    with tf.GradientTape() as inner:
        inner.watch(x)
        q = tf.reduce_sum(x * x * x)
    dq = inner.gradient(q, x)
    s = tf.reduce_sum(dq)
d2 = outer.gradient(s, x)
