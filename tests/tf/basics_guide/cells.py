"""Our own programs for the cells of TF's "TensorFlow basics" guide (tensorflow/docs
``site/en/guide/basics.ipynb``), one entry per guide cell, in the guide's order.

Each program does what its guide cell does with the same TF calls, written afresh. Where the
guide draws random numbers (``tf.random.normal`` noise, ``tf.random.uniform`` and
``tf.random.normal`` initial weights, ``shuffle``), the numbers-compared program uses fixed
numbers instead: tapeviz draws from numpy's generator, not TF's, so only fixed inputs give
comparable results; the random calls themselves run in cells that compare shapes only. Plots
are left out (their computations stay). Standard library only at import time: the reference
script imports this file under TensorFlow's Python.
"""

from __future__ import annotations

CELLS: dict[str, str] = {
    # ---- Tensors
    "tensor_2x3": """
m = tf.constant([[1., 2., 3.], [4., 5., 6.]])
print(m)
print(m.shape)
print(m.dtype)
""",
    "add_to_itself": "m + m",
    "scale_by_five": "5 * m",
    "matmul_with_transpose": "m @ tf.transpose(m)",
    "concat_three": "tf.concat([m, m, m], axis=0)",
    "softmax_last_axis": "tf.nn.softmax(m, axis=-1)",
    "sum_everything": "tf.reduce_sum(m)",
    "convert_a_list": "tf.convert_to_tensor([1, 2, 3])",
    "sum_a_list": "tf.reduce_sum([1, 2, 3])",
    "gpu_question": """
gpus = tf.config.list_physical_devices('GPU')
print("a GPU is used" if gpus else "no GPU is used")
gpus
""",
    # ---- Variables
    "variable": """
w = tf.Variable([0.0, 0.0, 0.0])
w
""",
    "variable_assign": "w.assign([1, 2, 3])",
    "variable_assign_add": "w.assign_add([1, 1, 1])",
    # ---- Automatic differentiation
    "function_of_x": """
def poly(t):
    return t**2 + 2*t - 5

x = tf.Variable(1.0)
poly(x)
""",
    "gradient_of_function": """
with tf.GradientTape() as tape:
    out = poly(x)
slope = tape.gradient(out, x)
slope
""",
    # ---- Graphs and tf.function
    "tf_function": """
@tf.function
def total(t):
    print('tracing')
    return tf.reduce_sum(t)
""",
    "tf_function_first_call": "total(tf.constant([1, 2, 3]))",
    "tf_function_same_signature": "total(tf.constant([10, 9, 8]))",
    "tf_function_new_signature": "total(tf.constant([10.0, 9.1, 8.2], dtype=tf.float32))",
    # ---- Modules, layers, and models
    "module_class": """
class Scaler(tf.Module):
    def __init__(self, value):
        self.weight = tf.Variable(value)

    @tf.function
    def multiply(self, t):
        return t * self.weight
""",
    "module_call": """
scaler = Scaler(3)
scaler.multiply(tf.constant([1, 2, 3]))
""",
    "saved_model_save": "tf.saved_model.save(scaler, './saved')",
    "saved_model_load": """
restored = tf.saved_model.load('./saved')
restored.multiply(tf.constant([1, 2, 3]))
""",
    # ---- Training loops
    "data": """
import numpy as np

grid = tf.linspace(-2, 2, 201)
print(grid.dtype)
xs = tf.cast(grid, tf.float32)
noise = tf.constant(np.random.default_rng(22).normal(size=201).astype(np.float32))  # fixed, not tf.random
ys = poly(xs) + noise
print(xs.shape, ys.dtype)
print(f"{float(tf.reduce_mean(ys)):.4f}")
""",
    "random_noise_shape": "tf.random.normal(shape=[201]).shape",
    "quadratic_model": """
class Quadratic(tf.Module):
    def __init__(self, start):
        self.w_q = tf.Variable(start[0])
        self.w_l = tf.Variable(start[1])
        self.b = tf.Variable(start[2])

    @tf.function
    def __call__(self, t):
        return self.w_q * (t**2) + self.w_l * t + self.b

random_start = tf.random.uniform(shape=[3], minval=0., maxval=5., seed=22)
print(random_start.shape, random_start.dtype)
quad = Quadratic(tf.constant([1.5, 3.0, 0.5]))  # fixed, not the random start
[v.numpy() for v in quad.variables]
""",
    "mse_before_training": """
def mse(pred, target):
    return tf.reduce_mean(tf.square(pred - target))

mse(quad(xs), ys)
""",
    "dataset": """
batch_size = 32
batches = tf.data.Dataset.from_tensor_slices((xs, ys)).batch(batch_size)
print([int(a.shape[0]) for a, b in batches])
shuffled = tf.data.Dataset.from_tensor_slices((xs, ys)).shuffle(buffer_size=xs.shape[0]).batch(batch_size)
seen = np.sort(np.concatenate([a.numpy() for a, b in shuffled]))
print([int(a.shape[0]) for a, b in shuffled], bool(np.array_equal(seen, np.sort(xs.numpy()))))
""",
    "training_loop": """
learning_rate = 0.01
history = []
for epoch in range(100):
    for xb, yb in batches:
        with tf.GradientTape() as tape:
            batch_loss = mse(quad(xb), yb)
        grads = tape.gradient(batch_loss, quad.variables)
        for g, v in zip(grads, quad.variables):
            v.assign_sub(learning_rate * g)
    epoch_loss = mse(quad(xs), ys)
    history.append(epoch_loss)
    if epoch % 10 == 0:
        print(f'epoch {epoch}: mse {epoch_loss.numpy():0.3f}')
[f"{v.numpy():.4f}" for v in quad.variables]
""",
    "keras_sequential": """
keras_model = tf.keras.Sequential([
    tf.keras.layers.Lambda(lambda t: tf.stack([t, t**2], axis=1)),
    tf.keras.layers.Dense(units=1, kernel_initializer=lambda shape, dtype=None: tf.constant([[0.3], [-0.2]])),
])
keras_model(xs[:3])
""",
    "keras_random_initializer": """
random_model = tf.keras.Sequential([
    tf.keras.layers.Lambda(lambda t: tf.stack([t, t**2], axis=1)),
    tf.keras.layers.Dense(units=1, kernel_initializer=tf.random.normal)])
random_model(xs).shape
""",
    "keras_fit": """
keras_model.compile(loss=tf.keras.losses.MSE, optimizer=tf.keras.optimizers.SGD(learning_rate=0.01))
fitted = keras_model.fit(xs, ys, epochs=100, batch_size=32, verbose=0, shuffle=False)
print(len(fitted.history['loss']))
print([f"{v:.3f}" for v in fitted.history['loss'][::10]])
print([f"{float(w):.4f}" for w in np.ravel(keras_model.layers[1].kernel.numpy())])
""",
    "keras_save": "keras_model.save('./my_new_model')",
    "keras_predictions": """
pred = keras_model(xs)
print(pred.shape)
print(f"{float(mse(tf.squeeze(pred, axis=1), ys)):.3f}")
""",
}

# Cells whose subject tapeviz leaves out on purpose: tapeviz must raise one clear error there.
OUT_OF_SCOPE: dict[str, str] = {
    "saved_model_save": "a SavedModel is a serialized TF graph; tapeviz runs eagerly on numpy and has none",
    "saved_model_load": "as saved_model_save (TF loads what the save cell wrote)",
    "keras_save": "tapeviz keeps models in memory only (TF 2.21 itself refuses this path: it lacks .keras)",
}

# Cells where tapeviz differs from TF on purpose, and how (checked by the tests).
DIFFERENT: dict[str, str] = {
    "variable_assign": "assign returns the variable itself, shown under its own name; TF shows a "
                       "handle named 'UnreadVariable'",
    "variable_assign_add": "as variable_assign",
    "tf_function_same_signature": "tf.function runs the Python body on every call (no graph): 'tracing' "
                                  "prints again where TF reuses its traced graph",
}
