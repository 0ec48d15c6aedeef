"""`import tapeviz.tf as tf` on TF's "TensorFlow basics" guide (tensorflow/docs
``site/en/guide/basics.ipynb``), cell by cell.

``cells.py`` holds our own program for each guide cell; tests/data/make_guides_tf_reference.py
ran them once with TensorFlow 2.21 and stored what each printed, displayed or raised in
tests/data/guides_tf_reference.json; ``test_cells.py`` runs them with tapeviz and compares.

Covered: tensors (print, shape, dtype, +, *, @, concat, softmax, reduce_sum, convert_to_tensor),
the GPU question (``list_physical_devices('GPU')`` is ``[]``), variables (assign, assign_add),
a gradient, tf.function (values; see below), a tf.Module with a tf.function method, the
training loop (linspace, cast, a tf.Module model, MSE, tf.data batches and shuffle, 100 epochs
of SGD by hand), and Keras (Sequential with Lambda and Dense, compile with
``tf.keras.losses.MSE`` and SGD, fit, predictions).
Changed from the guide: random numbers are fixed arrays where values are compared (tapeviz uses
numpy's generator, not TF's; the random calls run in cells that compare shapes), ``fit`` runs
with ``shuffle=False`` for the same reason, and plots are left out.
Out of scope (tapeviz raises one error saying it is not done, and why): ``tf.saved_model.save``
/ ``load`` and ``model.save``. Different on purpose (checked below): ``tf.function`` runs its
Python body on every call, and ``assign`` returns the variable itself.
The Keras training of the guide's older version (a subclassed model) is in
tests/keras/test_basics_guide_fit.py.
"""
