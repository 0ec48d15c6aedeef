"""The code cells of TensorFlow's "Advanced automatic differentiation" guide (tensorflow/docs
site/en/guide/advanced_autodiff.ipynb), stored once, and how a notebook runs them.

tests/data/make_advanced_autodiff_tf_reference.py runs them under TensorFlow 2.21 and stores what
each printed in tests/data/advanced_autodiff_tf_reference.json; the tests in this folder run the
same cells under ``import tapeviz.tf as tf`` and compare. Plotting lines (matplotlib) are left out,
except in the cells that tf.pad a Jacobian into patches: they run unchanged with ``Pictures`` as
``plt``, which keeps what ``imshow`` gets, and a ``<cell>:picture`` entry (not a cell of the guide)
prints its shape, extent and padding. Nothing else is changed. Standard library only (numpy once
a picture is kept): TensorFlow's Python imports this file too.
"""

from __future__ import annotations

import ast
import contextlib
import io
from typing import Any


class Pictures:
    """Stands in for ``matplotlib.pyplot`` in the plotting cells: keeps what ``imshow`` was given
    (the picture's numbers and options) and draws nothing, so the cells run unchanged."""

    def __init__(self) -> None:
        self.shown: list[tuple[Any, dict[str, Any]]] = []

    def imshow(self, image: Any, **options: Any) -> None:
        import numpy as np

        self.shown.append((np.asarray(image), options))

    def __getattr__(self, name: str) -> Any:  # colorbar, title, xlabel, ...: nothing to keep
        return lambda *args, **kwargs: None


def namespace(tf: Any) -> dict[str, Any]:
    """A fresh notebook namespace: ``tf`` and the stand-in ``plt``."""
    return {"tf": tf, "plt": Pictures()}


# Not a cell of the guide: what the last plotting cell handed to ``plt.imshow`` (its shape,
# extent, and whether its first row is the -lim padding tf.pad put between the patches).
PICTURE = """
image, options = plt.shown[-1]
print(image.shape, [float(e) for e in options['extent']], bool((image[0] == float(options['vmin'])).all()))
"""

# (cell id in the notebook, code) in the guide's order.
CELLS: list[tuple[str, str]] = [
    ("mhFSYf7uQWxR", """
x = tf.Variable(2.0)
y = tf.Variable(3.0)

with tf.GradientTape() as t:
  x_sq = x * x
  with t.stop_recording():
    y_sq = y * y
  z = x_sq + y_sq

grad = t.gradient(z, {'x': x, 'y': y})

print('dz/dx:', grad['x'])  # 2*x => 4
print('dz/dy:', grad['y'])
"""),
    ("lsMHsmrh4pqM", """
x = tf.Variable(2.0)
y = tf.Variable(3.0)
reset = True

with tf.GradientTape() as t:
  y_sq = y * y
  if reset:
    # Throw out all the tape recorded so far.
    t.reset()
  z = x * x + y_sq

grad = t.gradient(z, {'x': x, 'y': y})

print('dz/dx:', grad['x'])  # 2*x => 4
print('dz/dy:', grad['y'])
"""),
    ("30qnZMe48BkB", """
x = tf.Variable(2.0)
y = tf.Variable(3.0)

with tf.GradientTape() as t:
  y_sq = y**2
  z = x**2 + tf.stop_gradient(y_sq)

grad = t.gradient(z, {'x': x, 'y': y})

print('dz/dx:', grad['x'])  # 2*x => 4
print('dz/dy:', grad['y'])
"""),
    ("Mjj01w4NYtwd", """
# Establish an identity operation, but clip during the gradient pass.
@tf.custom_gradient
def clip_gradients(y):
  def backward(dy):
    return tf.clip_by_norm(dy, 0.5)
  return y, backward

v = tf.Variable(2.0)
with tf.GradientTape() as t:
  output = clip_gradients(v * v)
print(t.gradient(output, v))  # calls "backward", which clips 4 to 2
"""),
    ("Q5JBgIBYjN1I", """
class MyModule(tf.Module):

  @tf.function(input_signature=[tf.TensorSpec(None)])
  def call_custom_grad(self, x):
    return clip_gradients(x)

model = MyModule()
"""),
    ("xZTrgy2q-9pq", """
tf.saved_model.save(
    model,
    'saved_model',
    options=tf.saved_model.SaveOptions(experimental_custom_gradients=True))

# The loaded gradients will be the same as the above example.
v = tf.Variable(2.0)
loaded = tf.saved_model.load('saved_model')
with tf.GradientTape() as t:
  output = loaded.call_custom_grad(v * v)
print(t.gradient(output, v))
"""),
    ("BJ0HdMvte0VZ", """
x0 = tf.constant(0.0)
x1 = tf.constant(0.0)

with tf.GradientTape() as tape0, tf.GradientTape() as tape1:
  tape0.watch(x0)
  tape1.watch(x1)

  y0 = tf.math.sin(x0)
  y1 = tf.nn.sigmoid(x1)

  y = y0 + y1

  ys = tf.reduce_sum(y)
"""),
    ("6ApAoMNFfNz6", "tape0.gradient(ys, x0).numpy()   # cos(x) => 1.0"),
    ("rF1jrAJsfYW_", "tape1.gradient(ys, x1).numpy()   # sigmoid(x1)*(1-sigmoid(x1)) => 0.25"),
    ("cPQgthZ7ugRJ", """
x = tf.Variable(1.0)  # Create a Tensorflow variable initialized to 1.0

with tf.GradientTape() as t2:
  with tf.GradientTape() as t1:
    y = x * x * x

  # Compute the gradient inside the outer `t2` context manager
  # which means the gradient computation is differentiable as well.
  dy_dx = t1.gradient(y, x)
d2y_dx2 = t2.gradient(dy_dx, x)

print('dy_dx:', dy_dx.numpy())  # 3 * x**2 => 3.0
print('d2y_dx2:', d2y_dx2.numpy())  # 6 * x => 6.0
"""),
    ("tH3ZFuUfDLrR", """
x = tf.random.normal([7, 5])

layer = tf.keras.layers.Dense(10, activation=tf.nn.relu)
"""),
    ("E6yOFsjEDR9u", """
with tf.GradientTape() as t2:
  # The inner tape only takes the gradient with respect to the input,
  # not the variables.
  with tf.GradientTape(watch_accessed_variables=False) as t1:
    t1.watch(x)
    y = layer(x)
    out = tf.reduce_sum(layer(x)**2)
  # 1. Calculate the input gradient.
  g1 = t1.gradient(out, x)
  # 2. Calculate the magnitude of the input gradient.
  g1_mag = tf.norm(g1)

# 3. Calculate the gradient of the magnitude with respect to the model.
dg1_mag = t2.gradient(g1_mag, layer.trainable_variables)
"""),
    ("123QMq6PqK_d", "[var.shape for var in dg1_mag]"),
    ("bAFeIE8EuVIq", """
x = tf.linspace(-10.0, 10.0, 200+1)
delta = tf.Variable(0.0)

with tf.GradientTape() as tape:
  y = tf.nn.sigmoid(x+delta)

dy_dx = tape.jacobian(y, delta)
"""),
    ("iZ6awnDzr_BA", """
print(y.shape)
print(dy_dx.shape)
"""),
    ("39YXItgLxMBk", """
x = tf.random.normal([7, 5])
layer = tf.keras.layers.Dense(10, activation=tf.nn.relu)

with tf.GradientTape(persistent=True) as tape:
  y = layer(x)

y.shape
"""),
    ("CigTWyfPvPuv", "layer.kernel.shape"),
    ("pRLzTTbvEimH", """
j = tape.jacobian(y, layer.kernel)
j.shape
"""),
    ("FJjZpYRnDjVa", """
g = tape.gradient(y, layer.kernel)
print('g.shape:', g.shape)

j_sum = tf.reduce_sum(j, axis=[0, 1])
delta = tf.reduce_max(abs(g - j_sum)).numpy()
assert delta < 1e-3
print('delta:', delta)
"""),
    ("ELGTaell_j81", """
x = tf.random.normal([7, 5])
layer1 = tf.keras.layers.Dense(8, activation=tf.nn.relu)
layer2 = tf.keras.layers.Dense(6, activation=tf.nn.relu)

with tf.GradientTape() as t2:
  with tf.GradientTape() as t1:
    x = layer1(x)
    x = layer2(x)
    loss = tf.reduce_mean(x**2)

  g = t1.gradient(loss, layer1.kernel)

h = t2.jacobian(g, layer1.kernel)
"""),
    ("FVqQuZj4XGjm", """
print(f'layer.kernel.shape: {layer1.kernel.shape}')
print(f'h.shape: {h.shape}')
"""),
    ("6te7N6wVXwXX", """
n_params = tf.reduce_prod(layer1.kernel.shape)

g_vec = tf.reshape(g, [n_params, 1])
h_mat = tf.reshape(h, [n_params, n_params])
"""),
    ("8TCHc7Vrf52S", """
def imshow_zero_center(image, **kwargs):
  lim = tf.reduce_max(abs(image))
  plt.imshow(image, vmin=-lim, vmax=lim, cmap='seismic', **kwargs)
  plt.colorbar()
"""),
    ("3DdnbynBdSor", """
eps = 1e-3
eye_eps = tf.eye(h_mat.shape[0])*eps
"""),
    ("k1LYftgmswOO", """
# X(k+1) = X(k) - (∇²f(X(k)))^-1 @ ∇f(X(k))
# h_mat = ∇²f(X(k))
# g_vec = ∇f(X(k))
update = tf.linalg.solve(h_mat + eye_eps, g_vec)

# Reshape the update and apply it to the variable.
_ = layer1.kernel.assign_sub(tf.reshape(update, layer1.kernel.shape))
"""),
    ("tQMndhIUHMes", """
x = tf.random.normal([7, 5])

layer1 = tf.keras.layers.Dense(8, activation=tf.nn.elu)
layer2 = tf.keras.layers.Dense(6, activation=tf.nn.elu)

with tf.GradientTape(persistent=True, watch_accessed_variables=False) as tape:
  tape.watch(x)
  y = layer1(x)
  y = layer2(y)

y.shape
"""),
    ("1zSl2A5-HhMH", """
j = tape.jacobian(y, x)
j.shape
"""),
    ("g4ZoRJcJNmy5", """
def plot_as_patches(j):
  # Reorder axes so the diagonals will each form a contiguous patch.
  j = tf.transpose(j, [1, 0, 3, 2])
  # Pad in between each patch.
  lim = tf.reduce_max(abs(j))
  j = tf.pad(j, [[0, 0], [1, 1], [0, 0], [1, 1]],
             constant_values=-lim)
  # Reshape to form a single image.
  s = j.shape
  j = tf.reshape(j, [s[0]*s[1], s[2]*s[3]])
  imshow_zero_center(j, extent=[-0.5, s[2]-0.5, s[0]-0.5, -0.5])

plot_as_patches(j)
_ = plt.title('All (batch, batch) slices are diagonal')
"""),
    ("g4ZoRJcJNmy5:picture", PICTURE),
    ("v65OAjEgLQwl", """
j_sum = tf.reduce_sum(j, axis=2)
print(j_sum.shape)
j_select = tf.einsum('bxby->bxy', j)
print(j_select.shape)
"""),
    ("YJLIl9WpHqYq", """
jb = tape.batch_jacobian(y, x)
jb.shape
"""),
    ("-5t_q5SfHw7T", """
error = tf.reduce_max(abs(jb - j_sum))
assert error < 1e-3
print(error.numpy())
"""),
    ("tnDugVc-L4fj", """
x = tf.random.normal([7, 5])

layer1 = tf.keras.layers.Dense(8, activation=tf.nn.elu)
bn = tf.keras.layers.BatchNormalization()
layer2 = tf.keras.layers.Dense(6, activation=tf.nn.elu)

with tf.GradientTape(persistent=True, watch_accessed_variables=False) as tape:
  tape.watch(x)
  y = layer1(x)
  y = bn(y, training=True)
  y = layer2(y)

j = tape.jacobian(y, x)
print(f'j.shape: {j.shape}')
"""),
    ("SNyZ1WhJMVLm", """
plot_as_patches(j)

_ = plt.title('These slices are not diagonal')
_ = plt.xlabel("Don't use `batch_jacobian`")
"""),
    ("SNyZ1WhJMVLm:picture", PICTURE),
    ("k8_mICHoasCi", """
jb = tape.batch_jacobian(y, x)
print(f'jb.shape: {jb.shape}')
"""),
]


def run_cell(code: str, namespace: dict[str, Any]) -> dict[str, Any]:
    """Run one cell as a notebook does: its printed text, its last expression's repr, or its error."""
    tree = ast.parse(code)
    last = tree.body[-1] if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    body = ast.Module(tree.body[:-1] if last else tree.body, type_ignores=[])
    out = io.StringIO()
    found: dict[str, Any] = {"printed": "", "value": None, "error": None}
    try:
        with contextlib.redirect_stdout(out):
            exec(compile(body, "<cell>", "exec"), namespace)  # noqa: S102  (the guide's own cells)
            if last is not None:
                found["value"] = repr(eval(compile(ast.Expression(last.value), "<cell>", "eval"), namespace))  # noqa: S307
    except Exception as exc:  # noqa: BLE001  (the error type is the result)
        found["error"] = type(exc).__name__
        found["_exception"] = exc  # for the tests (the reference script keeps the public keys)
    found["printed"] = out.getvalue()
    return found


__all__ = ["CELLS", "PICTURE", "Pictures", "namespace", "run_cell"]
