"""``tf.Tensor`` and ``tf.Variable`` as TensorFlow users meet them.

The engine's Variable is a kind of Tensor (a variable can be used wherever a tensor can, and
the engine treats both alike). TensorFlow's class tree differs: ``isinstance(v, tf.Tensor)`` is
False for a variable, and guide readers use exactly that to tell "I replaced my variable by a
tensor" apart. So ``tf.Tensor`` here is a type used for ``isinstance``/``issubclass`` checks that
answers as TF does (every tensor value, never a variable), while the engine stays as it is.

``tf.Variable(...)`` makes a ``ResourceVariable`` (the name ``type(v).__name__`` reads in TF)
named ``"<scope>/<name>:0"``; tensor values are ``EagerTensor`` objects (the engine's class).
"""

from __future__ import annotations

from typing import Any

from .. import engine as _E
from ..engine.tape import recording_tapes

__all__ = ["ResourceVariable", "Tensor", "Variable"]


class _TensorType(type):
    """Makes ``isinstance(x, tf.Tensor)`` true for tensor values and false for variables."""

    def __instancecheck__(cls, obj: Any) -> bool:
        return isinstance(obj, _E.Tensor) and not isinstance(obj, _E.Variable)

    def __subclasscheck__(cls, sub: Any) -> bool:
        if sub is cls:
            return True
        return isinstance(sub, type) and issubclass(sub, _E.Tensor) and not issubclass(sub, _E.Variable)


class Tensor(metaclass=_TensorType):
    """``tf.Tensor`` for type checks: matches every tensor value (an ``EagerTensor``), never a Variable.

    Tensors are made by ops and ``tf.constant``, not by calling this class.
    """

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        raise TypeError("tf.Tensor objects are made by ops; use tf.constant(value) to make one")


def _note_read(value: Any) -> None:
    """A trainable variable passed to ``assign*`` was read: recording tapes watch it, as in TF."""
    if not isinstance(value, _E.Variable) or not value.trainable:
        return
    for tape in recording_tapes():
        tape.note_variable_read(value)


class Variable(_E.Variable):
    """``tf.Variable``: named, assignable state; calling it creates a ``ResourceVariable``.

    As in TF the name gets the current name scope and a ``:0`` suffix (``"w"`` → ``"w:0"``, inside
    ``Module.name_scope`` → ``"lin/w:0"``) and is not made unique. ``trainable`` defaults to True
    for every dtype (an integer variable is watched but gets a None gradient). Arguments that
    only matter for graphs and devices are accepted and have no effect.
    """

    __slots__ = ()

    def __new__(cls, *args: Any, **kwargs: Any) -> Variable:
        return object.__new__(ResourceVariable if cls is Variable else cls)

    def __init__(
        self,
        initial_value: Any = None,
        trainable: bool | None = None,
        validate_shape: bool = True,
        caching_device: Any = None,
        name: str | None = None,
        variable_def: Any = None,
        dtype: Any = None,
        import_scope: Any = None,
        constraint: Any = None,
        synchronization: Any = None,
        aggregation: Any = None,
        shape: Any = None,
    ) -> None:
        if initial_value is None:
            raise ValueError("tf.Variable: initial_value must be specified")
        if constraint is not None:
            raise NotImplementedError("tapeviz.tf.Variable does not support constraint=")
        base = "Variable" if name is None else str(name)
        if base.endswith(":0"):
            base = base[:-2]
        scope = _E.current_scope()
        path = f"{scope}/{base}" if scope else base
        trainable = True if trainable is None else bool(trainable)
        super().__init__(initial_value, trainable=trainable, name=path + ":0", dtype=dtype, path=path)
        self.trainable = trainable  # TF keeps trainable=True for integer variables too

    def assign(self, value: Any, use_locking: Any = None, name: Any = None, read_value: bool = True) -> Variable:
        """Replace the value (same shape and dtype). The tape cannot see through an assignment."""
        _note_read(value)
        return super().assign(value)

    def assign_add(self, delta: Any, use_locking: Any = None, name: Any = None, read_value: bool = True) -> Variable:
        """``v ← v + delta``, a state change the tape does not differentiate through."""
        _note_read(delta)
        return super().assign_add(delta)

    def assign_sub(self, delta: Any, use_locking: Any = None, name: Any = None, read_value: bool = True) -> Variable:
        """``v ← v − delta``, a state change the tape does not differentiate through."""
        _note_read(delta)
        return super().assign_sub(delta)


class ResourceVariable(Variable):
    """The concrete class of ``tf.Variable(...)``, named as in TF."""

    __slots__ = ()
