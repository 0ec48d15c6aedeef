"""Why a gradient is None, in words: the engine's reason codes (``GradientsReturned.reasons``,
see ``engine/why_none.py``) said with the learner's own names, short for a table cell and in
full for the inspector; and what an op off the tape is called. Used by ``view/events.py``.
"""

from __future__ import annotations

from ..engine import events as ev
from ..trace import Trace
from .names import UNUSED, UNWATCHED, row_names

NOT_ON_TAPE = "not on the tape"  # an op run in a tape's block that no tape recorded

# Each engine reason, short (a table cell) and in full (the inspector); {x} is the source's
# name, {y} the target's, {dtype} the source's dtype. The learner's own names where known.
NONE_WORDS: dict[str, tuple[str, str]] = {
    "unwatched": ("not watched by the tape", "the tape did not watch {x}: use `tape.watch({x})` or a `tf.Variable`"),
    "unwatched_variable": (
        "not watched (watch_accessed_variables=False)",
        "the tape did not watch {x}: it was made with watch_accessed_variables=False, so call `tape.watch({x})`",
    ),
    "not_trainable": (
        "non-trainable variable, not watched",
        "{x} is a variable with trainable=False, which the tape does not watch by itself: "
        "use `tape.watch({x})` or make it trainable",
    ),
    "unconnected": (
        "not connected to {y}",
        "{y} does not depend on {x} through the ops the tape recorded (a value that went through "
        "numpy or a Python number, or a variable replaced by a plain tensor, starts afresh)",
    ),
    "integer": (
        "integer dtype",
        "{x} has dtype {dtype}: gradients exist only for floating-point tensors; "
        "use `tf.cast({x}, tf.float32)` or a float constant",
    ),
    "integer_target": ("integer target", "the target {y} has an integer dtype: gradients need a floating-point target"),
    "stop_gradient": (
        "cut by stop_gradient",
        "every path from {x} to {y} goes through `tf.stop_gradient`, which sends no gradient back",
    ),
    "stop_recording": (
        "cut by stop_recording",
        "{y} was computed from {x} inside `tape.stop_recording()`, so the tape did not record those ops",
    ),
    "spent": (
        "the tape was already used",
        "this non-persistent tape had already answered gradient(), so this call raised: "
        "use `tf.GradientTape(persistent=True)` to ask more than once",
    ),
}
OLD_NONE = ("", "no reason recorded (a trace saved before reasons were kept)")  # short, full


def tensor_word(trace: Trace, tensor_id: int, fallback: str) -> str:
    """The learner's name for a tensor (``x``), else its node's label, else ``fallback``."""
    if not tensor_id:
        return fallback
    name = trace.graph.user_name(tensor_id)
    if name:
        return name
    node = trace.graph.nodes.get(tensor_id)
    return node.label if node is not None else fallback


def none_reason(trace: Trace, e: ev.GradientsReturned, k: int, full: bool = True) -> str:
    """Why source ``k`` of ``e`` got None, in words with the learner's names ("" if it got one)."""
    if e.grads[k] is not None:
        return ""
    code = e.reason(k)
    if code not in NONE_WORDS:
        return OLD_NONE[full] if not code else code
    x = tensor_word(trace, e.sources[k], f"source {k + 1}")
    y = tensor_word(trace, e.targets[0], "the target") if e.targets else "the target"
    node = trace.graph.nodes.get(e.sources[k])
    dtype = node.dtype if node is not None else "an integer type"
    return NONE_WORDS[code][full].format(x=x, y=y, dtype=dtype)


def source_words(trace: Trace, e: ev.GradientsReturned) -> list[str]:
    """The sources of a gradient() call as a table row names them (the learner's name, else
    ``dense/kernel``); ``source 2`` for one the trace has no node or name for."""
    names = row_names(trace, e.sources)
    return [name if name not in (UNWATCHED, UNUSED) else f"source {k + 1}" for k, name in enumerate(names)]


def source_word(trace: Trace, e: ev.GradientsReturned, k: int) -> str:
    """Source ``k`` of a gradient() call, named as in :func:`source_words`."""
    return source_words(trace, e)[k]


def none_text(why: str) -> str:
    """``None — why`` (just ``None`` when no reason is known)."""
    return f"None — {why}" if why else "None"


def spent(e: ev.GradientsReturned) -> bool:
    """The call raised: a non-persistent tape had already been used."""
    return bool(e.reasons) and all(r == "spent" for r in e.reasons)


__all__ = [
    "NONE_WORDS", "NOT_ON_TAPE", "OLD_NONE", "none_reason", "none_text", "source_word", "source_words", "spent", "tensor_word",
]
