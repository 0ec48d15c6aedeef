"""Three pictures from TensorFlow's autodiff guide, written with ``tapeviz.tf``.

Each is a small one-shot program (no training loop): it records a forward pass and one
``gradient()`` call, so the whole story fits on one screen.

- ``guide-intermediate``: a gradient taken with respect to a value computed on the tape.
- ``guide-control-flow``: Python ``while`` and ``if`` on tensors; only the path taken is recorded.
- ``guide-disconnected``: a variable the target never used, and one only seen through an
  assignment, both get ``None``.
"""

from __future__ import annotations

from .. import tf
from . import Example, register


def _intermediate() -> None:
    # u = x², v = u³ = x⁶. One backward pass answers for the intermediate u and for x:
    # dv/du = 3u² = 48 and dv/dx = dv/du · du/dx = 48 · 2x = 192 at x = 2.
    x = tf.constant(2.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        u = x * x
        v = u * u * u
    tape.gradient(v, [u, x])
    return None


register(Example(
    "guide-intermediate",
    "gradient with respect to an intermediate value",
    "From TF's autodiff guide: u = x·x and v = u·u·u at x = 2. Sources can be values computed "
    "on the tape: the backward pass gives dv/du = 3u² = 48 on its way to dv/dx = 48 · 2x = 192.",
    _intermediate,
))


def _control_flow() -> None:
    # The loop runs while y < 10: 2 → 4 → 8 → 16, so y = x⁴. The if takes its first branch.
    # Comparisons are not differentiable: they decide which ops run but are not on the tape.
    x = tf.constant(2.0)
    w_pos = tf.Variable(0.5, name="w_pos")
    w_neg = tf.Variable(-0.5, name="w_neg")
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x
        while y < 10.0:
            y = y * x
        if y > 0.0:
            out = w_pos * y
        else:
            out = w_neg * y
    tape.gradient(out, [x, w_pos, w_neg])  # 0.5·4x³ = 16, y = 16, None
    return None


register(Example(
    "guide-control-flow",
    "Python while and if on tensors",
    "From TF's autodiff guide: a while loop multiplies y by x until y ≥ 10 (three multiplies, "
    "y = x⁴ = 16), then an if picks w_pos. Only the ops that ran are on the tape: the gradient "
    "reaches x and w_pos; w_neg, on the branch not taken, gets None.",
    _control_flow,
))


def _disconnected() -> None:
    used = tf.Variable(3.0, name="used")
    unused = tf.Variable(2.0, name="unused")
    step = tf.Variable(1.0, name="step")
    total = tf.Variable(0.0, name="total")
    with tf.GradientTape() as tape:
        total.assign_add(step)  # state: the tape sees total's new value, not where it came from
        z = used * used + total * 2.0
    tape.gradient(z, [used, unused, step, total])  # 6, None, None, 2
    return None


register(Example(
    "guide-disconnected",
    "gradients that come back None",
    "From TF's autodiff guide: z = used² + 2·total after total.assign_add(step). The gradient "
    "reaches used (6) and total (2); unused was never read and step only fed an assignment, "
    "which the tape cannot see through, so both get None.",
    _disconnected,
))
