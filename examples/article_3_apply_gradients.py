# The article's second and third code blocks, verbatim except for the two import lines
# (the third block continues the second). apply_gradients fails here: read its error.
import tapeviz.tf as tf
from tapeviz.tf.keras import Model, layers
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
inputs = tf.random.normal([32, 10]) # batch size 32, 10 features
labels = tf.random.uniform([32, 2], maxval=2, dtype=tf.int32)
# Loss function
loss_fn = tf.keras.losses.CategoricalCrossentropy(from_logits=True)
# Trainable variables of the model
trainable_vars = model.trainable_variables
with tf.GradientTape() as tape:
    predictions = model(inputs)
    loss = loss_fn(labels, predictions)
# Calculate the gradients
gradients = tape.gradient(loss, trainable_vars)
# Print gradients
for grad, var in zip(gradients, trainable_vars):
    print(f"Gradient for {var.name}: {grad.numpy()}")
optimizer = tf.keras.optimizers.SGD(learning_rate=0.01)
optimizer.apply_gradients(zip(gradients, trainable_vars))
