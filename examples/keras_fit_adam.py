# A small Keras classifier trained with compile/fit and Adam, written as a TensorFlow tutorial
# would be: only the import says tapeviz. Every batch fit trains is one iteration of the trace
# (forward, backward, update), and Adam's momentum and velocity slots are updated next to each
# weight. `tapeviz open examples/keras_fit_adam.py`, then `t` trains one more batch.
import numpy as np

import tapeviz.tf as tf

tf.keras.utils.set_random_seed(7)

# 48 points in the plane, class 1 inside a circle of radius 1, class 0 outside.
points = np.random.uniform(-1.5, 1.5, size=(48, 2)).astype("float32")
labels = (np.sum(points**2, axis=1) < 1.0).astype("int32")
one_hot = tf.one_hot(labels, 2)

model = tf.keras.Sequential([
    tf.keras.layers.Dense(4, activation="relu"),
    tf.keras.layers.Dense(2, activation="softmax"),
])
model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate=0.05),
              loss="categorical_crossentropy",
              metrics=["accuracy"])

history = model.fit(points, one_hot, epochs=2, batch_size=16, validation_split=0.25, verbose=0)
for epoch, (loss, accuracy) in enumerate(zip(history.history["loss"], history.history["accuracy"]), start=1):
    print(f"epoch {epoch}: loss {loss:.4f}, accuracy {accuracy:.2f}")

loss, accuracy = model.evaluate(points, one_hot, verbose=0)
print(f"evaluate: loss {loss:.4f}, accuracy {accuracy:.2f}")
print("first predictions:", np.round(model.predict(points[:3], verbose=0), 3).tolist())
