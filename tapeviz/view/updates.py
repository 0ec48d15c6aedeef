"""An optimizer's update of one weight, with its slots (momentum, Adam's m and v), in numbers.

Keras's optimizers keep per-weight state in *slots*: non-trainable variables whose path is
``<optimizer>/<weight path with '/' → '_'>_<slot>``, assigned right before their weight within one
update step, with ``<optimizer>/iteration`` assigned last. The runner stores each optimizer's class,
hyperparameters and declared state (its slots with their symbols, its rule's terms) in
``trace.meta["optimizers"]`` (by optimizer name). From those two things alone this module finds,
for a weight's update event, its slots' before/after values and the gradient, and writes the update
rule of SGD (momentum, Nesterov), Adam, RMSprop or Adagrad with the real numbers of one element;
any other optimizer's slots show by their declared symbols (or their names) with its rule's terms.
Pure: it reads a trace, never the optimizer objects.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..engine import events as ev
from ..trace import Trace
from .numbers import fmt, index_text, pfmt, summary, value_range

# Keras's slot names, and the letter a formula calls each one: for traces saved before optimizers
# declared their slots (``described()``); a slot that is in neither shows by its name.
SLOT_SYMBOLS: dict[str, str] = {
    "momentum": "m", "velocity": "v", "velocity_hat": "v_max", "average_gradient": "ḡ", "accumulator": "acc",
}


@dataclass(frozen=True)
class SlotChange:
    """One slot of a weight as one update step left it."""

    slot: str  # Keras's slot name: momentum, velocity, ...
    path: str  # the slot variable's path
    index: int  # the event that assigned it
    before: np.ndarray
    after: np.ndarray
    symbol: str = ""  # the letter the rule calls it (its name when nothing declares one)

    def __post_init__(self) -> None:
        if not self.symbol:
            object.__setattr__(self, "symbol", SLOT_SYMBOLS.get(self.slot, self.slot))


@dataclass
class WeightUpdate:
    """Everything one weight's update step is made of, read off the trace."""

    event: ev.VariableAssigned
    index: int
    optimizer: str  # the optimizer's name (its slots' path prefix); "" when no slot says it
    config: dict[str, Any]  # {"class": "Adam", "learning_rate": ..., ...}; {} when the trace does not know
    slots: dict[str, SlotChange] = field(default_factory=dict)
    step: int | None = None  # Keras's t: the iteration counter + 1 during this update
    grad: np.ndarray | None = None


def optimizer_configs(trace: Trace) -> dict[str, dict[str, Any]]:
    """The optimizers the program made, by name (``trace.meta["optimizers"]``; {} if unknown)."""
    found = trace.meta.get("optimizers")
    return found if isinstance(found, dict) else {}


def slot_symbols(trace: Trace, optimizer: str | None = None) -> dict[str, str]:
    """Slot name -> symbol: the declared slots of ``optimizer`` (of every optimizer in the trace
    when None) over the built-in table kept for older traces."""
    configs = optimizer_configs(trace)
    found = dict(SLOT_SYMBOLS)
    for name, config in configs.items():
        declared = config.get("slots") if isinstance(config, dict) else None
        if isinstance(declared, dict) and (optimizer is None or name == optimizer):
            found.update({str(k): str(v) for k, v in declared.items()})
    return found


def slot_of(slot_path: str, weight_path: str, optimizers: Collection[str] = ()) -> tuple[str, str] | None:
    """(optimizer name, slot name) when ``slot_path`` is a slot of the weight at ``weight_path``:
    ``<optimizer>/<weight path with '/' → '_'>_<slot>`` where the optimizer is one of
    ``optimizers`` (those the trace recorded: any slot name) or the slot is a built-in one."""
    if "/" not in slot_path:
        return None
    optimizer, rest = slot_path.split("/", 1)
    stem = weight_path.replace("/", "_") + "_"
    slot = rest[len(stem):] if rest.startswith(stem) else ""
    if slot and (slot in SLOT_SYMBOLS or optimizer in optimizers):
        return optimizer, slot
    return None


def _index_of(trace: Trace, event: ev.Event) -> int | None:
    for i, e in enumerate(trace.events):
        if e is event:
            return i
    return None


def _gradient(trace: Trace, index: int, variable_id: int) -> np.ndarray | None:
    """The gradient of ``variable_id`` most recently returned by ``gradient()`` before ``index``."""
    for e in reversed(trace.events[:index]):
        if isinstance(e, ev.GradientsReturned) and variable_id in e.sources:
            g = e.grads[list(e.sources).index(variable_id)]
            return None if g is None else np.asarray(g)
    return None


def weight_update(trace: Trace, index: int, grad: np.ndarray | None = None) -> WeightUpdate | None:
    """The update step of the weight assigned at event ``index`` (None if it is no trainable
    weight's assignment). ``grad`` is the gradient if the caller knows it; else the trace's."""
    event = trace.events[index]
    if not isinstance(event, ev.VariableAssigned) or not event.trainable:
        return None
    slots: dict[str, SlotChange] = {}
    optimizer = ""
    configs = optimizer_configs(trace)
    j = index - 1
    while j >= 0:  # the slots come right before their weight
        e = trace.events[j]
        found = slot_of(e.name, event.name, configs) if isinstance(e, ev.VariableAssigned) and not e.trainable else None
        if found is None:
            break
        optimizer = found[0]
        symbol = slot_symbols(trace, optimizer).get(found[1], found[1])
        slots.setdefault(found[1], SlotChange(found[1], e.name, j, np.asarray(e.before), np.asarray(e.after), symbol))
        j -= 1
    if not optimizer and len(configs) == 1:  # plain SGD has no slots: the only optimizer made it
        optimizer = next(iter(configs))
    step = None
    for e in trace.events[index + 1:]:  # the iteration counter comes after the step's last weight
        if not isinstance(e, ev.VariableAssigned) or not optimizer:
            break
        if e.name == f"{optimizer}/iteration":
            step = int(np.asarray(e.before)) + 1
            break
    if grad is None or np.shape(grad) != np.shape(event.before):
        grad = _gradient(trace, index, event.variable_id)
    return WeightUpdate(event, index, optimizer, dict(configs.get(optimizer, {})), dict(reversed(slots.items())), step, grad)


def slots_by_weight(trace: Trace, start: int, stop: int) -> dict[str, dict[str, tuple[np.ndarray, np.ndarray]]]:
    """Slots assigned in events ``start..stop`` (inclusive), by weight path, then slot name:
    (before, after). A slot is matched to its weight by name, so it shows before its weight's own
    event comes."""
    # longest first: a slot of ``dense/kernel_2`` also starts like one of ``dense/kernel``
    weights = sorted({n.name for n in trace.graph.nodes.values() if n.kind == "variable"}, key=len, reverse=True)
    configs = optimizer_configs(trace)
    out: dict[str, dict[str, tuple[np.ndarray, np.ndarray]]] = {}
    for e in trace.events[start: stop + 1]:
        if not isinstance(e, ev.VariableAssigned) or e.trainable or "/" not in e.name:
            continue
        rest = e.name.split("/", 1)[1]
        for w in weights:
            found = slot_of(e.name, w, configs) if rest.startswith(w.replace("/", "_") + "_") else None
            if found is not None:
                slots = out.setdefault(w, {})
                before = slots[found[1]][0] if found[1] in slots else np.asarray(e.before)
                slots[found[1]] = (before, np.asarray(e.after))
                break
    return out


def slot_row(slots: dict[str, tuple[np.ndarray, np.ndarray]], symbols: dict[str, str] | None = None) -> str:
    """A weight's slots in one line for its box, by their new values: each entry of a small
    tensor (``m [0.01, -0.02] · v [1e-05, 4e-06]``), else the range (``m -0.005‥0.008 · …``).
    ``symbols``: slot name -> symbol (``slot_symbols``); a slot without one shows by its name."""
    def text(a: np.ndarray) -> str:
        return summary(a, plain_zero=True) if a.size <= 4 else value_range(a)

    symbols = SLOT_SYMBOLS if symbols is None else symbols
    return " · ".join(f"{symbols.get(name, name)} {text(after)}" for name, (_, after) in slots.items())


# ---- the update rules, with one element's numbers ---------------------------------------------
# Each rule recomputes the new slot values and the new weight from the old ones, the gradient and
# the hyperparameters (in float64), and writes them: a test holds them against the recorded ones.
def _p(config: dict[str, Any], key: str, default: float = 0.0) -> float:
    try:
        return float(config.get(key, default))
    except (TypeError, ValueError):
        return default


def _slot_values(u: WeightUpdate, el: tuple[int, ...]) -> dict[str, tuple[float, float]]:
    return {name: (float(s.before[el]), float(s.after[el])) for name, s in u.slots.items() if s.before.shape == u.event.before.shape}


def _weight_less(w0: float, name: str, amount: float) -> str:
    """The last line of a rule that subtracts ``amount`` (called ``name``) from the weight."""
    return f"w ← w − {name} = {pfmt(w0)} − {pfmt(amount)} = {pfmt(w0 - amount)}"


def _sgd(u: WeightUpdate, el: tuple[int, ...], g: float, w0: float) -> list[str] | None:
    c, s = u.config, _slot_values(u, el)
    if "momentum" not in s:
        return None  # plain SGD: the caller's ``before − lr × gradient`` says it
    lr, mu = _p(c, "learning_rate"), _p(c, "momentum")
    m0 = s["momentum"][0]
    m = mu * m0 - lr * g
    lines = [f"m ← momentum·m − lr·g = {pfmt(mu)} × {pfmt(m0)} − {pfmt(lr)} × {pfmt(g)} = {pfmt(m)}"]
    if c.get("nesterov"):
        w = w0 + mu * m - lr * g
        lines.append(f"w ← w + momentum·m − lr·g (Nesterov) = {pfmt(w0)} + {pfmt(mu)} × {pfmt(m)} − {pfmt(lr)} × {pfmt(g)} = {pfmt(w)}")
    else:
        lines.append(f"w ← w + m = {pfmt(w0)} + {pfmt(m)} = {pfmt(w0 + m)}")
    return lines


def adam_numbers(u: WeightUpdate, el: tuple[int, ...], g: float) -> dict[str, float] | None:
    """Adam's quantities for one element as Keras computes them, from the old m and v and the
    gradient ``g`` (``step`` is what the weight loses); None without its slots or its t."""
    s = _slot_values(u, el)
    if u.step is None or "momentum" not in s or "velocity" not in s:
        return None
    c, t = u.config, u.step
    lr, b1, b2, eps = _p(c, "learning_rate"), _p(c, "beta_1", 0.9), _p(c, "beta_2", 0.999), _p(c, "epsilon", 1e-7)
    m = b1 * s["momentum"][0] + (1 - b1) * g
    v = b2 * s["velocity"][0] + (1 - b2) * g * g
    v_max = max(s["velocity_hat"][0], v) if "velocity_hat" in s else v
    alpha = lr * np.sqrt(1 - b2**t) / (1 - b1**t)
    return {
        "lr": lr, "beta_1": b1, "beta_2": b2, "epsilon": eps, "t": t, "m": m, "v": v, "v_max": v_max,
        "m_hat": m / (1 - b1**t), "v_hat": v / (1 - b2**t), "alpha": float(alpha),
        "step": float(alpha * m / (np.sqrt(v_max) + eps)),
    }


def _adam(u: WeightUpdate, el: tuple[int, ...], g: float, w0: float) -> list[str] | None:
    n, s = adam_numbers(u, el, g), _slot_values(u, el)
    if n is None:
        return None
    b1, b2, t, eps = n["beta_1"], n["beta_2"], int(n["t"]), n["epsilon"]
    lines = [
        f"t = {t} (the optimizer's iteration + 1), g = {fmt(g)}",
        f"m ← β₁·m + (1−β₁)·g = {pfmt(b1)} × {pfmt(s['momentum'][0])} + {pfmt(1 - b1)} × {pfmt(g)} = {pfmt(n['m'])}",
        f"v ← β₂·v + (1−β₂)·g² = {pfmt(b2)} × {pfmt(s['velocity'][0])} + {pfmt(1 - b2)} × {pfmt(g)}² = {pfmt(n['v'])}",
        f"m̂ = m/(1−β₁ᵗ) = {pfmt(n['m'])} / {pfmt(1 - b1**t)} = {pfmt(n['m_hat'])}",
        f"v̂ = v/(1−β₂ᵗ) = {pfmt(n['v'])} / {pfmt(1 - b2**t)} = {pfmt(n['v_hat'])}",
        f"α = lr·√(1−β₂ᵗ)/(1−β₁ᵗ) = {pfmt(n['lr'])} × √{pfmt(1 - b2**t)} / {pfmt(1 - b1**t)} = {pfmt(n['alpha'])}",
    ]
    if "velocity_hat" in s:
        lines.append(f"v_max ← max(v_max, v) = max({pfmt(s['velocity_hat'][0])}, {pfmt(n['v'])}) = {pfmt(n['v_max'])}")
        lines.append(f"step = α·m/(√v_max+ε) = {pfmt(n['alpha'])} × {pfmt(n['m'])} / (√{pfmt(n['v_max'])} + {fmt(eps)}) = {pfmt(n['step'])}")
    else:
        lines.append(f"step = α·m/(√v+ε) = {pfmt(n['alpha'])} × {pfmt(n['m'])} / (√{pfmt(n['v'])} + {fmt(eps)}) = {pfmt(n['step'])}")
        textbook = n["lr"] * n["m_hat"] / (np.sqrt(n["v_hat"]) + eps)
        lines.append(
            f"  ≈ lr·m̂/(√v̂+ε) = {pfmt(n['lr'])} × {pfmt(n['m_hat'])} / (√{pfmt(n['v_hat'])} + ε) = {pfmt(textbook)}"
            " (Keras adds ε to √v, not to √v̂)"
        )
    lines.append(_weight_less(w0, "step", n["step"]))
    return lines


def _rmsprop(u: WeightUpdate, el: tuple[int, ...], g: float, w0: float) -> list[str] | None:
    c, s = u.config, _slot_values(u, el)
    if "velocity" not in s:
        return None
    lr, rho, eps, mu = _p(c, "learning_rate"), _p(c, "rho", 0.9), _p(c, "epsilon", 1e-7), _p(c, "momentum")
    v0 = s["velocity"][0]
    v = rho * v0 + (1 - rho) * g * g
    lines = [f"v ← ρ·v + (1−ρ)·g² = {pfmt(rho)} × {pfmt(v0)} + {pfmt(1 - rho)} × {pfmt(g)}² = {pfmt(v)}"]
    if "average_gradient" in s:
        a0 = s["average_gradient"][0]
        a = rho * a0 + (1 - rho) * g
        lines.append(f"ḡ ← ρ·ḡ + (1−ρ)·g = {pfmt(rho)} × {pfmt(a0)} + {pfmt(1 - rho)} × {pfmt(g)} = {pfmt(a)}")
        step = lr * g / np.sqrt(v - a * a + eps)
        lines.append(f"step = lr·g/√(v − ḡ² + ε) = {pfmt(lr)} × {pfmt(g)} / √({pfmt(v)} − {pfmt(a)}² + {fmt(eps)}) = {pfmt(step)}")
    else:
        step = lr * g / np.sqrt(v + eps)
        lines.append(f"step = lr·g/√(v + ε) = {pfmt(lr)} × {pfmt(g)} / √({pfmt(v)} + {fmt(eps)}) = {pfmt(step)}")
    if mu > 0 and "momentum" in s:
        m0 = s["momentum"][0]
        m = mu * m0 + step
        lines.append(f"m ← momentum·m + step = {pfmt(mu)} × {pfmt(m0)} + {pfmt(step)} = {pfmt(m)}")
        lines.append(_weight_less(w0, "m", m))
    else:
        lines.append(_weight_less(w0, "step", step))
    return lines


def _adagrad(u: WeightUpdate, el: tuple[int, ...], g: float, w0: float) -> list[str] | None:
    c, s = u.config, _slot_values(u, el)
    if "accumulator" not in s:
        return None
    lr, eps = _p(c, "learning_rate"), _p(c, "epsilon", 1e-7)
    a0 = s["accumulator"][0]
    a = a0 + g * g
    step = lr * g / np.sqrt(a + eps)
    return [
        f"acc ← acc + g² = {pfmt(a0)} + {pfmt(g)}² = {pfmt(a)}",
        f"step = lr·g/√(acc + ε) = {pfmt(lr)} × {pfmt(g)} / √({pfmt(a)} + {fmt(eps)}) = {pfmt(step)}",
        _weight_less(w0, "step", step),
    ]


RULES = {"SGD": _sgd, "Adam": _adam, "RMSprop": _rmsprop, "Adagrad": _adagrad}


def optimizer_lines(
    trace: Trace, at: int | ev.VariableAssigned, el: tuple[int, ...], grad: np.ndarray | None = None,
) -> list[str] | None:
    """The update of the weight assigned at event ``at`` (a list index, or the event itself) for
    element ``el``, written with the real numbers by its optimizer's rule; None for plain SGD and
    for an assignment no optimizer made (the caller's ``before − lr × gradient`` covers those)."""
    index = at if isinstance(at, int) else _index_of(trace, at)
    if index is None:
        return None
    u = weight_update(trace, index, grad)
    if u is None or not u.slots:
        return None
    w0 = float(np.asarray(u.event.before)[el])
    kind = str(u.config.get("class", ""))
    head = f"{kind or 'optimizer'} ({u.optimizer}) slots{index_text(el)}: " + ", ".join(
        f"{s.symbol} {fmt(s.before[el])} → {fmt(s.after[el])}" for s in u.slots.values() if s.before.shape == u.event.before.shape
    )
    rule = RULES.get(kind)
    declared = u.config.get("rule")
    if rule is None and isinstance(declared, (list, tuple)) and declared:  # an optimizer the view has no numbers for
        return [head, f"{kind}'s update rule: " + "; ".join(str(term) for term in declared)]
    if u.grad is None or np.shape(u.grad) != np.shape(u.event.before) or rule is None:
        why = ("no gradient in the trace" if rule is not None else
               f"the trace does not record {kind}'s rule" if kind else "the trace does not say which optimizer this is")
        return [head, f"({why}: the update rule is not written out)"]
    body = rule(u, el, float(np.asarray(u.grad)[el]), w0)
    return [head] + (body or [f"({kind}'s slots are not all in the trace: the update rule is not written out)"])


def slot_event_lines(trace: Trace, at: int | ev.VariableAssigned) -> list[str] | None:
    """For a slot's own assignment (event ``at``: a list index or the event): whose slot it is;
    None when the event is no slot."""
    index = at if isinstance(at, int) else _index_of(trace, at)
    e = trace.events[index] if index is not None else None
    if index is None or not isinstance(e, ev.VariableAssigned) or e.trainable:
        return None
    for j in range(index + 1, len(trace.events)):  # its weight comes after it, in the same step
        w = trace.events[j]
        if not isinstance(w, ev.VariableAssigned):
            return None
        found = slot_of(e.name, w.name, optimizer_configs(trace)) if w.trainable else None
        if found is not None:
            symbol = slot_symbols(trace, found[0]).get(found[1], found[1])
            return [f"the optimizer's {found[1]} slot ({symbol}) of {w.name}: its new value feeds the weight's update "
                    f"(event {j + 1} writes the rule with the numbers)"]
    return None


__all__ = [
    "RULES", "SLOT_SYMBOLS", "SlotChange", "WeightUpdate", "adam_numbers", "optimizer_configs", "optimizer_lines",
    "slot_event_lines", "slot_of", "slot_row", "slot_symbols", "slots_by_weight", "weight_update",
]
