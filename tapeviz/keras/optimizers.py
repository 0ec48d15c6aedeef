"""Keras 3 optimizers: ``SGD`` (momentum, Nesterov), ``Adam`` (AMSGrad), ``RMSprop`` (momentum,
centered) and ``Adagrad``, with Keras's update rules, defaults and ``apply_gradients`` checks.

Every change is a ``Variable.assign*`` event, so a trace shows each weight before and after, and
each optimizer *slot* (SGD's momentum, Adam's momentum ``m`` and velocity ``v``, ...) is a
non-trainable Variable whose assignments are events too. How a slot names its weight (the
contract the view relies on):

- its path is ``<optimizer name>/<weight path with '/' replaced by '_'>_<slot name>``, as in
  Keras 3 (``adam/simple_model_dense_kernel_momentum`` for ``simple_model/dense/kernel``);
- within one update step, a weight's slot events come right before the weight's own event, and
  the iteration counter ``<optimizer name>/iteration`` is assigned last.

Each optimizer class declares its state (as Keras's optimizers name their variables): ``slots``
maps each slot's name to the symbol its update rule calls it, and ``rule`` lists the rule's terms.
``described()`` puts both, with the class and hyperparameters, into the trace's meta, so the view
shows any optimizer's slots and rule without a list of its own. Defining a subclass registers it by
its lower-case class name for ``get()`` (``REGISTRY``): adding an optimizer is one class.

Updates are computed in numpy, in the variable's dtype and in Keras's order of operations, outside
any tape: an optimizer step is never differentiated.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

import numpy as np

from .. import engine as E
from ..engine.errors import TapevizError
from . import backend


class OptimizerError(TapevizError, ValueError):
    """``apply_gradients`` cannot do anything sensible with what it was given."""


class GradientsWarning(UserWarning):
    """Some variables got no gradient and were left as they are."""


def slot_path(optimizer_name: str, weight_path: str, slot: str) -> str:
    """Keras 3's path of an optimizer slot: ``adam/dense_kernel_momentum`` for ``dense/kernel``."""
    return f"{optimizer_name}/{weight_path.replace('/', '_')}_{slot}"


_UNSUPPORTED = ("weight_decay", "clipnorm", "clipvalue", "global_clipnorm", "loss_scale_factor",
                "gradient_accumulation_steps")


REGISTRY: dict[str, type[Optimizer]] = {}  # lower-case class name -> class: what get() knows, and says


class Optimizer:
    """Base: ``apply_gradients(zip(grads, vars))`` checks the pairs, then ``update_step`` per pair.

    ``name`` defaults to Keras's: the class name in snake case, numbered from the second one
    (``adam``, ``adam_1``; ``RMSprop`` is ``rm_sprop``, as in Keras).
    """

    # The state a subclass keeps, declared: each slot's Keras name -> the symbol its rule uses.
    slots: ClassVar[dict[str, str]] = {}
    # The update rule, one assignment a term, in those symbols (g: the gradient, w: the weight).
    rule: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        key = cls.__name__.lower()
        if cls.__module__ == __name__ or REGISTRY.get(key, cls).__module__ != __name__:
            REGISTRY[key] = cls  # a learner's class of the same name never hides a built-in one

    def __init__(self, learning_rate: float = 0.01, name: str | None = None, **kwargs: Any) -> None:
        for key in _UNSUPPORTED:
            if kwargs.pop(key, None) is not None:
                raise OptimizerError(
                    f"{type(self).__name__}({key}=...) is not implemented in tapeviz: its optimizers apply the "
                    "plain update rule only (no weight decay, clipping or loss scaling)"
                )
        for key in ("use_ema", "ema_momentum", "ema_overwrite_frequency"):
            if key == "use_ema" and kwargs.get(key):
                raise OptimizerError(f"{type(self).__name__}(use_ema=True) is not implemented in tapeviz")
            kwargs.pop(key, None)
        if kwargs:
            raise TypeError(f"{type(self).__name__}: unexpected keyword argument(s): {', '.join(sorted(kwargs))}")
        if not isinstance(learning_rate, (int, float, np.floating, np.integer)) or isinstance(learning_rate, bool):
            raise OptimizerError(
                f"{type(self).__name__}: learning_rate must be a number, got {type(learning_rate).__name__} "
                "(tapeviz has no learning-rate schedules)"
            )
        self.learning_rate = float(learning_rate)
        self.name = name or backend.unique_name(backend.snake_case(type(self).__name__))
        self.iterations = backend.make_variable(np.int64(0), "iteration", f"{self.name}/iteration", trainable=False)
        self._slots: dict[int, dict[str, backend.Variable]] = {}  # weight id -> slot name -> slot
        backend.track_optimizer(self)

    # ---- slots ------------------------------------------------------------------------
    def add_variable_from_reference(self, reference_variable: E.Variable, name: str, initial: float = 0.0) -> backend.Variable:
        """Create the slot ``name`` of a weight (same shape and dtype), path as in Keras 3."""
        path = slot_path(self.name, reference_variable.path, name)
        value = np.full(reference_variable._value.shape, initial, dtype=reference_variable._value.dtype)
        slot = backend.make_variable(value, path.split("/", 1)[1], path, trainable=False)
        self._slots.setdefault(reference_variable._id, {})[name] = slot
        return slot

    def slots_of(self, variable: E.Variable) -> dict[str, backend.Variable]:
        """The slots of ``variable`` by slot name (empty before its first update)."""
        return dict(self._slots.get(variable._id, {}))

    def _slot(self, variable: E.Variable, name: str, initial: float = 0.0) -> backend.Variable:
        found = self._slots.get(variable._id, {}).get(name)
        return found if found is not None else self.add_variable_from_reference(variable, name, initial)

    @property
    def variables(self) -> list[backend.Variable]:
        """The iteration counter, then every slot in creation order."""
        return [self.iterations] + [s for slots in self._slots.values() for s in slots.values()]

    # ---- applying ---------------------------------------------------------------------
    def apply_gradients(self, grads_and_vars: Iterable[tuple[Any, Any]]) -> E.Variable:
        """Update each variable from its gradient; returns the ``iterations`` counter."""
        pairs = list(grads_and_vars)
        if not pairs:
            raise OptimizerError(
                "apply_gradients() got an empty list of (gradient, variable) pairs (TensorFlow says: not "
                "enough values to unpack (expected 2, got 0)). The likely cause: the variable list was "
                "taken before the model's first call, when it had no weights yet (model.trainable_variables "
                "is [] until then). Call the model once, e.g. model(inputs), and read "
                "model.trainable_variables after that."
            )
        for pair in pairs:
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise OptimizerError(f"apply_gradients() takes (gradient, variable) pairs, got {pair!r:.80}")
        missing = [v for g, v in pairs if g is None]
        kept = [(g, v) for g, v in pairs if g is not None]
        if not kept:
            raise OptimizerError("No gradients provided for any variable.")
        if missing:
            names = [getattr(v, "name", repr(v)) for v in missing]
            backend.warn(
                f"Gradients do not exist for variables {names} when minimizing the loss. If using "
                "`model.compile()`, did you forget to provide a `loss` argument? (tapeviz: those variables "
                "are left unchanged; see " + ", ".join(getattr(v, "path", str(n)) for v, n in zip(missing, names))
                + ")",
                GradientsWarning,
            )
        checked = []
        for g, v in kept:
            if not isinstance(v, E.Variable):
                raise OptimizerError(f"apply_gradients(): {v!r:.60} is not a Variable, so it cannot be updated")
            g = g if isinstance(g, E.Tensor) else E.convert(np.asarray(g, dtype=v._value.dtype))
            if g._value.shape != v._value.shape:
                raise OptimizerError(
                    f"apply_gradients(): the gradient for '{v.path}' has shape {tuple(g._value.shape)}, "
                    f"the variable has shape {tuple(v._value.shape)}"
                )
            checked.append((g, v))
        for g, v in checked:
            self.update_step(g, v, self.learning_rate)
        self.iterations.assign_add(1)
        return self.iterations

    def apply(self, grads: Iterable[Any], trainable_variables: Iterable[Any]) -> E.Variable:
        return self.apply_gradients(zip(list(grads), list(trainable_variables)))

    def update_step(self, gradient: E.Tensor, variable: E.Variable, learning_rate: float) -> None:
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "learning_rate": self.learning_rate}

    def rule_terms(self) -> tuple[str, ...]:
        """The update rule as this instance applies it (the class's ``rule`` unless options change it)."""
        return self.rule

    def described(self) -> dict[str, Any]:
        """What a trace keeps of this optimizer (``trace.meta["optimizers"][name]``): its class,
        hyperparameters, declared slots with their symbols, and its rule's terms."""
        return {"class": type(self).__name__, **self.get_config(), "slots": dict(self.slots),
                "rule": list(self.rule_terms())}

    @property
    def lr(self) -> float:
        return self.learning_rate

    def __repr__(self) -> str:
        options = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"<{type(self).__name__} {options}>"


def _grad(gradient: E.Tensor, variable: E.Variable) -> tuple[np.ndarray, type]:
    """The gradient as an array of the variable's dtype, and that dtype's scalar type."""
    dtype = variable._value.dtype
    return gradient._value.astype(dtype, copy=False), dtype.type


class SGD(Optimizer):
    """Plain SGD ``w ← w − lr·g``; with momentum ``m ← momentum·m − lr·g; w ← w + m``.

    Nesterov: ``w ← w + momentum·m − lr·g`` (with the new ``m``). The default name is ``SGD``
    (Keras says ``sgd``): plain SGD's events keep the names lessons and traces already use.
    """

    slots = {"momentum": "m"}
    rule = ("m ← momentum·m − lr·g", "w ← w + m")

    def __init__(self, learning_rate: float = 0.01, momentum: float = 0.0, nesterov: bool = False,
                 name: str | None = "SGD", **kwargs: Any) -> None:
        super().__init__(learning_rate, name=name, **kwargs)
        momentum = float(momentum)
        if not 0.0 <= momentum <= 1.0:
            raise ValueError("`momentum` must be a float between [0, 1].")
        self.momentum = momentum
        self.nesterov = bool(nesterov)

    def momentum_of(self, variable: E.Variable) -> E.Variable | None:
        """The momentum slot of ``variable`` (None before its first update, or without momentum)."""
        return self._slots.get(variable._id, {}).get("momentum")

    def update_step(self, gradient: E.Tensor, variable: E.Variable, learning_rate: float) -> None:
        dtype = variable._value.dtype  # (what _grad does, written out: SGD runs every lesson's training step)
        g, t = gradient._value.astype(dtype, copy=False), dtype.type
        lr = t(learning_rate)
        if self.momentum == 0.0:
            variable.assign_sub(g * lr)
            return
        m = self._slot(variable, "momentum")
        momentum = t(self.momentum)
        m.assign(m._value * momentum - g * lr)
        if self.nesterov:
            variable.assign_add(m._value * momentum - g * lr)
        else:
            variable.assign_add(m._value)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}

    def rule_terms(self) -> tuple[str, ...]:
        if self.momentum == 0.0:
            return ("w ← w − lr·g",)
        return (self.rule[0], "w ← w + momentum·m − lr·g") if self.nesterov else self.rule


class Adam(Optimizer):
    """Adam: ``m ← m + (g − m)(1 − β₁)``, ``v ← v + (g² − v)(1 − β₂)``, then
    ``w ← w − m·α / (√v + ε)`` with ``α = lr·√(1 − β₂ᵗ) / (1 − β₁ᵗ)`` (t = iterations + 1).

    That is Keras's form of ``lr · m̂ / (√v̂ + ε)`` (bias-corrected m̂ = m/(1−β₁ᵗ),
    v̂ = v/(1−β₂ᵗ)), with ε added to √v rather than √v̂, exactly as Keras computes it.
    ``amsgrad=True`` keeps ``v_hat = max(v_hat, v)`` and divides by √v_hat instead.
    """

    slots = {"momentum": "m", "velocity": "v", "velocity_hat": "v_max"}
    rule = ("m ← β₁·m + (1−β₁)·g", "v ← β₂·v + (1−β₂)·g²", "α = lr·√(1−β₂ᵗ)/(1−β₁ᵗ)", "w ← w − α·m/(√v+ε)")

    def __init__(self, learning_rate: float = 0.001, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-7, amsgrad: bool = False, name: str | None = None, **kwargs: Any) -> None:
        super().__init__(learning_rate, name=name, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = float(beta_1), float(beta_2), float(epsilon)
        self.amsgrad = bool(amsgrad)

    def update_step(self, gradient: E.Tensor, variable: E.Variable, learning_rate: float) -> None:
        g, t = _grad(gradient, variable)
        lr = t(learning_rate)
        step = t(int(self.iterations._value) + 1)
        alpha = lr * np.sqrt(1 - t(self.beta_2) ** step) / (1 - t(self.beta_1) ** step)
        m = self._slot(variable, "momentum")
        v = self._slot(variable, "velocity")
        m.assign_add((g - m._value) * (1 - self.beta_1))
        v.assign_add((np.square(g) - v._value) * (1 - self.beta_2))
        denominator_of = v
        if self.amsgrad:
            v_hat = self._slot(variable, "velocity_hat")
            v_hat.assign(np.maximum(v_hat._value, v._value))
            denominator_of = v_hat
        variable.assign_sub((m._value * alpha) / (np.sqrt(denominator_of._value) + self.epsilon))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon,
                "amsgrad": self.amsgrad}

    def rule_terms(self) -> tuple[str, ...]:
        if not self.amsgrad:
            return self.rule
        return (*self.rule[:3], "v_max ← max(v_max, v)", "w ← w − α·m/(√v_max+ε)")


class RMSprop(Optimizer):
    """RMSprop: ``v ← ρ·v + (1 − ρ)·g²``, ``w ← w − lr·g / √(v + ε)``.

    ``centered=True`` also keeps the mean gradient ``a ← ρ·a + (1 − ρ)·g`` and divides by
    ``√(v − a² + ε)``; with ``momentum > 0`` the step goes through ``m ← momentum·m + step``.
    """

    slots = {"velocity": "v", "average_gradient": "ḡ", "momentum": "m"}
    rule = ("v ← ρ·v + (1−ρ)·g²", "w ← w − lr·g/√(v + ε)")

    def __init__(self, learning_rate: float = 0.001, rho: float = 0.9, momentum: float = 0.0,
                 epsilon: float = 1e-7, centered: bool = False, name: str | None = None, **kwargs: Any) -> None:
        super().__init__(learning_rate, name=name, **kwargs)
        self.rho, self.momentum, self.epsilon = float(rho), float(momentum), float(epsilon)
        self.centered = bool(centered)

    def update_step(self, gradient: E.Tensor, variable: E.Variable, learning_rate: float) -> None:
        g, t = _grad(gradient, variable)
        lr = t(learning_rate)
        rho = self.rho
        velocity = self._slot(variable, "velocity")
        velocity.assign(rho * velocity._value + (1 - rho) * np.square(g))
        if self.centered:
            average = self._slot(variable, "average_gradient")
            average.assign(rho * average._value + (1 - rho) * g)
            denominator = velocity._value - np.square(average._value) + self.epsilon
        else:
            denominator = velocity._value + self.epsilon
        increment = (lr * g) / np.sqrt(denominator)
        if self.momentum > 0:
            m = self._slot(variable, "momentum")
            m.assign(self.momentum * m._value + increment)
            variable.assign_sub(m._value)
        else:
            variable.assign_sub(increment)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "rho": self.rho, "momentum": self.momentum, "epsilon": self.epsilon,
                "centered": self.centered}

    def rule_terms(self) -> tuple[str, ...]:
        terms = [self.rule[0]]
        if self.centered:
            terms += ["ḡ ← ρ·ḡ + (1−ρ)·g", "step = lr·g/√(v − ḡ² + ε)"]
        else:
            terms.append("step = lr·g/√(v + ε)")
        terms += ["m ← momentum·m + step", "w ← w − m"] if self.momentum > 0 else ["w ← w − step"]
        return tuple(terms)


class Adagrad(Optimizer):
    """Adagrad: ``acc ← acc + g²`` (``acc`` starts at ``initial_accumulator_value``), then
    ``w ← w − lr·g / √(acc + ε)``."""

    slots = {"accumulator": "acc"}
    rule = ("acc ← acc + g²", "w ← w − lr·g/√(acc + ε)")

    def __init__(self, learning_rate: float = 0.001, initial_accumulator_value: float = 0.1, epsilon: float = 1e-7,
                 name: str | None = None, **kwargs: Any) -> None:
        super().__init__(learning_rate, name=name, **kwargs)
        self.initial_accumulator_value = float(initial_accumulator_value)
        self.epsilon = float(epsilon)

    def update_step(self, gradient: E.Tensor, variable: E.Variable, learning_rate: float) -> None:
        g, t = _grad(gradient, variable)
        lr = t(learning_rate)
        accumulator = self._slot(variable, "accumulator", self.initial_accumulator_value)
        accumulator.assign_add(np.square(g))
        variable.assign_sub((lr * g) / np.sqrt(accumulator._value + self.epsilon))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "initial_accumulator_value": self.initial_accumulator_value,
                "epsilon": self.epsilon}


def implemented() -> str:
    """The registered optimizers in words, for error messages: ``SGD, Adam, RMSprop and Adagrad``."""
    names = [cls.__name__ for cls in REGISTRY.values()]
    return ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else "".join(names)


def get(identifier: Any) -> Optimizer:
    """An optimizer from an instance or a registered name, any case (``"adam"``, ``"sgd"``, …)."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str) and identifier.lower() in REGISTRY:
        return REGISTRY[identifier.lower()]()
    raise ValueError(f"Could not interpret optimizer identifier: {identifier!r} (tapeviz implements {implemented()})")


def __getattr__(name: str) -> Any:
    raise AttributeError(f"tapeviz.keras.optimizers has no {name!r}: tapeviz implements {implemented()}")
