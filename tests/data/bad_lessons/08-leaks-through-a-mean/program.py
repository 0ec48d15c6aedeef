"""A two-entry gradient: its min and mean give its max in one step (2·mean − min)."""

import tapeviz.tf as tf

w = tf.Variable([1.0, 3.0], name="w")
with tf.GradientTape() as tape:
    loss = tf.reduce_sum(w * w)
grad = tape.gradient(loss, w)
