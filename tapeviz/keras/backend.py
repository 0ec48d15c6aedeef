"""Keras-wide state: the float type, epsilon, unique layer names, the seeded weight generator.

``clear_session()`` resets the name counters (``dense``, ``dense_1``, … start again), as
``keras.backend.clear_session()`` does. Importing this module registers Keras's ``ProgramHooks``
with the engine: the program runner clears the session before each program and reads the last
fit's trainer and the optimizers made after it, without importing Keras itself.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import engine as E
from ..engine.program_hooks import ProgramHooks, register_program_hooks

_FLOATX = "float32"
_EPSILON = 1e-7
_name_counts: dict[str, int] = {}


def floatx() -> str:
    """The default float type of weights and losses (``"float32"``)."""
    return _FLOATX


def set_floatx(value: str) -> None:
    global _FLOATX
    if value not in ("float16", "float32", "float64"):
        raise ValueError(f"Unknown floatx type: {value!r}; expected 'float16', 'float32' or 'float64'")
    _FLOATX = value


def epsilon() -> float:
    """The fuzz factor losses clip probabilities with (1e-7, as Keras)."""
    return _EPSILON


def snake_case(name: str) -> str:
    """``SimpleModel`` → ``simple_model`` (how Keras names a layer after its class)."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()


def unique_name(base: str) -> str:
    """``dense``, then ``dense_1``, ``dense_2``… for the life of the session."""
    count = _name_counts.get(base, 0)
    _name_counts[base] = count + 1
    return base if count == 0 else f"{base}_{count}"


def clear_session() -> None:
    """Forget every name handed out so far (the next Dense is ``dense`` again), and the last fit."""
    global _fit_trainer
    _name_counts.clear()
    _fit_trainer = None
    _optimizers.clear()


# ---- the last fit ------------------------------------------------------------------------
# ``Model.fit`` leaves here a function that trains one more batch; the program runner hands it
# to the trace as its trainer when the program defines no ``train_step()`` of its own.
_fit_trainer: Callable[[], Any] | None = None


def set_fit_trainer(trainer: Callable[[], Any] | None) -> None:
    global _fit_trainer
    _fit_trainer = trainer


_optimizers: list[Any] = []  # every optimizer made since clear_session, for optimizer_configs()


def track_optimizer(optimizer: Any) -> None:
    _optimizers.append(optimizer)


def optimizer_configs() -> dict[str, dict[str, Any]]:
    """Each optimizer's class, hyperparameters and declared state (slots and their symbols, the
    update rule's terms) by its name (the prefix of its slots' paths): what a view needs, besides
    the slot events, to write an update rule with its numbers (``Optimizer.described()``)."""
    return {opt.name: opt.described() for opt in _optimizers}


def fit_trainer() -> Callable[[], Any] | None:
    """What trains one more batch of the last ``fit`` (None if nothing was fitted since clear_session)."""
    return _fit_trainer


# ---- random weights ---------------------------------------------------------------------
# Initializers draw from this generator. It is unseeded (different weights every run, as in
# Keras) until ``tapeviz.keras.utils.set_random_seed(seed)`` makes every run the same.
_generator: np.random.Generator = np.random.default_rng()


def generator() -> np.random.Generator:
    return _generator


def seed_generator(seed: int | None) -> None:
    global _generator
    _generator = np.random.default_rng(None if seed is None else int(seed))


class Variable(E.Variable):
    """A Keras 3 weight: ``name`` is short (``kernel``), ``path`` is the full scope path."""

    __slots__ = ()

    def __repr__(self) -> str:
        value = np.array2string(self._value, separator=" ", threshold=60, edgeitems=3)
        return f"<Variable path={self.path}, shape={self.shape}, dtype={self._value.dtype.name}, value={value}>"

    __str__ = __repr__


def make_variable(value: Any, name: str, path: str, trainable: bool = True) -> Variable:
    return Variable(value, trainable=trainable, name=name, path=path)


def warn(message: str, category: type[Warning]) -> None:
    """``warnings.warn`` attributed to the first caller outside tapeviz.keras (the user's line)."""
    import sys
    import warnings

    frame = sys._getframe(0)
    level = 1
    while frame is not None and str(frame.f_globals.get("__name__", "")).startswith("tapeviz.keras"):
        frame = frame.f_back
        level += 1
    warnings.warn(message, category, stacklevel=level)


# ---- the program runner ------------------------------------------------------------------
def _program_meta() -> dict[str, Any]:
    configs = optimizer_configs()
    return {"optimizers": configs} if configs else {}


def _save_random() -> Callable[[], None]:
    """The initializers' generator state, and what puts it back (a replay checkpoint)."""
    generator, state = _generator, copy.deepcopy(_generator.bit_generator.state)

    def restore() -> None:
        global _generator
        _generator = generator
        generator.bit_generator.state = copy.deepcopy(state)

    return restore


register_program_hooks("tapeviz.keras", ProgramHooks(fresh=clear_session, trainer=fit_trainer, meta=_program_meta,
                                                     save_random=_save_random))
