# The article's network: its second and third code blocks, run as one training step. What
# `tapeviz` (and `make run`) opens. Lines marked "added:" are not the article's; the rest is
# its code, pitfalls included: the softmax before a from_logits loss, and labels drawn
# entry by entry, so many rows are not one-hot. Read the warnings (m): tapeviz explains both.
import tapeviz.tf as tf
from tapeviz.tf.keras import Model, layers

tf.keras.utils.set_random_seed(0)  # added: the same weights and data on every run


# Define a simple model
class SimpleModel(Model):
    def __init__(self):
        super(SimpleModel, self).__init__()
        self.dense1 = layers.Dense(5, activation='relu')
        self.dense2 = layers.Dense(2, activation='softmax')

    def call(self, x):
        x = self.dense1(x)
        return self.dense2(x)


# Initialize model and data
model = SimpleModel()
inputs = tf.random.normal([32, 10])  # batch size 32, 10 features
labels = tf.random.uniform([32, 2], maxval=2, dtype=tf.int32)
# Loss function
loss_fn = tf.keras.losses.CategoricalCrossentropy(from_logits=True)
optimizer = tf.keras.optimizers.SGD(learning_rate=0.01)
model(inputs)  # added: the first call creates the weights ...
# Trainable variables of the model
trainable_vars = model.trainable_variables  # ... so this list holds all four


def train_step():  # added: the article's tape block and its update, as one step to repeat
    with tf.GradientTape() as tape:
        predictions = model(inputs)
        loss = loss_fn(labels, predictions)
    # Calculate the gradients
    gradients = tape.gradient(loss, trainable_vars)
    optimizer.apply_gradients(zip(gradients, trainable_vars))
    return loss


train_step()
