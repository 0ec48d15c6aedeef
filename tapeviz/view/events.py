"""Every event in words, from one table: one describer per event kind.

Each kind says itself four ways, kept side by side so they never drift apart:

* ``row`` — (what, where, numbers), the columns of ``tapeviz events`` and the UI timeline;
* ``sentence`` — one line for an image title (``now: forward — matmul in dense computed …``);
* ``heading`` — the inspector's title and its colour class (forward, backward, update, info);
* ``lines`` — the inspector's explanation with the real numbers.

Events are numbered for people from 1 (``event_number``); ``trace.events[i]`` stays a 0-based
list index. Nothing here imports Textual, rich or graphviz: callers get plain strings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..engine import events as ev
from ..engine.events import BackwardStep, Event
from ..engine.registry import REGISTRY
from ..trace import Trace
from .chain_rule import chain_rule_lines
from .custom import CUSTOM_OP, custom_names, custom_of, custom_step_lines, grad_fn_ops, op_title
from .names import node_label, node_short, node_where, row_names, variable_name
from .none_words import (
    NONE_WORDS,
    NOT_ON_TAPE,
    none_reason,
    none_text,
    source_word,
    source_words,
    spent,
    tensor_word,
)
from .numbers import (
    abs_max,
    clip,
    entry,
    index_text,
    largest,
    shape_of,
    shape_text,
    summary,
    update_text,
)
from .update_words import learning_rate, update_lines

SENTENCE_MAX = 125  # characters of an image's event line


def event_number(index: int) -> int:
    """The number people see for the event at list index ``index``: events count from 1."""
    return index + 1


def event_index(number: int, length: int) -> int | None:
    """The list index of event ``number`` (from 1; negative counts from the end, -1 the last)
    in a trace of ``length`` events, or None when there is no such event (0 is none)."""
    if 0 < number <= length:
        return number - 1
    if -length <= number < 0:
        return length + number
    return None


@dataclass
class Explanation:
    """A titled block of lines for the inspector; ``kind`` picks its colour."""

    kind: str  # forward | backward | update | info
    title: str
    lines: list[str] = field(default_factory=list)


def _in_scope(scope: str) -> str:
    return f" in {scope}" if scope else ""


def _derivative(op: str) -> str | None:
    opdef = REGISTRY.get(op)
    return opdef.derivative if opdef is not None and opdef.derivative else None


# ---- one describer per event kind ------------------------------------------------------------
class _Words:
    """An event kind nobody taught the view yet: its class name, no numbers."""

    kind = "info"

    def row(self, trace: Trace, e: Any) -> tuple[str, str, str]:
        return type(e).__name__, "", ""

    def sentence(self, trace: Trace, e: Any) -> str:
        what, where, numbers = self.row(trace, e)
        return f"now: {what} {where} {numbers}"

    def heading(self, trace: Trace, e: Any) -> str:
        return type(e).__name__

    def lines(self, trace: Trace, e: Any, grads: dict[int, np.ndarray]) -> list[str]:
        return []


class _Op(_Words):
    kind = "forward"

    def row(self, trace: Trace, e: ev.OpRecorded) -> tuple[str, str, str]:
        names = row_names(trace, [r.id for r in e.inputs])
        ins = ", ".join(f"{name} {tuple(r.shape)}" for name, r in zip(names, e.inputs))
        off = f"{NOT_ON_TAPE}: " if e.off_tape else ""
        return op_title(trace, e), e.scope, f"{off}({ins}) → {tuple(e.output.shape)} = {summary(e.output.value)}"

    def sentence(self, trace: Trace, e: ev.OpRecorded) -> str:
        out = e.output.value
        value = f"{shape_text(out.shape)} = {summary(out, plain_zero=True)}"
        if e.grad_fn_of:
            f, g = custom_of(trace, e.grad_fn_of)
            return f"now: backward — inside ∂ {f}, its gradient function {g}() computed {e.op} {value}"
        if e.op == CUSTOM_OP:
            f, g = custom_names(e.attrs)
            return f"now: forward — {f} (custom gradient {g}()) computed {value}"
        off = f" ({NOT_ON_TAPE}: it gets no gradient)" if e.off_tape else ""
        return f"now: forward — {node_where(trace, e.output.id)} computed {value}{off}"

    def heading(self, trace: Trace, e: ev.OpRecorded) -> str:
        if e.grad_fn_of:
            f, g = custom_of(trace, e.grad_fn_of)
            return f"custom gradient {g}() of {f}: {e.op}"
        return f"forward: {op_title(trace, e)}{_in_scope(e.scope)}" + (f" ({NOT_ON_TAPE})" if e.off_tape else "")

    def lines(self, trace: Trace, e: ev.OpRecorded, grads: dict) -> list[str]:
        ins = ", ".join(f"{node_short(trace, r.id)} {shape_of(np.asarray(r.value))}" for r in e.inputs)
        lines = [f"out = {e.op}({ins}) → {shape_of(np.asarray(e.output.value))}"]
        if e.op == CUSTOM_OP:
            f, g = custom_names(e.attrs)
            return [
                f"out = {f}({ins}) → {shape_of(np.asarray(e.output.value))}",
                f"{f} has a custom gradient: the backward pass calls {g}(upstream) instead of going back through {f}'s own ops",
            ]
        opdef = REGISTRY.get(e.op)
        if opdef is not None:
            lines.append(f"local derivative: {opdef.derivative}")
        if e.grad_fn_of:
            f, g = custom_of(trace, e.grad_fn_of)
            lines.append(f"run by {g}(), the custom gradient function of {f}, inside {f}'s backward step")
            if not e.tapes:
                lines.append("no tape records it: it only computes the gradient that step sends")
        elif e.in_backward:
            lines.append("recorded by an outer tape during a backward pass")
        if e.off_tape:
            lines.append(
                f"{NOT_ON_TAPE}: it ran inside a tape's block, but the tape watched none of its inputs "
                "(or was paused by stop_recording), so no gradient flows through it"
            )
        return lines


class _Start(_Words):
    kind = "backward"

    def row(self, trace: Trace, e: ev.GradientStarted) -> tuple[str, str, str]:
        seed = summary(e.seeds[0]) if e.seeds else ""
        return "gradient()", "", f"target {', '.join(row_names(trace, e.targets))}, seed {seed}"

    def sentence(self, trace: Trace, e: ev.GradientStarted) -> str:
        target = ", ".join(node_where(trace, t) for t in e.targets)
        seed = summary(e.seeds[0], plain_zero=True) if e.seeds else "1"
        return f"now: gradient() starts the backward pass at {target} with ∇ = {seed}"

    def heading(self, trace: Trace, e: ev.GradientStarted) -> str:
        return "backward pass starts"

    def lines(self, trace: Trace, e: ev.GradientStarted, grads: dict) -> list[str]:
        target = ", ".join(node_short(trace, t) for t in e.targets)
        seed = np.asarray(e.seeds[0]) if e.seeds else np.ones(())
        if seed.size and not np.all(seed == 1):  # output_gradients= gave the upstream gradient
            start = f"tape.gradient({target}, …, output_gradients=…): the seed is the given upstream gradient, {summary(seed)}"
        else:
            start = f"tape.gradient({target}, …): the seed ∂L/∂L = 1" + (f" (ones, {summary(seed)})" if seed.size > 1 else "")
        return [start, "gradients now flow from the loss back through every recorded op"]


class _Step(_Words):
    kind = "backward"

    def row(self, trace: Trace, e: BackwardStep) -> tuple[str, str, str]:
        given = [(i, g) for i, g in zip(e.input_ids, e.input_grads) if g is not None]
        names = row_names(trace, [i for i, _ in given])
        sent = ", ".join(f"→ {name}: {summary(g)}" for name, (_, g) in zip(names, given))
        what = f"∂ {e.op}"
        if e.op == CUSTOM_OP:
            f, g = custom_of(trace, e.op_id)
            what = f"∂ {f} [∇ {g}]"
        return what, e.scope, f"upstream {summary(e.upstream)}; {sent}"

    def sentence(self, trace: Trace, e: BackwardStep) -> str:
        to = [node_label(trace, i) for i, g in zip(e.input_ids, e.input_grads) if g is not None]
        if e.op == CUSTOM_OP:
            f, g = custom_of(trace, e.op_id)
            sent = "; ".join(
                f"{summary(s, plain_zero=True)} to {node_label(trace, i)}" for i, s in zip(e.input_ids, e.input_grads) if s is not None
            )
            ran = len(grad_fn_ops(trace, e.op_id))
            return f"now: ∂ {f} — {g}() ran {ran} op{'s' * (ran != 1)}: ∇ {summary(e.upstream, plain_zero=True)} became {sent or 'nothing'}"
        rule = _derivative(e.op)
        rule_text = f" · rule: {rule}" if rule else ""
        return f"now: backward through {node_where(trace, e.output_id)} — ∇ to {', '.join(to) or 'no input'}{rule_text}"

    def heading(self, trace: Trace, e: BackwardStep) -> str:
        if e.op == CUSTOM_OP:
            f, g = custom_of(trace, e.op_id)
            return f"backward: ∂ {f} by its custom gradient {g}(){_in_scope(e.scope)}"
        return f"backward: ∂ {e.op}{_in_scope(e.scope)}"

    def lines(self, trace: Trace, e: BackwardStep, grads: dict) -> list[str]:
        lines = [f"upstream gradient g = ∂L/∂{node_short(trace, e.output_id)} {shape_of(np.asarray(e.upstream))}"]
        if e.op == CUSTOM_OP:
            lines.extend(custom_step_lines(trace, e))
        else:
            opdef = REGISTRY.get(e.op)
            if opdef is not None:
                lines.append(f"local derivative: {opdef.derivative}")
        lines.extend(chain_rule_lines(trace, e))
        return lines


class _Accumulate(_Words):
    kind = "backward"

    def row(self, trace: Trace, e: ev.GradientAccumulated) -> tuple[str, str, str]:
        (name,) = row_names(trace, [e.tensor_id])
        return "accumulate", "", f"{name}: {summary(e.before)} + {summary(e.added)} = {summary(e.total)}"

    def sentence(self, trace: Trace, e: ev.GradientAccumulated) -> str:
        parts = (summary(a, plain_zero=True) for a in (e.before, e.added, e.total))
        return "now: ∇ of {} adds up: {} + {} = {}".format(node_where(trace, e.tensor_id), *parts)

    def heading(self, trace: Trace, e: ev.GradientAccumulated) -> str:
        return "gradients add up"

    def lines(self, trace: Trace, e: ev.GradientAccumulated, grads: dict) -> list[str]:
        el = largest(np.asarray(e.total))
        before, added, total = (entry(a, el) for a in (e.before, e.added, e.total))
        return [
            f"{node_short(trace, e.tensor_id)} feeds several ops, so its gradients are summed:",
            f"{index_text(el) or 'value'}: {before} + {added} = {total}",
        ]


class _Returned(_Words):
    kind = "backward"

    def row(self, trace: Trace, e: ev.GradientsReturned) -> tuple[str, str, str]:
        what = "gradient() raised" if spent(e) else "gradients"
        return what, "", "; ".join(
            f"{name}: {summary(g) if g is not None else none_text(none_reason(trace, e, k, False))}"
            for k, (name, g) in enumerate(zip(source_words(trace, e), e.grads))
        )

    def sentence(self, trace: Trace, e: ev.GradientsReturned) -> str:
        if spent(e):
            return "now: gradient() raised — the non-persistent tape was already used"
        given = ", ".join(node_where(trace, s) for s, g in zip(e.sources, e.grads) if s and g is not None)
        parts = [f"∇ for {given}"] if given else []
        parts += [
            f"None for {source_word(trace, e, k)}" + (f" ({why})" if (why := none_reason(trace, e, k, False)) else "")
            for k, g in enumerate(e.grads) if g is None
        ]
        return f"now: gradient() returns {'; '.join(parts) or '∇ for nothing'}"

    def heading(self, trace: Trace, e: ev.GradientsReturned) -> str:
        return "tape.gradient() raised: the tape was already used" if spent(e) else "tape.gradient() returns"

    def lines(self, trace: Trace, e: ev.GradientsReturned, grads: dict) -> list[str]:
        lines = []
        for k, (s, g) in enumerate(zip(e.sources, e.grads)):
            if g is None:
                lines.append(f"{source_word(trace, e, k)}: {none_text(none_reason(trace, e, k))}")
            else:
                ga = np.asarray(g)
                lines.append(f"{node_short(trace, s)} {shape_of(ga)}: max |g| {abs_max(ga)}")
        return lines


class _Assign(_Words):
    kind = "update"

    def row(self, trace: Trace, e: ev.VariableAssigned) -> tuple[str, str, str]:
        scope = e.name.rsplit("/", 1)[0] if "/" in e.name else ""
        return e.method, scope, f"{variable_name(trace, e.variable_id, e.name)}: {summary(e.before)} → {summary(e.after)}"

    def sentence(self, trace: Trace, e: ev.VariableAssigned) -> str:
        return f"now: update — {variable_name(trace, e.variable_id, e.name)}.{e.method}: {update_text(e.before, e.after)}"

    def heading(self, trace: Trace, e: ev.VariableAssigned) -> str:
        return f"update: {e.method} on {variable_name(trace, e.variable_id, e.name)}"

    def lines(self, trace: Trace, e: ev.VariableAssigned, grads: dict) -> list[str]:
        return update_lines(trace, e, grads.get(e.variable_id))


_UNKNOWN = _Words()
DESCRIBERS: dict[type, _Words] = {
    ev.OpRecorded: _Op(), ev.GradientStarted: _Start(), BackwardStep: _Step(),
    ev.GradientAccumulated: _Accumulate(), ev.GradientsReturned: _Returned(), ev.VariableAssigned: _Assign(),
}


def words(event: Event) -> _Words:
    """The describer of an event's kind (the one dispatch over event types)."""
    return DESCRIBERS.get(type(event), _UNKNOWN)


# ---- the public sayings --------------------------------------------------------------------
def describe_event(trace: Trace, event: Event) -> tuple[str, str, str]:
    """(what, where, numbers) for one event, in words a learner can read."""
    return words(event).row(trace, event)


def event_sentence(trace: Trace, index: int) -> str:
    """What event ``index`` did, in one sentence with its numbers (an image's second title row)."""
    text = words(trace.events[index]).sentence(trace, trace.events[index])
    if trace.nonfinite_at(index):
        first = " (the first in the trace)" if trace.first_nonfinite == index else ""
        text = f"⚠ NaN/inf produced here{first} · " + text
    if index == len(trace) - 1 and "failure" in trace.meta:  # the program failed after this event
        from .failure import failure_sentence

        text = f"{failure_sentence(trace)} · after: {text}"
    return clip(text, SENTENCE_MAX)


def explain(trace: Trace, index: int, grads: dict[int, np.ndarray] | None = None) -> Explanation:
    """The inspector's explanation of event ``index``.

    ``grads`` are the gradients known at the cursor (an update shows ``before − lr × gradient``);
    a backward step's lines end with its chain rule (``tapeviz.view.chain_rule``).
    An event that produced a NaN or infinity from finite numbers says so first.
    """
    event = trace.events[index]
    describer = words(event)
    found = Explanation(describer.kind, describer.heading(trace, event), describer.lines(trace, event, grads or {}))
    bad = trace.nonfinite_at(index)
    if bad:
        names = ", ".join(node_short(trace, i) for i in bad)
        found.lines.insert(0, f"⚠ a NaN or infinity appears here, in {names}: later ops only carry it along")
    return found


__all__ = [
    "DESCRIBERS", "Explanation", "custom_step_lines", "describe_event", "event_index", "event_number",
    "event_sentence", "explain", "learning_rate", "node_label", "node_short", "node_where", "row_names", "update_lines",
    "words", "NONE_WORDS", "NOT_ON_TAPE", "none_reason", "tensor_word",
]
