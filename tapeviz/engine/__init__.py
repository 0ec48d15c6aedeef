"""The engine: tensors, the op registry, GradientTape and events. numpy and stdlib only."""

from __future__ import annotations

from . import api as _api  # noqa: F401  (first: tensor, registry and api import each other)
from . import ops as _ops  # noqa: F401  (registers every op)
from .api import *  # noqa: F401,F403
from .api import constant, convert
from .dtypes import (
    DType,
    as_dtype,
    bool_,
    float16,
    float32,
    float64,
    int8,
    int16,
    int32,
    int64,
    uint8,
)
from .errors import DTypeError, ProgramError, ShapeError, TapeError, TapevizError
from .events import subscribe, unsubscribe
from .registry import REGISTRY, OpDef
from .scope import current_scope, name_scope
from .tape import GradientTape, UnconnectedGradients
from .tensor import Tensor, TensorShape, Variable

__all__ = [
    "DType", "DTypeError", "GradientTape", "OpDef", "ProgramError", "REGISTRY", "ShapeError", "TapeError",
    "TapevizError", "Tensor", "TensorShape", "UnconnectedGradients", "Variable",
    "as_dtype", "bool_", "constant", "convert", "current_scope", "float16", "float32", "float64", "int8",
    "int16", "int32", "int64", "name_scope", "subscribe", "uint8", "unsubscribe",
]
