"""Keras-style layers: a ``Layer`` base that builds its weights on the first call, ``Dense``,
``Activation``.

A layer's ``__call__`` opens a name scope with the layer's name, so the ops it records carry
paths like ``simple_model/dense_1/matmul`` and its weights paths like
``simple_model/dense_1/kernel``.
"""

from __future__ import annotations

import functools
import inspect
import threading
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from .. import engine as E
from ..engine.errors import ShapeValueError
from ..engine.scope import current_scope, scope_stack
from . import activations, backend, initializers, symbolic
from .symbolic import KerasTensor, Node, shape_tuple


class NotBuiltWarning(UserWarning):
    """A layer's weights were asked for before the layer had created them."""


class Layer:
    """Base class: tracks sublayers set as attributes, creates weights lazily in ``build()``."""

    def __init__(self, name: str | None = None, trainable: bool = True, dtype: Any = None, **kwargs: Any) -> None:
        unknown = set(kwargs) - {"input_shape", "input_dim", "batch_size", "autocast"}
        if unknown:
            raise TypeError(f"{type(self).__name__}: unexpected keyword argument(s): {', '.join(sorted(unknown))}")
        # ``input_shape=(4,)`` / ``input_dim=4`` on a Sequential's first layer: the model builds at once.
        shape = kwargs.get("input_shape")
        if shape is None and kwargs.get("input_dim") is not None:
            shape = (kwargs["input_dim"],)
        self._input_shape_arg: tuple[int | None, ...] | None = (
            None if shape is None else (kwargs.get("batch_size"), *shape_tuple(shape, "input_shape"))
        )
        self._inbound_nodes: list[Node] = []
        if name is not None and (not isinstance(name, str) or not name or "/" in name):
            raise ValueError(f"a layer name must be a non-empty string without '/', got {name!r}")
        object.__setattr__(self, "_tracked", getattr(self, "_tracked", []))
        self.name = name if name is not None else backend.unique_name(backend.snake_case(type(self).__name__))
        self.trainable = bool(trainable)
        self.dtype = E.as_dtype(dtype or backend.floatx()).name
        self._np_dtype = np.dtype(self.dtype)
        self.built = False
        self._own_weights: list[backend.Variable] = []
        self._output_shape: tuple[int | None, ...] | None = None

    # ---- tracking ---------------------------------------------------------------------
    def __setattr__(self, name: str, value: Any) -> None:
        if not name.startswith("_"):
            tracked = self.__dict__.get("_tracked")
            if tracked is None:
                tracked = []
                object.__setattr__(self, "_tracked", tracked)
            candidates = value if isinstance(value, (list, tuple)) else (value,)
            for item in candidates:
                if isinstance(item, Layer) and item is not self and all(item is not t for t in tracked):
                    tracked.append(item)
        object.__setattr__(self, name, value)

    @property
    def layers(self) -> list[Layer]:
        """Sublayers in the order they were assigned."""
        return list(self.__dict__.get("_tracked", []))

    def _flatten_layers(self) -> Iterator[Layer]:
        yield self
        for layer in self.__dict__.get("_tracked", []):
            yield from layer._flatten_layers()

    # ---- weights ----------------------------------------------------------------------
    def add_weight(
        self,
        name: str,
        shape: Any,
        initializer: Any = "glorot_uniform",
        trainable: bool = True,
        dtype: Any = None,
    ) -> backend.Variable:
        """Create a weight now, named ``name``, with path ``<scope>/<layer>/<name>``."""
        shape = tuple(int(d) for d in shape)
        init = initializers.get(initializer)
        value = init(shape, dtype=E.as_dtype(dtype or self.dtype).name)
        scope = current_scope()
        if not (scope == self.name or scope.endswith("/" + self.name)):
            scope = f"{scope}/{self.name}" if scope else self.name
        var = backend.make_variable(value, name, f"{scope}/{name}", trainable=trainable)
        self._own_weights.append(var)
        return var

    def build(self, input_shape: tuple[int, ...]) -> None:
        """Create the weights, knowing the input shape (the base layer has none)."""
        self.built = True

    @property
    def weights(self) -> list[backend.Variable]:
        """All weights: this layer's (creation order, kernel before bias), then each sublayer's."""
        out: list[backend.Variable] = []
        seen: set[int] = set()
        for layer in self._flatten_layers():
            for w in layer._own_weights:
                if id(w) not in seen:
                    seen.add(id(w))
                    out.append(w)
        return out

    @property
    def variables(self) -> list[backend.Variable]:
        return self.weights

    @property
    def trainable_variables(self) -> list[backend.Variable]:
        """The trainable weights. Empty until the first call creates them (with a warning)."""
        if not self.built:
            self._warn_not_built("trainable_variables")
        if not self.trainable:
            return []
        frozen = self._frozen_weight_ids()
        return [w for w in self.weights if w.trainable and id(w) not in frozen]

    trainable_weights = trainable_variables

    @property
    def non_trainable_variables(self) -> list[backend.Variable]:
        frozen = self._frozen_weight_ids()
        return [w for w in self.weights if not (w.trainable and self.trainable and id(w) not in frozen)]

    non_trainable_weights = non_trainable_variables

    def _frozen_weight_ids(self) -> set[int]:
        """``id()`` of each weight that a non-trainable layer owns (in this layer or below): such a
        weight is not trainable, whatever its own flag says. One walk over the layers (the
        training loop asks for ``trainable_variables`` every step)."""
        return {id(w) for layer in self._flatten_layers() if not layer.trainable for w in layer._own_weights}

    def _warn_not_built(self, attribute: str) -> None:
        unbuilt = [layer for layer in self._flatten_layers() if not layer.built and type(layer).build is not Layer.build]
        if not unbuilt:
            return
        kind = type(self).__name__
        what = "model" if _is_model(self) else "layer"
        backend.warn(
            f"{kind} '{self.name}' has not been called yet, so {attribute} is an empty list: Keras "
            "layers create their weights on the first call, from the shape of the input. Call it once "
            f"first (e.g. outputs = {what}(inputs)) and read {attribute} afterwards; a list taken now "
            "stays empty, so gradients computed with it are empty and apply_gradients has nothing to update.",
            NotBuiltWarning,
        )

    def get_weights(self) -> list[np.ndarray]:
        """Copies of the weights as numpy arrays, in ``weights`` order."""
        return [w.numpy() for w in self.weights]

    def set_weights(self, weights: list[Any]) -> None:
        """Assign every weight at once; the number of arrays and their shapes must match."""
        mine = self.weights
        weights = list(weights)
        if len(weights) != len(mine):
            raise ShapeValueError(
                f"set_weights() on layer '{self.name}': got {len(weights)} array(s), but the layer has "
                f"{len(mine)} weight(s)" + ("" if mine else " (it has not been called yet, so it has no weights)")
            )
        arrays = [np.asarray(w) for w in weights]
        for var, arr in zip(mine, arrays):
            if tuple(arr.shape) != tuple(var.shape):
                raise ShapeValueError(
                    f"set_weights() on layer '{self.name}': weight '{var.path}' has shape {tuple(var.shape)}, "
                    f"the array given has shape {tuple(arr.shape)}"
                )
        for var, arr in zip(mine, arrays):
            var.assign(arr.astype(var._value.dtype))

    def count_params(self) -> int:
        return int(sum(int(np.prod(w.shape)) for w in self.weights))

    # ---- calling ----------------------------------------------------------------------
    def __call__(self, inputs: Any, *args: Any, **kwargs: Any) -> Any:
        """Build on the first call, then ``call()`` inside the layer's name scope.

        ``training`` is passed to ``call()`` when it has a ``training`` parameter; either way it
        holds for the sublayers called inside (``model(x, training=True)`` reaches a Dropout).
        Not given, it is the caller's, else the ``call`` signature's default, as in Keras.
        Called on ``keras.Input`` placeholders (the functional API), it builds the layer and
        returns placeholders, recording no op.
        """
        if (args or kwargs or not isinstance(inputs, E.Tensor)) and (  # (a lone tensor holds no placeholder)
                isinstance(inputs, KerasTensor) or symbolic.holds_symbolic((inputs, args, kwargs))):
            return self._symbolic_call(inputs, args, kwargs)
        inputs = self._convert_input(inputs)
        training = kwargs.pop("training", None)
        if training is None and _training_stack():
            training = _training_stack()[-1]
        takes, default = _training_parameter(type(self).call)
        if training is None and takes:
            training = default  # as Keras: the call's own default, then passed down
        if training is not None and takes:
            kwargs["training"] = training
        scopes, trainings = scope_stack(), _training_stack()
        scopes.append(self.name)
        trainings.append(None if training is None else bool(training))
        try:
            if not self.built:
                self._build_for(inputs)
            outputs = self.call(inputs, *args, **kwargs)
        finally:
            trainings.pop()
            scopes.pop()
        if isinstance(outputs, E.Tensor):  # for summary(): the shape built for (batch None) wins over a call's
            shape = outputs._value.shape
            if symbolic.trial_batches and shape:
                self._output_shape = (symbolic.trial_batches[-1], *shape[1:])
                self._symbolic_shape = True
            elif not getattr(self, "_symbolic_shape", False):
                self._output_shape = shape
        return outputs

    # ---- symbolic calls (the functional API, build(shape)): see ``symbolic`` ------------------
    def _trial_run(self, structure: Any, kwargs: dict[str, Any] | None = None) -> Any:
        return symbolic.trial_run(self, structure, kwargs)

    def _symbolic_call(self, inputs: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        return symbolic.symbolic_call(self, inputs, args, kwargs)

    def _convert_input(self, inputs: Any) -> Any:
        """Arrays and lists become tensors of the layer's dtype; float tensors are cast to it."""
        if isinstance(inputs, E.Tensor):
            dt = inputs._value.dtype
            if dt is not self._np_dtype and dt.kind == "f" and dt != self._np_dtype:
                return E.cast(inputs, self.dtype)
            return inputs
        if isinstance(inputs, (np.ndarray, np.generic, float, int, list)) and not _holds_tensors(inputs):
            arr = np.asarray(inputs)
            if arr.dtype.kind in "fiub":
                return E.constant(arr.astype(self.dtype) if arr.dtype.kind in "fiu" else arr)
        return inputs

    def _build_for(self, inputs: Any) -> None:
        shape = tuple(inputs._value.shape) if isinstance(inputs, E.Tensor) else None
        if type(self).build is not Layer.build:
            if shape is None:
                raise TypeError(f"layer '{self.name}' needs a tensor input to build its weights, got {type(inputs).__name__}")
            self.build(shape)
        self.built = True

    def call(self, inputs: Any, *args: Any, **kwargs: Any) -> Any:
        """The computation; the base layer passes its input through."""
        return inputs

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


class _Training(threading.local):
    def __init__(self) -> None:
        self.stack: list[bool | None] = []  # the ``training`` flag of the layers being called


_training = _Training()


def _training_stack() -> list[bool | None]:
    """The calling thread's ``training`` flags (per thread, like the tapes and name scopes)."""
    return _training.stack


@functools.cache
def _training_parameter(call: Callable[..., Any]) -> tuple[bool, Any]:
    """Whether ``call`` has a ``training`` parameter, and its default (None when it has none)."""
    try:
        parameter = inspect.signature(call).parameters.get("training")
    except (TypeError, ValueError):
        return False, None
    if parameter is None:
        return False, None
    return True, None if parameter.default is inspect.Parameter.empty else parameter.default


def _is_model(layer: Layer) -> bool:
    return any(cls.__name__ == "Model" and cls.__module__.startswith("tapeviz.keras") for cls in type(layer).__mro__)


def _holds_tensors(value: Any) -> bool:
    return isinstance(value, list) and any(isinstance(v, E.Tensor) or isinstance(v, list) and _holds_tensors(v) for v in value)


def _positive_int(value: Any, what: str, layer: str) -> int:
    """``value`` as an int, or ``ValueError: LAYER: WHAT must be a positive integer`` (units, filters, ...)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{layer}: {what} must be a positive integer, got {value!r}")
    return int(value)


class _KernelLayer(Layer):
    """A layer computing ``activation(op(inputs, kernel) + bias)`` (``Dense``, ``Conv2D``): the
    activation, the optional bias and the initializers they share, their weights and their last steps."""

    kernel: backend.Variable | None = None
    bias: backend.Variable | None = None

    def _kernel_setup(self, activation: str | Callable[..., Any] | None, use_bias: bool,
                      kernel_initializer: Any, bias_initializer: Any) -> None:
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel = self.bias = None

    def _add_weights(self, kernel_shape: tuple[int, ...], units: int) -> None:
        self.kernel = self.add_weight("kernel", kernel_shape, self.kernel_initializer)
        if self.use_bias:
            self.bias = self.add_weight("bias", (units,), self.bias_initializer)
        self.built = True

    def _finish(self, x: E.Tensor) -> E.Tensor:
        """``activation(x + bias)`` (no add without a bias)."""
        if self.bias is not None:
            x = E.add(x, self.bias)
        return self.activation(x)


class Dense(_KernelLayer):
    """``activation(inputs @ kernel + bias)``; kernel ``(in, units)``, bias ``(units,)``."""

    def __init__(
        self,
        units: int,
        activation: str | Callable[..., Any] | None = None,
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(name=name, **kwargs)
        self.units = _positive_int(units, "units", "Dense")
        self._kernel_setup(activation, use_bias, kernel_initializer, bias_initializer)

    def build(self, input_shape: tuple[int, ...]) -> None:
        if len(input_shape) < 2:
            raise ShapeValueError(
                f"Input of layer '{self.name}' is incompatible with the layer: expected min_ndim=2, "
                f"found ndim={len(input_shape)}. Full shape received: {tuple(input_shape)}"
            )
        self._add_weights((input_shape[-1], self.units), self.units)

    def call(self, inputs: Any) -> E.Tensor:
        kernel = self.kernel
        shape = inputs._value.shape
        if len(shape) < 2 or shape[-1] != kernel._value.shape[0]:
            raise ShapeValueError(
                f"Input of layer '{self.name}' is incompatible with the layer: expected axis -1 of input "
                f"shape to have value {kernel._value.shape[0]}, but received input with shape {tuple(shape)}"
            )
        return self._finish(E.matmul(inputs, kernel))

    def __repr__(self) -> str:
        return f"<Dense name={self.name}, units={self.units}, activation={activations.serialize(self.activation)}>"


class Activation(Layer):
    """Applies an activation function (``Activation("softmax")``)."""

    def __init__(self, activation: str | Callable[..., Any], name: str | None = None, **kwargs: Any) -> None:
        super().__init__(name=name, **kwargs)
        self.activation = activations.get(activation)

    def call(self, inputs: Any) -> E.Tensor:
        return self.activation(inputs)


class Softmax(Layer):
    def __init__(self, axis: int = -1, name: str | None = None, **kwargs: Any) -> None:
        super().__init__(name=name, **kwargs)
        self.axis = axis

    def call(self, inputs: Any) -> E.Tensor:
        return activations.softmax(inputs, axis=self.axis)


class ReLU(Layer):
    def call(self, inputs: Any) -> E.Tensor:
        return activations.relu(inputs)



from .conv import AveragePooling2D, Conv2D, Embedding, GlobalAveragePooling2D, MaxPooling2D  # noqa: E402  (the same)
from .core_layers import Dropout, Flatten, Lambda  # noqa: E402  (they subclass Layer, defined above)
from .input_layer import Input, InputLayer  # noqa: E402  (the same)
from .merging import Add, Concatenate, Multiply  # noqa: E402  (the same)
from .normalization import BatchNormalization  # noqa: E402  (the same)

# Layers defined in other modules join here; add a module's layers to this list to expose them.
__all__ = [
    "Activation", "Add", "AveragePooling2D", "BatchNormalization", "Concatenate", "Conv2D", "Dense", "Dropout",
    "Embedding", "Flatten", "GlobalAveragePooling2D", "Input", "InputLayer", "Lambda", "Layer", "MaxPooling2D",
    "Multiply", "ReLU", "Softmax",
]


def __getattr__(name: str) -> Any:
    from .missing import missing_name

    raise missing_name("tapeviz.keras.layers", name, __all__, ", ".join(__all__))
