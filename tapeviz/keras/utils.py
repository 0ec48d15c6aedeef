"""``keras.utils.set_random_seed``: one call makes weights and random data reproducible."""

from __future__ import annotations

import random

from . import backend


def set_random_seed(seed: int) -> None:
    """Seed Keras's weight initializers, ``tf.random``, numpy's and Python's generators."""
    import numpy as np

    from ..tf import random as tf_random

    seed = int(seed)
    backend.seed_generator(seed)
    tf_random.set_seed(seed)
    random.seed(seed)
    np.random.seed(seed)
