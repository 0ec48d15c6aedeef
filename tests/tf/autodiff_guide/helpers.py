"""What the autodiff-guide tests share: TF's message texts, value checks, diagnostics capture."""


import contextlib
import io
import logging
import sys
import warnings
from collections.abc import Iterator

import numpy as np

# TF's sentence; tapeviz adds a hint after it (how to make the tape persistent).
NON_PERSISTENT_MSG = (
    "A non-persistent GradientTape can only be used to compute one set of gradients (or jacobians)"
)
INT_WATCH_WARNING = (
    "The dtype of the watched tensor must be floating (e.g. tf.float32), got tf.int32"
)


def as_np(t) -> np.ndarray:
    """The value of a tensor as a numpy array (fails loudly on None)."""
    assert t is not None, "expected a gradient tensor, got None"
    return np.asarray(t.numpy())


def close(t, expected, rtol: float = 1e-6, atol: float = 1e-7) -> None:
    np.testing.assert_allclose(as_np(t), np.asarray(expected, dtype=np.float64), rtol=rtol, atol=atol)


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(f"{record.levelname}:{record.name}:{record.getMessage()}")


@contextlib.contextmanager
def diagnostics() -> Iterator[list[str]]:
    """Collect whatever a call reports: log records, Python warnings and stderr text.

    TensorFlow reports through the `tensorflow` logger at WARNING level; tapeviz may use a
    logger or `warnings.warn`. The test only cares that the text reaches the learner.
    """
    out: list[str] = []
    handler = _Collect()
    loggers = [logging.getLogger(), logging.getLogger("tensorflow"), logging.getLogger("tapeviz")]
    old_levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.addHandler(handler)
        lg.setLevel(logging.DEBUG)
    err = io.StringIO()
    old_stderr = sys.stderr
    sys.stderr = err
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield out
    finally:
        sys.stderr = old_stderr
        for lg, lvl in zip(loggers, old_levels):
            lg.removeHandler(handler)
            lg.setLevel(lvl)
        out.extend(handler.messages)
        out.extend(str(w.message) for w in caught)
        out.append(err.getvalue())
