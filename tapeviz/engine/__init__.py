"""The engine: tensors, the op registry, GradientTape and events. numpy and stdlib only."""

from __future__ import annotations

from typing import Any as _Any

from . import api as _api  # first: tensor, registry and api import each other
from . import dtypes as _dtypes
from . import fastops as _fastops  # noqa: F401  (derives its functions as ops register)
from . import ops as _ops  # noqa: F401  (registers every op)
from . import random  # noqa: F401  (the shared random state: engine.random)
from .api import *  # noqa: F401,F403  (every op function, derived from the registry)
from .custom_gradient import custom_gradient
from .dtypes import *  # noqa: F401,F403  (DType, as_dtype and every dtype object)
from .errors import DTypeError, ProgramError, ShapeError, TapeError, TapevizError
from .events import subscribe, unsubscribe
from .registry import REGISTRY, OpDef, register, unregister
from .scope import current_scope, name_scope
from .tape import GradientTape, UnconnectedGradients, recording_tapes
from .tensor import Tensor, TensorShape, Variable

__all__ = [
    "DTypeError", "GradientTape", "OpDef", "ProgramError", "REGISTRY", "ShapeError", "TapeError",
    "TapevizError", "Tensor", "TensorShape", "UnconnectedGradients", "Variable",
    "current_scope", "custom_gradient", "name_scope", "random", "recording_tapes", "register", "subscribe",
    "unregister", "unsubscribe",
    *_dtypes.__all__,
    *_api.__all__,
]


def __getattr__(name: str) -> _Any:
    """An op registered after this package was imported (its function lives in ``engine.api``)."""
    if name in _api.__all__:
        return getattr(_api, name)
    raise AttributeError(f"module 'tapeviz.engine' has no attribute {name!r}")
