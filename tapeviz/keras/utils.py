"""``keras.utils.set_random_seed``: one call makes weights and random data reproducible."""

from __future__ import annotations

import random

from . import backend

__all__ = ["set_random_seed"]


def set_random_seed(seed: int) -> None:
    """Seed Keras's weight initializers, ``tf.random``, numpy's and Python's generators."""
    import numpy as np

    from ..engine import random as engine_random

    seed = int(seed)
    backend.seed_generator(seed)
    engine_random.set_seed(seed)
    random.seed(seed)
    np.random.seed(seed)
