"""Tensor (an immutable numpy-backed value) and Variable (named, assignable state)."""

from __future__ import annotations

import itertools
import weakref
from typing import Any

import numpy as np

from . import dtypes
from .errors import DTypeError, ShapeValueError
from .events import VariableAssigned, emit, listeners

__all__ = ["EagerTensor", "Tensor", "TensorRefKey", "TensorShape", "Variable", "to_array"]

# Ids are small deterministic integers; 0 means "not yet needed". A Tensor gets one the
# first time a tape records it, a Variable when it is created.
_tensor_ids = itertools.count(1)

_PYTHON_FLOAT = np.dtype("float32")
_PYTHON_INT = np.dtype("int32")


class TensorShape(tuple):
    """A tuple of dimensions that also answers TF's ``as_list()`` and ``rank``."""

    def as_list(self) -> list[int]:
        return list(self)

    @property
    def rank(self) -> int:
        return len(self)

    ndims = rank

    def num_elements(self) -> int:
        return int(np.prod(self, dtype=np.int64))

    def __repr__(self) -> str:
        return f"TensorShape({list(self)})"

    def __str__(self) -> str:
        return "(" + ", ".join(str(d) for d in self) + ("," if len(self) == 1 else "") + ")"


def _array_text(value: np.ndarray) -> str:
    """The value as ``print(tensor)`` shows it in TF: numpy's ``str``, on its own line when multi-line."""
    text = repr(value.item()) if value.ndim == 0 and value.dtype.kind == "S" else str(value)
    return "\n" + text if "\n" in text else text


class Tensor:
    """An immutable value. Ops make new tensors; the stored array is never written to."""

    # ``_ref``: the TensorRef events use for this tensor, made once when first needed.
    __slots__ = ("_value", "_id", "_ref", "__weakref__")
    # Make ``ndarray * tensor`` call Tensor.__rmul__ instead of numpy broadcasting over it.
    __array_priority__ = 1000

    def __new__(cls, *args: Any, **kwargs: Any) -> Tensor:
        # A tensor value is an EagerTensor, as in TF (``type(x).__name__ == "EagerTensor"``).
        return object.__new__(EagerTensor if cls is Tensor else cls)

    def __init__(self, value: Any, dtype: Any = None) -> None:
        self._value = to_array(value, dtype)
        self._id = 0
        self._ref = None

    @classmethod
    def _wrap(cls, array: np.ndarray) -> Tensor:
        """Make a tensor around an array the engine just created (no copy, no checks)."""
        t = object.__new__(EagerTensor)
        t._value = array
        t._id = 0
        t._ref = None
        return t

    # ---- identity and metadata -------------------------------------------------------
    @property
    def id(self) -> int:
        if not self._id:
            self._id = next(_tensor_ids)
        return self._id

    @property
    def shape(self) -> TensorShape:
        return TensorShape(self._value.shape)

    @property
    def dtype(self) -> dtypes.DType:
        return dtypes.from_numpy(self._value.dtype)

    @property
    def ndim(self) -> int:
        return self._value.ndim

    @property
    def device(self) -> str:
        """Where the value lives, as TF names it: tapeviz computes on the CPU, with numpy."""
        return "/job:localhost/replica:0/task:0/device:CPU:0"

    @property
    def size(self) -> int:
        return self._value.size

    def numpy(self) -> np.ndarray | Any:
        """A writable copy of the value (a numpy scalar for a 0-d tensor, as in TF)."""
        value = self._value
        if value.dtype.kind == "S":  # as TF: Python bytes, in an object array when not a scalar
            return value.item() if value.ndim == 0 else value.astype(object)
        return value[()] if value.ndim == 0 else value.copy()

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        value = self._value
        if dtype is not None and np.dtype(dtype) != value.dtype:
            return value.astype(dtype)
        return value.copy() if copy else value

    def ref(self) -> TensorRefKey:
        """A hashable key for this tensor (TF tensors are unhashable; use ``t.ref()``)."""
        return TensorRefKey(self)

    # ---- Python protocol -------------------------------------------------------------
    def __repr__(self) -> str:
        return f"<tf.Tensor: shape={self.shape}, dtype={self.dtype.name}, numpy={_numpy_repr(self._value)}>"

    def __str__(self) -> str:
        return f"tf.Tensor({_array_text(self._value)}, shape={self.shape}, dtype={self.dtype.name})"

    def __format__(self, format_spec: str) -> str:
        """``f"{loss:.4f}"`` formats the value as numpy does (as TF's EagerTensor does)."""
        return self._value.__format__(format_spec)

    def __bool__(self) -> bool:
        """``if x > 0.0:`` works on a one-element tensor; an empty one is False (as in TF)."""
        if self._value.size > 1:
            raise ValueError(
                "The truth value of an array with more than one element is ambiguous "
                f"(a tensor of shape {tuple(self._value.shape)}); use tf.reduce_any() or tf.reduce_all()"
            )
        return bool(self._value.size and self._value)

    def __float__(self) -> float:
        return float(self._value)

    def __int__(self) -> int:
        return int(self._value)

    def __index__(self) -> int:
        if self._value.dtype.kind not in "iu":
            raise TypeError(f"only integer tensors can be used as an index, not {self._value.dtype.name}")
        return int(self._value)

    def __len__(self) -> int:
        if self._value.ndim == 0:
            raise TypeError("len() of a scalar tensor")
        return self._value.shape[0]

    def __iter__(self):
        if self._value.ndim == 0:
            raise TypeError("cannot iterate over a scalar tensor")
        return (self[i] for i in range(self._value.shape[0]))

    def __hash__(self) -> int:
        # Like TF: elementwise == makes tensors unhashable; ref() gives a hashable key.
        raise TypeError("Tensor is unhashable. Instead, use tensor.ref() as the key.")

    # Arithmetic goes through the op registry, so it is recorded and differentiable.
    def __add__(self, other: Any) -> Tensor:
        return _api.add(self, other)

    def __radd__(self, other: Any) -> Tensor:
        return _api.add(other, self)

    def __sub__(self, other: Any) -> Tensor:
        return _api.subtract(self, other)

    def __rsub__(self, other: Any) -> Tensor:
        return _api.subtract(other, self)

    def __mul__(self, other: Any) -> Tensor:
        return _api.multiply(self, other)

    def __rmul__(self, other: Any) -> Tensor:
        return _api.multiply(other, self)

    def __truediv__(self, other: Any) -> Tensor:
        return _api.divide(self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        return _api.divide(other, self)

    def __pow__(self, other: Any) -> Tensor:
        return _api.power(self, other)

    def __rpow__(self, other: Any) -> Tensor:
        return _api.power(other, self)

    def __matmul__(self, other: Any) -> Tensor:
        return _api.matmul(self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return _api.matmul(other, self)

    def __neg__(self) -> Tensor:
        return _api.negative(self)

    def __pos__(self) -> Tensor:
        return self

    def __abs__(self) -> Tensor:
        return _api.abs(self)

    def __getitem__(self, key: Any) -> Tensor:
        return _api.getitem(self, key)

    def __lt__(self, other: Any) -> Tensor:
        return _api.less(self, other)

    def __le__(self, other: Any) -> Tensor:
        return _api.less_equal(self, other)

    def __gt__(self, other: Any) -> Tensor:
        return _api.greater(self, other)

    def __ge__(self, other: Any) -> Tensor:
        return _api.greater_equal(self, other)

    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        return _api.equal(self, other)

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return _api.not_equal(self, other)


class EagerTensor(Tensor):
    """The concrete type of every tensor value; named as in TF so ``type(x).__name__`` reads the same."""

    __slots__ = ()


class TensorRefKey:
    """Hashable wrapper returned by ``Tensor.ref()``; ``deref()`` gives the tensor back."""

    __slots__ = ("_tensor",)

    def __init__(self, tensor: Tensor) -> None:
        self._tensor = tensor

    def deref(self) -> Tensor:
        return self._tensor

    def __hash__(self) -> int:
        return hash(id(self._tensor))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TensorRefKey) and other._tensor is self._tensor


def _numpy_repr(value: np.ndarray) -> str:
    """The ``numpy=`` part of a repr, as TF writes it: a Python scalar, or numpy's array repr."""
    if value.ndim == 0:
        return repr(value.item())
    text = repr(value.astype(object) if value.dtype.kind == "S" else value)
    return "\n" + text if "\n" in text else text


_LIVE_VARIABLES: dict[int, weakref.ref[Variable]] = {}  # id -> the variable (Variables are unhashable)


def live_variables() -> list[Variable]:
    """Every Variable alive in the process (weights, optimizer slots and counters), oldest first:
    what a checkpoint of a training run saves and restores (``tapeviz.trace.replay``)."""
    found = [ref() for ref in list(_LIVE_VARIABLES.values())]
    return [v for v in found if v is not None]


class Variable(Tensor):
    """Named, assignable state. ``assign*`` replaces the stored array; it never writes into it.

    Trainable variables read inside a ``GradientTape`` block are watched automatically.
    """

    __slots__ = ("name", "trainable", "path")

    def __init__(
        self,
        initial_value: Any,
        trainable: bool = True,
        name: str | None = None,
        dtype: Any = None,
        path: str | None = None,
    ) -> None:
        if callable(initial_value):
            initial_value = initial_value()
        super().__init__(initial_value, dtype)
        self._id = next(_tensor_ids)
        self.name = name if name is not None else "Variable:0"
        self.trainable = bool(trainable) and self._value.dtype.kind == "f"
        self.path = path if path is not None else self.name
        key = id(self)
        _LIVE_VARIABLES[key] = weakref.ref(self, lambda _ref, key=key: _LIVE_VARIABLES.pop(key, None))

    def __repr__(self) -> str:
        return (
            f"<tf.Variable '{self.name}' shape={self.shape} dtype={self.dtype.name}, "
            f"numpy={_numpy_repr(self._value)}>"
        )

    __str__ = __repr__

    def __hash__(self) -> int:
        raise TypeError(f"Variable is unhashable. Instead, use variable.ref() as the key. (Variable: {self!r})")

    def read_value(self) -> Tensor:
        """The current value as a plain tensor (recorded as an identity op when watched)."""
        return _api.identity(self)

    def value(self) -> Tensor:
        return self.read_value()

    def _replace(self, new_value: np.ndarray, method: str, fresh: bool = False) -> Variable:
        """Store ``new_value`` (checked, read-only). ``fresh``: it was just computed here, so no
        one else holds it and it need not be copied."""
        old = self._value
        if type(new_value) is not np.ndarray:  # 0-d arithmetic gives numpy scalars; keep arrays
            new_value = np.array(new_value)
        if new_value.shape != old.shape:
            raise ShapeValueError(
                f"{method} to variable '{self.path}': value of shape {new_value.shape} "
                f"does not match the variable's shape {old.shape}"
            )
        if new_value.dtype != old.dtype:
            if new_value.dtype.kind == "f" and old.dtype.kind == "f" and new_value.dtype.itemsize > old.dtype.itemsize:
                raise DTypeError(
                    f"{method} to variable '{self.path}': value is {new_value.dtype.name}, "
                    f"the variable is {old.dtype.name}"
                )
            new_value = new_value.astype(old.dtype)
        if fresh and type(new_value) is np.ndarray and new_value.base is None:
            new_value.setflags(write=False)
        elif new_value.base is not None or new_value.flags.writeable:
            new_value = np.array(new_value, copy=True)
            new_value.setflags(write=False)
        self._value = new_value
        if listeners:
            emit(VariableAssigned(self._id, self.path, method, old, new_value, self.trainable))
        return self

    def assign(self, value: Any, read_value: bool = True) -> Variable:
        """Replace the value (shape and dtype must match)."""
        return self._replace(_to_value_like(value, self._value.dtype), "assign")

    def assign_add(self, delta: Any, read_value: bool = True) -> Variable:
        """``v ← v + delta``: a new array, never an in-place update. Not differentiable."""
        return self._replace(self._value + _to_value_like(delta, self._value.dtype), "assign_add", fresh=True)

    def assign_sub(self, delta: Any, read_value: bool = True) -> Variable:
        """``v ← v − delta``: a new array, never an in-place update. Not differentiable."""
        return self._replace(self._value - _to_value_like(delta, self._value.dtype), "assign_sub", fresh=True)


def _to_value_like(value: Any, dtype: np.dtype) -> np.ndarray:
    if isinstance(value, Tensor):
        return value._value
    return np.asarray(value, dtype=dtype)


def to_array(value: Any, dtype: Any = None) -> np.ndarray:
    """Convert a Python/numpy value to a fresh read-only array with TF's default dtypes.

    Python floats become float32 and Python ints int32 (as in TF); numpy arrays keep their
    dtype unless ``dtype`` says otherwise. The result never aliases the caller's array.
    """
    want = None if dtype is None else dtypes.as_dtype(dtype).np
    if isinstance(value, Tensor):
        arr = value._value
        if want is not None and arr.dtype != want:
            raise DTypeError(f"tensor of dtype {arr.dtype.name} where {want.name} was requested; use tf.cast")
        return arr
    if isinstance(value, np.ndarray) or isinstance(value, np.generic):
        arr = np.array(value, dtype=want, copy=True)
    else:
        try:
            arr = np.array(value, dtype=want)
        except (ValueError, TypeError) as exc:
            raise TypeError(f"cannot convert {type(value).__name__} {value!r:.60} to a tensor: {exc}") from None
        if want is None:
            if arr.dtype.kind == "f":
                arr = arr.astype(_PYTHON_FLOAT)
            elif arr.dtype.kind in "iu":
                if arr.size and (arr.max() > 2**31 - 1 or arr.min() < -(2**31)):
                    arr = arr.astype(np.int64)
                else:
                    arr = arr.astype(_PYTHON_INT)
    if arr.dtype.kind == "c":
        raise DTypeError(f"complex numbers are outside tapeviz's scope (got {arr.dtype.name}): its tensors hold "
                         "floats, integers and booleans; keep the real and imaginary parts as two float tensors")
    if arr.dtype.kind == "U":  # text becomes UTF-8 bytes, as tf.constant("…") gives a tf.string
        arr = np.char.encode(arr, "utf-8")
    if arr.dtype.kind not in "fiubS":
        raise DTypeError(f"cannot convert a value of numpy dtype {arr.dtype} to a tensor")
    arr.setflags(write=False)
    return arr


from . import api as _api  # noqa: E402  (operators above call into the op API)
