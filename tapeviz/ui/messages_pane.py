"""The messages panel: what the program said, kept for the whole session (key ``m``).

Every warning the program raised (``trace.meta["warnings"]``), its standard output and standard
error (``meta["stdout"]``/``meta["stderr"]``, captured by the runner), and every event where a
NaN or infinity first appeared, with the event's number and what it was. A toast only points
here, so nothing the learner needs vanishes after a few seconds.
"""

from __future__ import annotations

import io

from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.text import Text
from textual.widgets import Static

from ..trace import Trace
from ..view import event_number, event_sentence
from ..view.names import row_names
from .conceal import NO_SECRET, Concealer
from .palette import Colours


def program_messages(trace: Trace) -> dict[str, list[str]]:
    """The trace's messages by kind: ``warnings``, ``stdout``, ``stderr`` (lines) and ``nonfinite``."""
    meta = trace.meta
    found: dict[str, list[str]] = {
        "warnings": [str(w) for w in meta.get("warnings", []) or []],
        "stdout": str(meta.get("stdout") or "").splitlines(),
        "stderr": str(meta.get("stderr") or "").splitlines(),
        "nonfinite": [],
        "failure": str((meta.get("failure") or {}).get("traceback") or "").splitlines(),
    }
    first = trace.first_nonfinite
    if first is not None:
        for index in range(first, len(trace)):
            bad = trace.nonfinite_at(index)
            if bad:
                names = ", ".join(row_names(trace, list(bad)))
                found["nonfinite"].append(
                    f"event {event_number(index)}: NaN/inf first in {names} — {event_sentence(trace, index)}"
                )
    return found


def message_count(trace: Trace) -> int:
    """How many things the panel holds (warnings, output lines, NaN/inf findings)."""
    return sum(len(v) for v in program_messages(trace).values())


def summary_line(trace: Trace, output: bool = True) -> str:
    """One short line for a toast saying what the panel holds ("" when it is empty): short
    enough for one line of a toast on an 80-column terminal. ``output=False``: what the program
    printed is not worth a toast (a lesson's program prints; the toast covered the lesson)."""
    found = program_messages(trace)
    parts = []
    if found["failure"]:
        parts.append("the program failed")
    if found["warnings"]:
        parts.append(f"{len(found['warnings'])} warning" + ("s" if len(found["warnings"]) != 1 else ""))
    if output and (found["stdout"] or found["stderr"]):
        parts.append("program output")
    if found["nonfinite"]:
        parts.append("NaN/inf")
    said = ", ".join(parts)
    pronoun = "them" if len(parts) > 1 or len(found["warnings"]) > 1 else "it"
    return f"{said[:1].upper()}{said[1:]}: press m to read {pronoun}" if parts else ""


SECTIONS = (
    ("failure", "The program failed (your program's traceback)", "nonfinite"),
    ("warnings", "Warnings the program raised", "loss"),
    ("nonfinite", "NaN / infinity (where it first appeared)", "nonfinite"),
    ("stdout", "Standard output (print)", "forward"),
    ("stderr", "Standard error", "update"),
)


def messages_renderable(trace: Trace, colours: Colours, conceal: Concealer = NO_SECRET) -> RenderableType:
    """All the sections, each with its heading; empty ones say so (the failure's only when there
    is one). ``conceal``: a lesson's open question hides its answer here too (a lesson program
    that prints its gradients would answer it)."""
    found = program_messages(trace)
    parts: list[RenderableType] = []
    for key, title, role in SECTIONS:
        lines = found[key]
        if key == "failure" and not lines:
            continue  # (only a program that failed has this section)
        parts.append(Text(f"{title} ({len(lines)})", style=colours.fg(role, bold=True)))
        if not lines:
            parts.append(Padding(Text("none", style=colours.fg("muted")), (0, 0, 0, 2)))
        for line in lines:
            parts.append(Padding(Text(conceal(line)), (0, 0, 0, 2)))
    return Group(*parts)


def plain_text(renderable: RenderableType, width: int = 200) -> str:
    """What ``renderable`` says, without colours (for tests)."""
    console = Console(file=io.StringIO(), width=width, color_system=None)
    console.print(renderable)
    return console.file.getvalue()  # type: ignore[attr-defined]


class MessagesPane(Static):
    """The panel's text; its container scrolls it."""

    text = ""

    def show(self, trace: Trace, colours: Colours, conceal: Concealer = NO_SECRET) -> None:
        body = messages_renderable(trace, colours, conceal)
        self.text = plain_text(body)
        self.update(body)
