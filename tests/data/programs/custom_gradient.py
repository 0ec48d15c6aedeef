# Fixture: a @tf.custom_gradient function (the TF guide's log1pexp) and its gradient function.
import tapeviz.tf as tf


@tf.custom_gradient
def log1pexp(x):
    e = tf.exp(x)

    def grad(upstream):
        return upstream * (1 - 1 / (1 + e))

    return tf.math.log(1 + e), grad


x = tf.Variable(2.0)
with tf.GradientTape() as tape:
    y = log1pexp(x)
dy_dx = tape.gradient(y, x)
print("dy/dx =", float(dy_dx))
