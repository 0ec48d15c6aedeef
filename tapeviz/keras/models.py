"""``Model`` (subclass it and write ``call()``), ``Sequential``, and the functional API
(``Model(inputs, outputs)``, a ``Functional``); ``summary()`` prints Keras's table.

A model whose input shape is known (``Input`` first, ``input_shape=`` on its first layer,
``build(shape)``) makes all its weights at once, by running its layers on zeros silently (see
``symbolic``): ``set_weights`` works straight away, and no op of that run reaches the trace.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from .. import engine as E
from ..engine.errors import ShapeValueError
from .layers import InputLayer, Layer
from .symbolic import KerasTensor, Node, leaves, map_structure
from .training import Trainer


class Model(Trainer, Layer):
    """A layer made of layers. Subclass it, set sublayers as attributes, write ``call()``;
    ``compile``/``fit``/``evaluate``/``predict`` come from ``Trainer``.

    ``SimpleModel()`` is named ``simple_model``; its layers' ops and weights live under
    ``simple_model/<layer>/``. ``Model(inputs, outputs)`` makes a ``Functional`` model instead.
    """

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        if cls is Model and (args or "inputs" in kwargs or "outputs" in kwargs):
            return super().__new__(Functional)
        return super().__new__(cls)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if args:
            raise TypeError(f"{type(self).__name__}.__init__ takes keyword arguments only (name=..., trainable=...)")
        super().__init__(**kwargs)

    def call(self, inputs: Any, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define call(self, inputs)")

    def build(self, input_shape: Any) -> None:
        """Make every weight now, for inputs of ``input_shape`` (``None`` for the batch)."""
        if type(self).call is Model.call:
            raise NotImplementedError(f"{type(self).__name__} must define call(self, inputs) before it can be built")
        self._trial_run(_placeholders(input_shape, self.dtype))
        self._build_input_shape = input_shape
        self.built = True

    build._tapeviz_default = True  # type: ignore[attr-defined]

    def _build_for(self, inputs: Any) -> None:
        # A first call on data builds the sublayers as they run (their weights under this
        # model's scope); only a build() the user wrote runs beforehand.
        if getattr(type(self).build, "_tapeviz_default", False):
            self.built = True
            return
        super()._build_for(inputs)

    def get_layer(self, name: str | None = None, index: int | None = None) -> Layer:
        """The layer called ``name``, or at position ``index`` of ``layers``."""
        if index is not None and name is None:
            if not -len(self.layers) <= index < len(self.layers):
                raise ValueError(f"Was asked to retrieve layer at index {index} but model only has "
                                 f"{len(self.layers)} layers.")
            return self.layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(f"No such layer: {name}. Existing layers are: {[layer.name for layer in self.layers]}.")

    @property
    def _known_input_shape(self) -> Any:
        """The batch shape this model was built for, if it knows one (for a Sequential around it)."""
        return getattr(self, "_build_input_shape", None)

    # ---- summary --------------------------------------------------------------------------
    def summary(self, line_length: int | None = None, positions: list[float] | None = None,
                print_fn: Callable[..., Any] | None = None, expand_nested: bool = False,
                show_trainable: bool = False, layer_range: Any = None) -> None:
        """Print Keras's table: each layer (type), its output shape and its parameter count
        (and, for a graph that is not a chain, what it is connected to), then the totals."""
        from rich.console import Console
        from rich.markup import escape
        from rich.table import Column, Table

        if expand_nested or show_trainable or layer_range is not None:
            raise NotImplementedError("tapeviz's summary() takes line_length, positions and print_fn")
        chain = self._sequential_like()
        if chain:
            default, header, justify = 88, ["Layer (type)", "Output Shape", "Param #"], ["left", "left", "right"]
            positions = positions or [0.45, 0.80, 1.0]
        else:
            default, header = 108, ["Layer (type)", "Output Shape", "Param #", "Connected to"]
            justify = ["left", "left", "right", "left"]
            positions = positions or [0.3, 0.56, 0.74, 1.0]
        width = line_length or min(default, shutil.get_terminal_size().columns - 4)
        if positions[-1] <= 1:
            positions = [int(width * p) for p in positions]
        columns, current = [], 0
        for name, align, position in zip(header, justify, positions):
            columns.append(Column(name, justify=align, width=position - current))  # type: ignore[arg-type]
            current = position
        table = Table(*columns, width=width, show_lines=True)
        for layer in self._summary_layers():
            params = f"{layer.count_params():,}" if layer.built else "0 (unbuilt)"
            row = [f"{escape(layer.name)} ({escape(type(layer).__name__)})", _shape_text(layer), params]
            if not chain:
                row.append(self._connections(layer))
            table.add_row(*row)
        trainable = self.trainable_weights_quiet()
        trainable_ids = {id(w) for w in trainable}
        frozen = [w for w in self.weights if id(w) not in trainable_ids]
        if print_fn is None:
            console = Console(highlight=False)
        else:
            console = Console(highlight=False, force_terminal=False, color_system=None)
            console.begin_capture()
        console.print(f'[bold]Model: "{escape(self.name)}"[/]')
        console.print(table)
        for label, weights in (("Total", [*trainable, *frozen]), ("Trainable", trainable), ("Non-trainable", frozen)):
            count = sum(int(w._value.size) for w in weights)
            console.print(f"[bold] {label} params: [/]{count:,} ({_memory_size(weights)})")
        if print_fn is not None:
            print_fn(console.end_capture())

    def _summary_layers(self) -> list[Layer]:
        return self.layers

    def _sequential_like(self) -> bool:
        return True

    def _connections(self, layer: Layer) -> str:
        return "-"

    def trainable_weights_quiet(self) -> list[Any]:
        """Trainable weights without the not-built warning (for summaries)."""
        if not self.trainable:
            return []
        frozen = self._frozen_weight_ids()
        return [w for w in self.weights if w.trainable and id(w) not in frozen]


class Sequential(Model):
    """Layers applied one after the other: ``Sequential([Dense(5, activation="relu"), Dense(2)])``.

    With ``keras.Input(shape)`` (or ``InputLayer``) first, or ``input_shape=`` on the first
    layer, or a built model first, the model is built at once; else on its first call or
    ``build((None, ...))``.
    """

    def __init__(self, layers: Iterable[Layer] | None = None, trainable: bool = True, name: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(name=name, trainable=trainable, **kwargs)
        self._stack: list[Layer] = []
        self._input_layer: InputLayer | None = None
        for layer in layers or ():
            self.add(layer, rebuild=False)
        self._maybe_build()

    def add(self, layer: Layer | KerasTensor, rebuild: bool = True) -> None:
        if isinstance(layer, KerasTensor) and layer._node is not None:
            layer = layer._node.layer
        if isinstance(layer, InputLayer):
            if self._stack or self._input_layer is not None:
                raise ValueError(f"Sequential '{self.name}': an Input or InputLayer can only be the first layer")
            self._input_layer = layer
        elif not isinstance(layer, Layer):
            raise TypeError(f"Sequential.add() takes a layer, got {type(layer).__name__}")
        else:
            self._stack.append(layer)
            self._tracked.append(layer)
        if rebuild:
            self._maybe_build()

    def pop(self) -> Layer:
        layer = self._stack.pop()
        self._tracked.remove(layer)
        return layer

    @property
    def _known_input_shape(self) -> Any:
        if self._input_layer is not None:
            return self._input_layer.batch_shape
        if self._stack:
            first = self._stack[0]
            if first._input_shape_arg is not None:
                return first._input_shape_arg
            if isinstance(first, Model) and first._known_input_shape is not None:
                return first._known_input_shape
        return getattr(self, "_build_input_shape", None)

    def _maybe_build(self) -> None:
        shape = self._known_input_shape
        if shape is not None and self._stack:
            self.build(shape)

    def build(self, input_shape: Any = None) -> None:
        """Make every layer's weights now, for inputs of ``input_shape`` (``None`` for the batch)."""
        if input_shape is None:
            input_shape = self._known_input_shape
            if input_shape is None:
                raise ValueError(f"Sequential '{self.name}': build() needs an input shape, e.g. build((None, 4))")
        if self._stack:
            self._trial_run(_placeholders(input_shape, self.dtype))
        self._build_input_shape = tuple(input_shape)
        self.built = True

    build._tapeviz_default = True  # type: ignore[attr-defined]

    def call(self, inputs: Any, *args: Any, **kwargs: Any) -> Any:
        x = inputs
        for layer in self._stack:
            x = layer(x)
        return x


class Functional(Model):
    """``keras.Model(inputs, outputs)``: the layers that lead from ``keras.Input`` placeholders to
    the outputs, run in order on real data (one ``functional/<layer>/`` scope per layer)."""

    def __init__(self, inputs: Any, outputs: Any, name: str | None = None, trainable: bool = True,
                 **kwargs: Any) -> None:
        super().__init__(name=name, trainable=trainable, **kwargs)
        self._input_structure = inputs
        self._output_structure = outputs
        self._inputs = _symbolic_leaves(inputs, "inputs")
        self._outputs = _symbolic_leaves(outputs, "outputs")
        for kt in self._inputs:
            if not isinstance(kt._node.layer, InputLayer):
                raise ValueError(f"Model inputs must come from keras.Input(); {kt} is the output of layer "
                                 f"'{kt._node.layer.name}'")
        self._nodes = self._walk()
        self._operations: list[Layer] = []
        for node in self._nodes:
            if all(node.layer is not seen for seen in self._operations):
                self._operations.append(node.layer)
        for layer in self._operations:
            self._tracked.append(layer)
        self._build_input_shape = self._inputs[0].shape if len(self._inputs) == 1 else [t.shape for t in self._inputs]
        self.built = True

    def _walk(self) -> list[Node]:
        """The nodes from the inputs to the outputs, each after the nodes it reads (depth first)."""
        order: list[Node] = []
        inputs = {id(t) for t in self._inputs}

        def visit(kt: KerasTensor) -> None:
            node = kt._node
            if any(node is done for done in order):
                return
            if isinstance(node.layer, InputLayer) and id(kt) not in inputs:
                raise ValueError(
                    f"Graph disconnected: cannot find parent for tensor {kt}: the input '{node.layer.name}' it comes "
                    "from is not among the model's inputs"
                )
            for parent in node.inputs:
                visit(parent)
            order.append(node)

        for out in self._outputs:
            visit(out)
        return order

    @property
    def layers(self) -> list[Layer]:
        return list(self._operations)

    @property
    def inputs(self) -> list[KerasTensor]:
        return list(self._inputs)

    @property
    def outputs(self) -> list[KerasTensor]:
        return list(self._outputs)

    @property
    def input(self) -> Any:
        return self._input_structure

    @property
    def output(self) -> Any:
        return self._output_structure

    @property
    def output_names(self) -> list[str]:
        """Each output's name: its key when the outputs are a dict, else the layer that made it."""
        if isinstance(self._output_structure, dict):
            return list(self._output_structure)
        return [t._node.layer.name for t in self._outputs]

    def _convert_input(self, inputs: Any) -> Any:
        flat = self._flatten_inputs(inputs)
        return [layer_input._node.layer._convert_input(value) if not isinstance(value, E.Tensor) else value
                for layer_input, value in zip(self._inputs, flat)]

    def _flatten_inputs(self, inputs: Any) -> list[Any]:
        if isinstance(inputs, dict):
            names = [t._node.layer.name for t in self._inputs]
            missing = [n for n in names if n not in inputs]
            if missing:
                raise ShapeValueError(f"model '{self.name}' expects inputs named {names}; missing {missing}")
            return [inputs[n] for n in names]
        if len(self._inputs) == 1:
            if isinstance(inputs, (list, tuple)) and len(inputs) == 1 and _is_array_like(inputs[0]):
                return [inputs[0]]
            return [inputs]
        if not isinstance(inputs, (list, tuple)) or len(inputs) != len(self._inputs):
            got = len(inputs) if isinstance(inputs, (list, tuple)) else 1
            raise ShapeValueError(f"model '{self.name}' expects {len(self._inputs)} input(s), but it received {got} "
                             "input tensors")
        return list(inputs)

    def call(self, inputs: Any, training: bool | None = None) -> Any:
        values: dict[int, Any] = {id(kt): value for kt, value in zip(self._inputs, inputs)}
        for kt, value in zip(self._inputs, inputs):
            want = kt.shape[1:]
            got = tuple(value._value.shape[1:]) if isinstance(value, E.Tensor) else None
            if got is not None and (len(got) != len(want) or any(w is not None and w != g for w, g in zip(want, got))):
                raise ShapeValueError(
                    f"Input '{kt._node.layer.name}' of model '{self.name}' is incompatible: expected shape "
                    f"{kt.shape}, but received input with shape {tuple(value._value.shape)}"
                )
        for node in self._nodes:
            if isinstance(node.layer, InputLayer):
                continue
            args = map_structure(lambda v: values[id(v)] if isinstance(v, KerasTensor) else v, node.args)
            out = node.layer(args, **node.kwargs)
            flat = list(out) if isinstance(out, (list, tuple)) else [out]
            for kt, value in zip(node.outputs, flat):
                values[id(kt)] = value
        return map_structure(lambda kt: values[id(kt)], self._output_structure)

    def _sequential_like(self) -> bool:
        if len(self._inputs) != 1 or len(self._outputs) != 1:
            return False
        used: set[int] = set()
        for node in self._nodes:
            parents = node.inputs
            if len(parents) > 1 or any(id(p) in used for p in parents):
                return False
            used.update(id(p) for p in parents)
        return True

    def _connections(self, layer: Layer) -> str:
        links = []
        for node in self._nodes:
            if node.layer is not layer:
                continue
            for kt in node.inputs:
                parent = kt._node
                node_index = next(i for i, n in enumerate(parent.layer._inbound_nodes) if n is parent)
                links.append(f"{parent.layer.name}[{node_index}][{kt._index}]")
        return ", ".join(links) or "-"


def _is_array_like(value: Any) -> bool:
    return isinstance(value, (E.Tensor, np.ndarray))


def _symbolic_leaves(structure: Any, what: str) -> list[KerasTensor]:
    flat = list(leaves(structure))
    if not flat or not all(isinstance(t, KerasTensor) and t._node is not None for t in flat):
        raise TypeError(f"Model({what}=...) takes KerasTensors (from keras.Input() and layers called on them), "
                        f"got {[type(t).__name__ for t in flat]}")
    return flat


def _placeholders(input_shape: Any, dtype: str) -> Any:
    """A ``KerasTensor`` for a shape, or a list of them for a list of shapes."""
    if isinstance(input_shape, list) and input_shape and isinstance(input_shape[0], (tuple, list)):
        return [KerasTensor(tuple(s), dtype) for s in input_shape]
    return KerasTensor(tuple(input_shape), dtype)


def _shape_text(layer: Layer) -> str:
    shape = layer._output_shape
    if shape is None:
        return "?"
    return "(" + ", ".join(str(d) for d in shape) + ")"  # as Keras writes it: (None, 5)


def _memory_size(weights: list[Any]) -> str:
    size = float(sum(int(w._value.nbytes) for w in {id(w): w for w in weights}.values()))
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if size / 1024 < 1:
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} PB"
