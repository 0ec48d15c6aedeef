"""Lesson 7: the article's network as written, with its two questionable inputs named so a
what-if can change them: what the loss is told (from_logits) and how the labels are drawn."""

import tapeviz.tf as tf
from tapeviz.tf.keras import Model, layers

from_logits = True         # the article: although the last layer already applies softmax
one_hot_labels = False     # the article: every label entry 0 or 1 independently

tf.keras.utils.set_random_seed(7)   # the same weights and data on every run


class SimpleModel(Model):
    def __init__(self):
        super(SimpleModel, self).__init__()
        self.dense1 = layers.Dense(5, activation='relu')
        self.dense2 = layers.Dense(2, activation='softmax')

    def call(self, x):
        x = self.dense1(x)
        return self.dense2(x)


model = SimpleModel()
inputs = tf.random.normal([32, 10])  # batch size 32, 10 features
if one_hot_labels:
    labels = tf.one_hot(tf.random.uniform([32], maxval=2, dtype=tf.int32), 2)
else:
    labels = tf.random.uniform([32, 2], maxval=2, dtype=tf.int32)
loss_fn = tf.keras.losses.CategoricalCrossentropy(from_logits=from_logits)
optimizer = tf.keras.optimizers.SGD(learning_rate=0.01)

model(inputs)  # the first call creates the weights, so the list below is not empty
trainable_vars = model.trainable_variables


def train_step():
    with tf.GradientTape() as tape:
        predictions = model(inputs)
        loss = loss_fn(labels, predictions)
    gradients = tape.gradient(loss, trainable_vars)
    optimizer.apply_gradients(zip(gradients, trainable_vars))
    return loss


loss = train_step()
