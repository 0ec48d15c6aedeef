# The article's network, done right. Three changes, each marked "fixed:":
#  1. the last layer outputs logits (the loss applies the softmax, since from_logits=True);
#  2. the labels are one-hot rows (one class per sample);
#  3. the variable list is taken after the model's first call, when the weights exist.
import tapeviz.tf as tf
from tapeviz.tf.keras import Model, layers

tf.keras.utils.set_random_seed(0)  # the same weights and data on every run


class SimpleModel(Model):
    def __init__(self):
        super(SimpleModel, self).__init__()
        self.dense1 = layers.Dense(5, activation='relu')
        self.dense2 = layers.Dense(2)  # fixed: logits, no softmax

    def call(self, x):
        x = self.dense1(x)
        return self.dense2(x)


model = SimpleModel()
inputs = tf.random.normal([32, 10])  # batch size 32, 10 features
classes = tf.random.uniform([32], maxval=2, dtype=tf.int32)  # fixed: one class per sample ...
labels = tf.one_hot(classes, 2)  # ... as one-hot rows [1, 0] or [0, 1]
loss_fn = tf.keras.losses.CategoricalCrossentropy(from_logits=True)
optimizer = tf.keras.optimizers.SGD(learning_rate=0.01)
model(inputs)  # fixed: the first call creates the weights ...
trainable_vars = model.trainable_variables  # ... so this list holds all four


def train_step():
    with tf.GradientTape() as tape:
        predictions = model(inputs)
        loss = loss_fn(labels, predictions)
    gradients = tape.gradient(loss, trainable_vars)
    optimizer.apply_gradients(zip(gradients, trainable_vars))
    return loss


train_step()
