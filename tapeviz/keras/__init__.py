"""Keras-style layers, models (compile/fit), losses, metrics and optimizers on tapeviz's engine (``tf.keras`` in ``tapeviz.tf``).

Weights are random unless seeded: ``tapeviz.keras.utils.set_random_seed(0)`` makes the
initial weights (and ``tf.random`` draws) the same on every run.
"""

from __future__ import annotations

from typing import Any

from . import activations, backend, initializers, layers, losses, metrics, models, optimizers, utils
from .backend import Variable
from .layers import Input, InputLayer, Layer
from .models import Functional, Model, Sequential
from .symbolic import KerasTensor
from .training import History

__all__ = [
    "Functional", "History", "Input", "InputLayer", "KerasTensor", "Layer", "Model", "Sequential", "Variable", "activations", "backend", "initializers", "layers",
    "losses", "metrics", "models", "optimizers", "utils",
]


def __getattr__(name: str) -> Any:
    from .missing import missing_name

    raise missing_name("tapeviz.keras", name, __all__, f"{', '.join(__all__)} (the parts of Keras that autodiff tutorials use)")
