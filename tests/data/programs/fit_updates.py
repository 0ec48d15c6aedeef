# Fixture: Keras trains with model.fit; its updates happen inside fit (line 15).
import numpy as np

import tapeviz.tf as tf

tf.keras.utils.set_random_seed(3)
points = np.random.uniform(-1, 1, size=(8, 2)).astype("float32")
classes = (points[:, 0] > 0).astype("float32").reshape(-1, 1)
model = tf.keras.Sequential([
    tf.keras.layers.Dense(3, activation="relu"),
    tf.keras.layers.Dense(1, activation="sigmoid"),
])
model.compile(optimizer=tf.keras.optimizers.SGD(0.1), loss="binary_crossentropy")

model.fit(points, classes, batch_size=4, epochs=1, verbose=0)
