"""The engine's random state: one numpy generator that ``tf.random`` and Keras's seeding share.

It lives here, at the bottom of the layers, so that ``keras.utils.set_random_seed`` and
``tf.random.set_seed`` reach the same state without Keras importing the ``tf`` facade.
"""

from __future__ import annotations

import numpy as np

__all__ = ["get_generator", "set_seed"]

_generator = np.random.default_rng()


def set_seed(seed: int) -> None:
    """Make every later draw reproducible (the numbers differ from TF's, the behaviour is the same)."""
    global _generator
    _generator = np.random.default_rng(int(seed))


def get_generator(seed: int | None = None) -> np.random.Generator:
    """The shared generator, or a fresh one for an op-level ``seed`` (TF's per-call seed)."""
    return np.random.default_rng(seed) if seed is not None else _generator
