# A small convolutional network on random 8×8 images, written as a Keras tutorial would: only
# the import says tapeviz. Conv2D records one conv2d op (its backward step sends the upstream
# gradient back through a transposed convolution to the images and correlates the images with
# it for the kernel), MaxPooling2D one max_pool2d, GlobalAveragePooling2D one mean.
# `tapeviz open examples/cnn_images.py`, step to a conv2d backward step and read the inspector.
import numpy as np

import tapeviz.tf as tf

tf.keras.utils.set_random_seed(3)

# 32 random grayscale images; class 1 when the left half is brighter than the right half.
images = np.random.uniform(0.0, 1.0, size=(32, 8, 8, 1)).astype("float32")
labels = (images[:, :, :4, 0].mean(axis=(1, 2)) > images[:, :, 4:, 0].mean(axis=(1, 2))).astype("int32")

model = tf.keras.Sequential([
    tf.keras.layers.Conv2D(4, kernel_size=3, padding="same", activation="relu", name="conv"),
    tf.keras.layers.MaxPooling2D(pool_size=2, name="pool"),
    tf.keras.layers.Conv2D(4, kernel_size=3, activation="relu", name="conv_2"),
    tf.keras.layers.GlobalAveragePooling2D(name="gap"),
    tf.keras.layers.Dense(2, name="logits"),
])
model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate=0.05),
              loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
              metrics=["accuracy"])

history = model.fit(images, labels, epochs=2, batch_size=16, verbose=0)
for epoch, (loss, accuracy) in enumerate(zip(history.history["loss"], history.history["accuracy"]), start=1):
    print(f"epoch {epoch}: loss {loss:.4f}, accuracy {accuracy:.2f}")

kernel = model.layers[0].kernel
print("first conv kernel:", kernel.shape, "- output of the first image:", model(images[:1]).shape)
