"""``compile`` / ``fit`` / ``evaluate`` / ``predict`` for ``Model``, with Keras 3's semantics.

Each batch ``fit`` trains is one ``train_step``: the forward pass and the loss inside a
``GradientTape``, ``tape.gradient``, then ``optimizer.apply_gradients``. A trace therefore sees
one iteration per batch (forward, backward, update) and its loss curve has one point per batch.
``evaluate``, ``predict`` and the validation pass run without a tape, so they record nothing.

After ``fit`` the model keeps its batch order, so ``train_one_more_batch()`` (what ``t`` in the
terminal UI runs, through ``backend.fit_trainer()``) trains the next batch as fit would have.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import engine as E
from ..engine import origins
from ..engine.errors import TapevizError
from . import backend, losses, optimizers
from . import metrics as metrics_module
from .data_adapter import (
    Batches,
    TrainingError,
    as_array,
    as_arrays,
    first_array,
    is_dataset,
    num_samples,
    take_rows,
)

_LOSS_CLASSES = {
    "categorical_crossentropy": losses.CategoricalCrossentropy,
    "sparse_categorical_crossentropy": losses.SparseCategoricalCrossentropy,
    "binary_crossentropy": losses.BinaryCrossentropy,
    "mse": losses.MeanSquaredError, "mean_squared_error": losses.MeanSquaredError,
}
_NOT_DONE = ("callbacks", "class_weight", "sample_weight", "validation_steps", "validation_freq")


class SavingError(TapevizError, NotImplementedError):
    """Saving a model to a file is left out of tapeviz."""


class History:
    """What ``fit`` returns: ``history`` maps each metric to its value after every epoch."""

    def __init__(self, model: Any, params: dict[str, Any]) -> None:
        self.model = model
        self.params = params
        self.epoch: list[int] = []
        self.history: dict[str, list[float]] = {}

    def _append(self, epoch: int, logs: dict[str, float]) -> None:
        self.epoch.append(epoch)
        for key, value in logs.items():
            self.history.setdefault(key, []).append(value)

    def __repr__(self) -> str:
        return f"<History epochs={len(self.epoch)}, keys={list(self.history)}>"


def _loss_object(loss: Any) -> Any:
    if isinstance(loss, str):
        cls = _LOSS_CLASSES.get(loss)
        if cls is None:
            raise TrainingError(f"Unknown loss {loss!r}; tapeviz knows: {', '.join(sorted(_LOSS_CLASSES))}")
        return cls()
    if isinstance(loss, losses.Loss):
        return loss
    if callable(loss):  # a per-sample function, averaged over the batch as Keras does
        def mean_loss(y_true: Any, y_pred: Any) -> E.Tensor:
            return E.reduce_mean(loss(y_true, y_pred))
        return mean_loss
    raise TrainingError(f"Could not interpret loss identifier: {loss!r}")


def _verbose(verbose: Any) -> int:
    return 1 if verbose == "auto" else int(verbose)


def _format_logs(logs: dict[str, float]) -> str:
    return "".join(f" - {k}: {v:.4f}" if abs(v) > 1e-3 else f" - {k}: {v:.4e}" for k, v in logs.items())


class Trainer:
    """The training methods ``Model`` inherits (Keras's ``Trainer``)."""

    optimizer: Any = None
    loss: Any = None

    def compile(self, optimizer: Any = "rmsprop", loss: Any = None, metrics: Any = None, **kwargs: Any) -> None:
        """Choose the optimizer, the loss and the metrics (names as in Keras: ``"adam"``, ``"mse"``, ...)."""
        unknown = {k for k, v in kwargs.items() if v is not None and k not in ("run_eagerly", "jit_compile", "steps_per_execution")}
        if unknown:
            raise TrainingError(f"compile({', '.join(sorted(unknown))}=...) is not implemented in tapeviz")
        self.optimizer = optimizers.get(optimizer)
        self.loss = loss
        if isinstance(loss, (list, tuple, dict)):
            names = list(getattr(self, "output_names", []))
            if len(names) < 2:
                raise TrainingError("a list or dict of losses needs a model with several outputs "
                                    "(keras.Model(inputs, [out_1, out_2]))")
            chosen = [loss.get(n) for n in names] if isinstance(loss, dict) else list(loss)
            if len(chosen) != len(names) or any(c is None for c in chosen):
                raise TrainingError(f"the model has {len(names)} outputs {names}: give one loss for each, "
                                    f"got {loss!r}")
            self._loss_fn = [_loss_object(c) for c in chosen]
            self._loss_names = [f"{n}_loss" for n in names]
        else:
            self._loss_fn = None if loss is None else _loss_object(loss)
            self._loss_names = []
        if self._loss_names and metrics:
            raise TrainingError("metrics for a model with several outputs are not implemented in tapeviz")
        self._metric_ids = list(metrics or [])
        self._metrics: list[metrics_module.MeanMetric] | None = None  # resolved on the first batch
        self.compiled = True

    # ---- one step ---------------------------------------------------------------------
    def _check_compiled(self, method: str) -> None:
        if not getattr(self, "compiled", False) or self._loss_fn is None:
            raise TrainingError(
                f"You must call `compile()` with a loss before using `{method}()` "
                "(e.g. model.compile(optimizer='adam', loss='categorical_crossentropy'))"
            )

    def compute_loss(self, x: Any = None, y: Any = None, y_pred: Any = None, sample_weight: Any = None) -> E.Tensor:
        if not isinstance(self._loss_fn, list):
            return self._loss_fn(y, y_pred)
        names = list(self.output_names)
        if isinstance(y, dict):  # labels by output name
            y = [y.get(n) for n in names]
        if isinstance(y_pred, dict):
            y_pred = [y_pred[n] for n in names]
        if not isinstance(y, (list, tuple)) or len(y) != len(self._loss_fn):
            raise TrainingError(f"the model has {len(self._loss_fn)} outputs: y must be a list of "
                                f"{len(self._loss_fn)} label arrays, one per output")
        parts = [fn(t, p) for fn, t, p in zip(self._loss_fn, y, y_pred)]
        self._loss_parts = parts
        total = parts[0]
        for part in parts[1:]:
            total = E.add(total, part)
        return total

    def _batch_metrics(self, y: np.ndarray, y_pred: np.ndarray) -> list[metrics_module.MeanMetric]:
        if self._metrics is None:
            self._metrics = [metrics_module.MeanMetric(*metrics_module.resolve(m, y.shape, y_pred.shape)) for m in self._metric_ids]
        return self._metrics

    def train_step(self, data: tuple[Any, ...]) -> dict[str, float]:
        """One batch: forward and loss on the tape, gradients, one optimizer update."""
        if len(data) < 2 or data[1] is None:
            raise TrainingError("fit needs labels: pass y, or a Dataset whose elements are (x, y) pairs")
        x, y = data[0], data[1]
        with E.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(x, y, y_pred)
        variables = self.trainable_variables
        grads = tape.gradient(loss, variables)
        self.optimizer.apply_gradients(zip(grads, variables))
        return self._update_trackers(loss, y, y_pred, num_samples(x))

    def test_step(self, data: tuple[Any, ...]) -> dict[str, float]:
        if len(data) < 2 or data[1] is None:
            raise TrainingError("evaluate needs labels: pass y, or a Dataset whose elements are (x, y) pairs")
        x, y = data[0], data[1]
        y_pred = self(x, training=False)
        loss = self.compute_loss(x, y, y_pred)
        return self._update_trackers(loss, y, y_pred, num_samples(x))

    def _update_trackers(self, loss: E.Tensor, y: Any, y_pred: E.Tensor, size: int) -> dict[str, float]:
        self._loss_tracker.update(float(np.asarray(loss._value, np.float64).reshape(())), size)
        if isinstance(self._loss_fn, list):
            for tracker, part in zip(self._part_trackers, self._loss_parts):
                tracker.update(float(np.asarray(part._value, np.float64).reshape(())), size)
            return self._logs()
        y_arr, pred = as_array(y, "y"), y_pred._value
        for metric in self._batch_metrics(y_arr, pred):
            metric.update_from(y_arr, pred)
        return self._logs()

    def _logs(self) -> dict[str, float]:
        logs = {m.name: m.result() for m in self._metrics or []}
        logs["loss"] = self._loss_tracker.result()
        logs.update({t.name: t.result() for t in getattr(self, "_part_trackers", [])})
        return dict(sorted(logs.items()))

    def _reset_trackers(self) -> None:
        self._loss_tracker = metrics_module.MeanMetric("loss")
        self._part_trackers = [metrics_module.MeanMetric(n) for n in getattr(self, "_loss_names", [])]
        for metric in self._metrics or []:
            metric.reset()

    # ---- loops ------------------------------------------------------------------------
    @origins.returns_no_tensor
    def fit(self, x: Any = None, y: Any = None, batch_size: int | None = None, epochs: int = 1, verbose: Any = "auto",
            validation_split: float = 0.0, validation_data: Any = None, shuffle: bool = True,
            initial_epoch: int = 0, steps_per_epoch: int | None = None, **kwargs: Any) -> History:
        """Train for ``epochs`` passes over the data, one ``train_step`` per batch; returns a History.

        ``validation_split`` takes the *last* fraction of the samples, before shuffling (as Keras
        does); the training part is shuffled each epoch when ``shuffle`` is True.
        """
        self._check_compiled("fit")
        self._refuse(kwargs, "fit")
        if validation_split and validation_data is None:
            if is_dataset(x):
                raise TrainingError("`validation_split` is only supported for Tensors or NumPy arrays, not a Dataset")
            x_all, y_all = as_arrays(x, "x"), as_arrays(y, "y")
            count = len(first_array(x_all))
            split_at = int(math.floor(count * (1.0 - validation_split)))
            if split_at in (0, count):
                raise TrainingError(
                    f"Training data contains {count} samples, which is not sufficient to split it into a "
                    f"validation and training set as specified by `validation_split={validation_split}`"
                )
            head, tail = np.arange(split_at), np.arange(split_at, count)
            x, y, validation_data = take_rows(x_all, head), take_rows(y_all, head), (take_rows(x_all, tail), take_rows(y_all, tail))
        batches = Batches(x, y, batch_size, shuffle, steps_per_epoch)
        history = History(self, {"verbose": _verbose(verbose), "epochs": epochs, "steps": batches.steps})
        self.history = history
        for epoch in range(initial_epoch, epochs):
            self._reset_trackers()
            for data in batches.epoch():
                logs = self.train_step(data)
            if validation_data is not None:
                val = self.evaluate(*validation_data[:2], batch_size=batch_size, verbose=0, return_dict=True)
                logs.update({f"val_{k}": v for k, v in val.items()})
            history._append(epoch, logs)
            if history.params["verbose"]:
                print(f"Epoch {epoch + 1}/{epochs}")
                print(f"{batches.steps}/{batches.steps}{_format_logs(logs)}")
        backend.set_fit_trainer(lambda: self.train_one_more_batch())
        self._fit_batches = batches
        return history

    def train_one_more_batch(self) -> dict[str, float]:
        """Train the batch ``fit`` would have trained next (a new epoch starts after the last)."""
        batches = getattr(self, "_fit_batches", None)
        if batches is None:
            raise TrainingError("train_one_more_batch() needs a model that has been trained with fit() first")
        self._reset_trackers()
        return self.train_step(batches.next_batch())

    @origins.returns_no_tensor
    def evaluate(self, x: Any = None, y: Any = None, batch_size: int | None = None, verbose: Any = "auto",
                 steps: int | None = None, return_dict: bool = False, **kwargs: Any) -> Any:
        """The loss (and metrics) over the data, in inference mode; nothing is recorded or updated."""
        self._check_compiled("evaluate")
        self._refuse(kwargs, "evaluate")
        self._reset_trackers()
        batches = Batches(x, y, batch_size, False, steps)
        for data in batches.epoch():
            logs = self.test_step(data)
        if _verbose(verbose):
            print(f"{batches.steps}/{batches.steps}{_format_logs(logs)}")
        if return_dict:
            return logs
        ordered = [logs["loss"]] + [logs[n] for n in self._loss_names] + [logs[m.name] for m in self._metrics or []]
        return ordered[0] if len(ordered) == 1 else ordered

    @origins.returns_no_tensor
    def predict(self, x: Any, batch_size: int | None = None, verbose: Any = "auto", steps: int | None = None,
                **kwargs: Any) -> np.ndarray:
        """The model's outputs for ``x`` as a numpy array, batch by batch, in inference mode."""
        self._refuse(kwargs, "predict")
        batches = Batches(x, None, batch_size, False, steps)
        outputs = [self(data[0], training=False) for data in batches.epoch()]
        if isinstance(outputs[0], dict):  # outputs by name: one array each
            return {k: np.concatenate([out[k]._value for out in outputs], axis=0) for k in outputs[0]}
        if isinstance(outputs[0], (list, tuple)):  # several outputs: one array each
            return [np.concatenate([out[i]._value for out in outputs], axis=0) for i in range(len(outputs[0]))]
        return np.concatenate([out._value for out in outputs], axis=0)

    def save(self, filepath: Any, *args: Any, **kwargs: Any) -> None:
        raise SavingError(
            f"{type(self).__name__}.save() is not done in tapeviz: it writes a .keras/.h5 file or a TensorFlow "
            "SavedModel, and tapeviz keeps models in memory only, to watch them. Keep the weights with "
            "model.get_weights() / numpy.save, and restore them with model.set_weights()."
        )

    save_weights = export = save

    @staticmethod
    def _refuse(kwargs: dict[str, Any], method: str) -> None:
        used = sorted(k for k, v in kwargs.items() if v is not None and v != [])
        if used:
            known = [k for k in used if k in _NOT_DONE]
            what = "is not implemented in tapeviz" if known else "is not an argument Keras knows"
            raise TrainingError(f"{method}({', '.join(used)}=...) {what}")
