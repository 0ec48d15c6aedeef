"""``tapeviz.tf.keras`` is ``tapeviz.keras``: ``from tapeviz.tf.keras import Model, layers`` works.

The module replaces itself in ``sys.modules`` with ``tapeviz.keras`` and registers its
submodules under this name too, so ``tapeviz.tf.keras.layers`` is the same module object as
``tapeviz.keras.layers`` (never a second copy with a second ``Layer`` class).
"""

from __future__ import annotations

import sys

from .. import keras as _keras

for _name in ("activations", "backend", "initializers", "layers", "losses", "metrics", "models", "optimizers", "utils"):
    sys.modules[f"{__name__}.{_name}"] = getattr(_keras, _name)
sys.modules[__name__] = _keras
