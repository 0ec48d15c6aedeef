"""``Model`` (subclass it and write ``call()``) and ``Sequential``; ``summary()`` as a rich table."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from typing import Any

from .layers import Layer
from .training import Trainer


class Model(Trainer, Layer):
    """A layer made of layers. Subclass it, set sublayers as attributes, write ``call()``;
    ``compile``/``fit``/``evaluate``/``predict`` come from ``Trainer``.

    ``SimpleModel()`` is named ``simple_model``; its layers' ops and weights live under
    ``simple_model/<layer>/``.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if args or "inputs" in kwargs or "outputs" in kwargs:
            raise NotImplementedError(
                "tapeviz.keras.Model(inputs, outputs) (the functional API) is not implemented: subclass "
                "Model and write call(), or use Sequential([...])"
            )
        super().__init__(**kwargs)

    def call(self, inputs: Any, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define call(self, inputs)")

    def summary(self, print_fn: Callable[[str], Any] | None = None, line_length: int | None = None) -> None:
        """Print the layers, their output shapes and parameter counts as a table."""
        from rich.console import Console
        from rich.table import Table

        table = Table(title=f'Model: "{self.name}"', title_justify="left")
        table.add_column("Layer (type)")
        table.add_column("Output Shape")
        table.add_column("Param #", justify="right")
        for layer in self.layers:
            shape = "?" if layer._output_shape is None else str(tuple(layer._output_shape))
            built = "" if layer.built else " (not built)"
            table.add_row(f"{layer.name} ({type(layer).__name__}){built}", shape, f"{layer.count_params():,}")
        trainable = sum(int(w._value.size) for w in self.trainable_weights_quiet())
        total = self.count_params()
        width = line_length or 80
        if print_fn is None:
            console = Console(width=width)
        else:
            buffer = io.StringIO()
            console = Console(file=buffer, width=width, force_terminal=False, color_system=None)
        console.print(table)
        console.print(f" Total params: {total:,}")
        console.print(f" Trainable params: {trainable:,}")
        console.print(f" Non-trainable params: {total - trainable:,}")
        if print_fn is not None:
            print_fn(buffer.getvalue().rstrip("\n"))

    def trainable_weights_quiet(self) -> list[Any]:
        """Trainable weights without the not-built warning (for summaries)."""
        if not self.trainable:
            return []
        return [w for w in self.weights if w.trainable and self._trainable_owner(w)]


class Sequential(Model):
    """Layers applied one after the other: ``Sequential([Dense(5, activation="relu"), Dense(2)])``."""

    def __init__(self, layers: Iterable[Layer] | None = None, name: str | None = None, **kwargs: Any) -> None:
        super().__init__(name=name, **kwargs)
        self._stack: list[Layer] = []
        for layer in layers or ():
            self.add(layer)

    def add(self, layer: Layer) -> None:
        if not isinstance(layer, Layer):
            raise TypeError(f"Sequential.add() takes a layer, got {type(layer).__name__}")
        self._stack.append(layer)
        self._tracked.append(layer)

    def pop(self) -> Layer:
        layer = self._stack.pop()
        self._tracked.remove(layer)
        return layer

    def call(self, inputs: Any, *args: Any, **kwargs: Any) -> Any:
        x = inputs
        for layer in self._stack:
            x = layer(x)
        return x
