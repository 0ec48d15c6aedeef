# An MLP 784 -> 128 -> 64 -> 10 on a batch of 16 random "images": the graph pane's larger test.
import tapeviz.tf as tf
from tapeviz.tf.keras import Sequential, layers

tf.random.set_seed(0)
model = Sequential([
    layers.Dense(128, activation="relu"),
    layers.Dense(64, activation="relu"),
    layers.Dense(10),
])
images = tf.random.normal([16, 784])
labels = tf.one_hot(tf.random.uniform([16], maxval=10, dtype=tf.int32), 10)
loss_fn = tf.keras.losses.CategoricalCrossentropy(from_logits=True)
optimizer = tf.keras.optimizers.SGD(learning_rate=0.01)

with tf.GradientTape() as tape:
    logits = model(images)
    loss = loss_fn(labels, logits)
grads = tape.gradient(loss, model.trainable_variables)
optimizer.apply_gradients(zip(grads, model.trainable_variables))
