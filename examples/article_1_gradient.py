# The article's first code block. Only the import line is changed (tensorflow → tapeviz.tf).
import tapeviz.tf as tf
# Define a simple function
x = tf.Variable(3.0)
with tf.GradientTape() as tape:
    y = x ** 2
grad = tape.gradient(y, x)
print("Gradient of y with respect to x:", grad.numpy()) # Gradient is 6.0
