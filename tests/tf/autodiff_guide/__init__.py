"""`import tapeviz.tf as tf` behaves like TensorFlow 2.x on every point of TF's autodiff guide.

The guide is tensorflow/docs `site/en/guide/autodiff.ipynb` ("Introduction to gradients and
automatic differentiation"). Each test below is a new, small program that exercises one
behaviour the guide demonstrates; expected values are worked out by hand (or with numpy) and
were checked against TensorFlow 2.21 itself (the same file run with `tapeviz.tf` replaced by
`tensorflow`). Error and warning texts are TF's where a learner would compare them; where
tapeviz adds a hint after TF's sentence (the used-up non-persistent tape), the test checks
that TF's sentence comes first. Behaviour beyond the guide's cells is in tests/tf/test_namespace.py.

Sections:
  1. gradient tapes: scalars, matrices, nested/list/dict sources
  2. gradients with respect to a model (tf.Module)
  3. controlling what the tape watches
  4. intermediate results and persistent tapes
  5. non-scalar targets
  6. control flow
  7. the ways a gradient becomes None
  8. ops with no gradient registered
  9. zeros instead of None
 10. what tensors and variables look like (type names, print, repr, dtypes, numpy interop)
 11. tf.function
 12. GradientTape API beyond the guide (errors, stop_recording, reset, jacobians, ...)
 13. Keras (Dense layer) -- kept apart: needs tapeviz's keras layer
"""

