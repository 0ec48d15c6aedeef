"""``tf.dtypes``: the dtype objects (``tf.float32`` prints as ``<dtype: 'float32'>``)."""

from __future__ import annotations

from ..engine.dtypes import (  # noqa: F401
    DType, as_dtype, bool_ as bool, float16, float32, float64, int8, int16, int32, int64, uint8,  # noqa: A004
)
from ..engine.api import cast  # noqa: F401
