"""``tf.dtypes``: the dtype objects (``tf.float32`` prints as ``<dtype: 'float32'>``)."""

from __future__ import annotations

from ..engine.api import cast  # noqa: F401
from ..engine.dtypes import (  # noqa: F401
    DType,  # noqa: A004
    as_dtype,
    float16,
    float32,
    float64,
    int8,
    int16,
    int32,
    int64,
    string,
    uint8,
)
from ..engine.dtypes import (
    bool_ as bool,
)

__all__ = ["DType", "as_dtype", "bool", "cast", "float16", "float32", "float64", "int8", "int16", "int32", "int64", "string", "uint8"]
