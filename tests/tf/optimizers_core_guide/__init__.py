"""`import tapeviz.tf as tf` on TF's "Optimizers with Core APIs" guide (tensorflow/docs
``site/en/guide/core/optimizers_core.ipynb``), cell by cell.

``cells.py`` holds our own program for each guide cell; tests/data/make_guides_tf_reference.py
ran them once with TensorFlow 2.21 and stored what each printed or displayed in
tests/data/guides_tf_reference.json; ``test_cells.py`` runs them with tapeviz and compares.

Covered: ``tf.__version__`` and ``tf.random.set_seed``; the loss 2x⁴ + 3x³ + 2 and its gradient
on ``tf.linspace``; gradient descent, momentum and Adam written as ``tf.Module``s; the
convergence test (``tf.math.is_nan`` on the gradient, ``Variable == numpy value`` as the stop
test) for learning rates 1e-3, 1e-2, 1e-1 — the same step counts, NaN steps and end points
as TF; the loss surface over (iteration, x) with ``tf.range``, ``tf.meshgrid`` and
``tf.math.log``. Left out: the matplotlib plots (their computations run and are compared).
"""
