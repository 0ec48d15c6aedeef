"""Our own programs for the cells of TF's "Optimizers with Core APIs" guide (tensorflow/docs
``site/en/guide/core/optimizers_core.ipynb``), one entry per guide cell, in the guide's order.

Each program does what its guide cell does with the same TF calls, written afresh: three
optimizers written as ``tf.Module``s (plain gradient descent, momentum, Adam), a convergence
test on L(x) = 2x⁴ + 3x³ + 2 from x = 2 that stops when an update no longer changes x, or
when the gradient is NaN, and the loss surface over (iteration, x) made with ``tf.meshgrid``.
Plots are left out (their computations stay). Standard library only at import time.
"""

from __future__ import annotations

CELLS: dict[str, str] = {
    "setup": """
print(tf.__version__)
tf.random.set_seed(22)
""",
    "plain_descent": """
class PlainDescent(tf.Module):
    def __init__(self, learning_rate=1e-3):
        self.learning_rate = learning_rate
        self.title = f"gradient descent, learning rate {self.learning_rate}"

    def apply_gradients(self, grads, variables):
        for g, v in zip(grads, variables):
            v.assign_sub(self.learning_rate * g)
""",
    "loss_and_gradient": """
xs = tf.cast(tf.linspace(-2, 2, 201), tf.float32)

def quartic(t):
    return 2 * (t**4) + 3 * (t**3) + 2

def grad_of(fn, t):
    with tf.GradientTape() as tape:
        tape.watch(t)
        value = fn(t)
    return tape.gradient(value, t)

print(quartic(xs)[::40].numpy())
print(grad_of(quartic, xs)[::40].numpy())
print(quartic(0), quartic(-9 / 8))
""",
    "convergence_test": """
def run_until_still(optimizer, loss_fn, grad_fn=grad_of, start=2., max_iters=2000):
    print(optimizer.title)
    print("-" * 20)
    x = tf.Variable(start)
    path = []
    for step in range(1, max_iters + 1):
        g = grad_fn(loss_fn, x)
        if tf.math.is_nan(g):
            print(f"gradient is NaN at step {step}")
            return []
        before = x.numpy()
        optimizer.apply_gradients([g], [x])
        path.append(x.numpy())
        if x == before:
            print(f"still after {step} steps")
            return path
    print(f"not still after {max_iters} steps")
    return path

def summary(paths):
    return {lr: (len(p), f"{float(p[-1]):.5f}" if p else None) for lr, p in paths.items()}
""",
    "gradient_descent_runs": """
paths_gd = {lr: run_until_still(PlainDescent(learning_rate=lr), quartic) for lr in [1e-3, 1e-2, 1e-1]}
summary(paths_gd)
""",
    "loss_surface": """
def surface(paths, xs, loss_fn, max_iters=2000):
    steps = tf.range(1., max_iters + 100.)
    step_grid, x_grid = tf.meshgrid(steps, xs)
    log_loss = tf.math.log(loss_fn(x_grid))
    print(step_grid.shape, x_grid.shape, log_loss.dtype)
    print(f"{float(tf.reduce_min(log_loss)):.5f} {float(tf.reduce_max(log_loss)):.5f}")
    for lr, path in paths.items():
        if path:
            print(lr, steps[:len(path)].shape, f"{float(path[-1]):.5f}")
""",
    "gradient_descent_surface": "surface(paths_gd, xs, quartic)",
    "momentum": """
class WithMomentum(tf.Module):
    def __init__(self, learning_rate=1e-3, momentum=0.7):
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.change = 0.
        self.title = f"momentum, learning rate {self.learning_rate}"

    def apply_gradients(self, grads, variables):
        for g, v in zip(grads, variables):
            step = self.learning_rate * g + self.momentum * self.change
            v.assign_sub(step)
            self.change = step
""",
    "momentum_runs": """
paths_mtm = {lr: run_until_still(WithMomentum(learning_rate=lr), quartic, grad_fn=grad_of) for lr in [1e-3, 1e-2, 1e-1]}
summary(paths_mtm)
""",
    "momentum_surface": "surface(paths_mtm, xs, quartic)",
    "adam": """
class AdamByHand(tf.Module):
    def __init__(self, learning_rate=1e-3, beta_1=0.9, beta_2=0.999, ep=1e-7):
        self.beta_1, self.beta_2 = beta_1, beta_2
        self.learning_rate, self.ep = learning_rate, ep
        self.t = 1.
        self.m, self.s = [], []
        self.title = f"adam, learning rate {self.learning_rate}"
        self.built = False

    def apply_gradients(self, grads, variables):
        if not self.built:
            for v in variables:
                self.m.append(tf.Variable(tf.zeros(shape=v.shape)))
                self.s.append(tf.Variable(tf.zeros(shape=v.shape)))
            self.built = True
        for i, (g, v) in enumerate(zip(grads, variables)):
            self.m[i] = self.beta_1 * self.m[i] + (1 - self.beta_1) * g
            self.s[i] = self.beta_2 * self.s[i] + (1 - self.beta_2) * tf.square(g)
            m_hat = self.m[i] / (1 - (self.beta_1**self.t))
            s_hat = self.s[i] / (1 - (self.beta_2**self.t))
            v.assign_sub(self.learning_rate * (m_hat / (tf.sqrt(s_hat) + self.ep)))
        self.t += 1.
""",
    "adam_runs": """
paths_adam = {lr: run_until_still(AdamByHand(learning_rate=lr), quartic) for lr in [1e-3, 1e-2, 1e-1]}
summary(paths_adam)
""",
    "adam_surface": "surface(paths_adam, xs, quartic)",
}

OUT_OF_SCOPE: dict[str, str] = {}  # plots only: their computations run in the *_surface cells
DIFFERENT: dict[str, str] = {}
