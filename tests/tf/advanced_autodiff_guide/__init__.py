"""`import tapeviz.tf as tf` runs TensorFlow's "Advanced automatic differentiation" guide.

The guide is tensorflow/docs `site/en/guide/advanced_autodiff.ipynb`. Its code cells are stored
once, in `cells.py` (unchanged except that matplotlib lines are left out). The reference script
tests/data/make_advanced_autodiff_tf_reference.py ran them under TensorFlow 2.21 and stored what
each printed (or the repr of its last expression, as a notebook shows it) in
tests/data/advanced_autodiff_tf_reference.json; the tests run the same cells in order under
`import tapeviz.tf as tf` (`helpers.Notebook`) and compare, then check what the guide says of them.
Cells that draw random numbers (tf.random.normal, fresh Dense layers) print shapes, which are
compared; their numbers differ from TF's by construction, so the tests check the properties
the guide states instead (a Hessian is symmetric, the Jacobian sums to the gradient, ...).

Sections:
  1. controlling recording: stop_recording, reset, stop_gradient
  2. custom gradients: clip_gradients; the SavedModel cell (out of scope: one clear error)
  3. multiple tapes and higher-order gradients, input gradient regularization
  4. Jacobians: scalar source, tensor source, Hessian and a Newton step, batch Jacobian
     (tf.einsum picks the diagonal; after BatchNormalization the slices are not diagonal)

Cells skipped, and why (each has a test that documents it):
  - matplotlib plotting cells (siNZaklc0_-e, DExOxd7Ok2H0, ZFl9uj3ueVSH): pictures, nothing
    printed; their inputs are checked. The two that pad a Jacobian into patches (g4ZoRJcJNmy5,
    SNyZ1WhJMVLm, with imshow_zero_center, 8TCHc7Vrf52S) run unchanged with a stand-in ``plt``
    that keeps what imshow gets; its shape, extent and padding are compared with TF's.
  - tf.saved_model.save/load (xZTrgy2q-9pq): a SavedModel is a serialized TF graph; tapeviz
    runs eagerly on numpy and raises OutOfScopeError saying so.
"""
