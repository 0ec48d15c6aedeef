"""Lesson 9: what a GradientTape watches, and the ways a gradient comes back as None."""

import tapeviz.tf as tf

w = tf.Variable(2.0, name="w")                          # trainable variable
c = tf.constant(3.0)                                    # constant
frozen = tf.Variable(5.0, name="frozen", trainable=False)

# Part 1: trainable variables are watched; constants and frozen variables are not.
with tf.GradientTape() as tape:
    y = w * c * frozen
part1 = tape.gradient(y, [w, c, frozen])

# Part 2: watch() makes the tape track a constant too.
with tf.GradientTape() as tape:
    tape.watch(c)
    y = w * c
part2 = tape.gradient(y, [w, c])

# Part 3: a persistent tape answers more than one gradient() call.
with tf.GradientTape(persistent=True) as tape:
    y = w * w
    z = y * w
dy_dw = tape.gradient(y, w)
dz_dw = tape.gradient(z, w)
del tape

# Part 4: what happens inside stop_recording() is invisible to the tape.
with tf.GradientTape() as tape:
    seen = w * 4.0
    with tape.stop_recording():
        hidden = w * 10.0
    y = seen + hidden
part4 = tape.gradient(y, w)

# Part 5: the article's mistake: asking a Keras layer for its variables before its first call.
layer = tf.keras.layers.Dense(2, name="dense")
early = layer.trainable_variables                       # the layer has no weights yet
with tf.GradientTape() as tape:
    out = tf.reduce_sum(layer(tf.constant([[1.0, 2.0, 3.0]])))
part5 = tape.gradient(out, early)
late = layer.trainable_variables                        # after the call: kernel and bias
