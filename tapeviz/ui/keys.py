"""Keys and their help, written once.

Each binding carries its own help in ``tooltip`` as ``"Title: what it does"``. The help screen,
the command palette and the README's key table are all made from the bindings of the app and
of the screen in front, so a key is described in exactly one place.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual.binding import Binding

# How a key name is written for people (Textual's names on the left).
_KEY_NAMES = {
    "right": "→", "left": "←", "up": "↑", "down": "↓", "home": "Home", "end": "End",
    "space": "space", "enter": "Enter", "escape": "Esc", "tab": "Tab", "pageup": "PageUp",
    "pagedown": "PageDown", "question_mark": "?", "right_square_bracket": "]",
    "left_square_bracket": "[", "plus": "+", "equals_sign": "=", "minus": "-",
}


def key(keys: str, action: str, footer: str, title: str, what: str, **options: object) -> Binding:
    """A binding with its help: ``footer`` is the footer's word, ``title`` the palette's name,
    ``what`` one line of what the key does."""
    return Binding(keys, action, footer, tooltip=f"{title}: {what}", **options)  # type: ignore[arg-type]


def help_of(binding: Binding) -> tuple[str, str]:
    """``(title, what it does)`` of a binding made by :func:`key` (else its footer word twice)."""
    title, sep, what = binding.tooltip.partition(": ")
    return (title, what) if sep else (binding.description, binding.description)


def key_name(key_: str) -> str:
    """``shift+left`` → ``Shift+←``, ``ctrl+n`` → ``ctrl+n``, ``N`` → ``N``."""
    *modifiers, name = key_.split("+")
    shown = _KEY_NAMES.get(name, name)
    return "+".join([*(m.capitalize() if m == "shift" else m for m in modifiers), shown])


def keys_label(binding: Binding) -> str:
    """Every key of a binding, for people: ``→ / l``."""
    return " / ".join(key_name(k.strip()) for k in binding.key.split(","))


def bindings_of(node_class: type) -> list[Binding]:
    """The bindings tapeviz declares on a class, its own first, then its bases' (Textual's own
    classes' keys, such as Tab, are left to Textual)."""
    return [b for cls in node_class.__mro__ if cls.__module__.startswith("tapeviz.")
            for b in cls.__dict__.get("BINDINGS", []) if isinstance(b, Binding)]


def documented(bindings: Iterable[object]) -> list[Binding]:
    """The bindings that carry help (those made by :func:`key`)."""
    return [b for b in bindings if isinstance(b, Binding) and b.tooltip]


def key_rows(*layers: Iterable[object]) -> list[tuple[str, str, str]]:
    """``(keys, title, what)`` for the documented bindings of ``layers``, the front one first.

    A key taken by a layer in front (the lesson screen's ``n``) is left out of the layers behind
    it, which is what pressing it does; an action reached by no key any more is left out.
    """
    taken: set[str] = set()
    rows: list[tuple[str, str, str]] = []
    for layer in layers:
        layer_keys: set[str] = set()
        for binding in documented(layer):
            free = [k.strip() for k in binding.key.split(",") if k.strip() not in taken]
            layer_keys.update(free)
            if free:
                title, what = help_of(binding)
                rows.append((" / ".join(key_name(k) for k in free), title, what))
        taken |= layer_keys
    return rows


def markdown_table(*layers: Iterable[object], others: Iterable[tuple[str, str]] = ()) -> str:
    """The README's key table: the documented bindings of ``layers``, then ``others``."""
    rows = [(keys_, what) for keys_, _title, what in key_rows(*layers)]
    lines = ["| key | action |", "|-----|--------|"]
    for keys_, what in [*rows, *others]:
        shown = " ".join(f"`{k}`" if k != "/" else k for k in keys_.split(" "))
        lines.append(f"| {shown} | {what} |")
    return "\n".join(lines)


BINDINGS: list[Binding] = [
    key("right,l", "next_event", "next", "Next event", "next event",
        key_display="→", priority=True),
    key("left,h", "prev_event", "prev", "Previous event",
        "previous event (shows exactly what was shown before)", key_display="←", priority=True),
    key("home", "first_event", "first", "First event", "first event", show=False, priority=True),
    key("end", "last_event", "last", "Last event", "last event", show=False, priority=True),
    key("right_square_bracket", "next_phase", "phase", "Next phase",
        "next phase boundary (forward, backward, update)", key_display="]"),
    key("left_square_bracket", "prev_phase", "phase back", "Previous phase",
        "previous phase boundary", key_display="[", show=False),
    key("space", "play", "play", "Play / pause", "play / pause: step through the events by itself"),
    key("plus,equals_sign", "faster", "faster", "Play faster", "play faster (a shorter pause between events)",
        show=False),
    key("minus", "slower", "slower", "Play slower", "play slower (a longer pause between events)", show=False),
    key("t", "train", "train", "Train one more iteration",
        "train one more iteration on the live model (forward, backward, update), appended to the timeline"),
    key("escape", "cancel_training", "cancel training", "Cancel training",
        "stop a train step that is still running; what it recorded is kept", show=False),
    key("g", "toggle_grads", "val/grad", "Show values / gradients",
        "the graph boxes show values or gradients (by itself: gradients in the backward pass, until you press g)"),
    key("c", "collapse", "collapse", "Collapse / expand scope",
        "collapse / expand the selected node's scope (layer, loss): one box, or open again"),
    key("z", "toggle_fit", "fit/detail", "Fit / detail view",
        "fit view (the whole graph in the pane: inputs inside their op, far scopes folded, one line "
        "per op only when no boxes fit) / detail view (every input a box of its own, full size, to pan)"),
    key("n", "next_node", "node", "Select next node", "select the next node for the inspector (a mouse click selects too)",
        show=False),
    key("N", "prev_node", "previous node", "Select previous node", "select the previous node for the inspector",
        show=False),
    # the main screen's panels: bound here so the footer keeps its order; the screen acts
    key("o", "screen.toggle_source", "code", "Show / hide the source",
        "show / hide the program's source, the current event's line highlighted (shown by default "
        "from 140 columns)"),
    key("m", "screen.toggle_messages", "msgs", "Messages",
        "show / hide messages: the program's warnings, its printed output (stdout, stderr) and every "
        "NaN/inf finding"),
    key("v", "view_matrix", "matrix", "Full matrix",
        "the selected tensor's full matrix (value and gradient), scrollable", show=False),
    key("r", "run_view", "run", "Run view",
        "the whole run: the loss over every iteration and each weight's gradient and update norms "
        "(a cursor picks an iteration, Enter opens its tape)", show=False),
    key("slash", "screen.search_timeline", "search", "Search the timeline",
        "search the timeline as you type (name, op, scope, phase; a number goes to that event); Enter keeps it, "
        "n / N (or F3 / Shift+F3) next / previous match, Esc clears; in a lesson n stays 'next step', use F3",
        key_display="/", show=False),
    key("e", "export", "export", "Export image",
        "export the current view as a PNG into ./tapeviz-out/ (in a browser: a download; the message says where)"),
    key("E", "export_iteration", "export iteration", "Export this iteration",
        "export the cursor's iteration as an animated GIF (numbered PNG frames without Pillow)", show=False),
    key("s", "save", "save", "Save trace", "save the trace into ./tapeviz-out/ (in a browser: a download; open it again with tapeviz open FILE)",
        show=False),
    key("question_mark", "help", "help", "Help", "help: keys and colours", key_display="?"),
    key("q", "quit", "quit", "Quit", "quit"),
]
"""The app's keys: they work on every screen that does not take the key itself."""

PAN_BINDINGS: list[Binding] = [
    key("shift+left", "pan(-1, 0)", "pan left", "Pan the graph left",
        "pan the graph a quarter pane left (the next step scrolls back to its event)", show=False),
    key("shift+right", "pan(1, 0)", "pan right", "Pan the graph right", "pan the graph a quarter pane right",
        show=False),
    key("shift+up", "pan(0, -1)", "pan up", "Pan the graph up", "pan the graph a quarter pane up", show=False),
    key("shift+down", "pan(0, 1)", "pan down", "Pan the graph down", "pan the graph a quarter pane down",
        show=False),
    key("f", "toggle_graph_max", "big graph", "Maximise the graph",
        "the graph pane takes the whole screen (the inspector, source and timeline hidden) / back",
        show=False),
]
"""The graph pane's keys, bound on every screen that shows the graph (whatever pane has the focus)."""

OTHER_KEYS: list[tuple[str, str]] = [
    ("Tab / Shift+Tab", "move the keyboard focus: graph → inspector → source → messages → timeline"),
    ("↑ ↓ PageUp PageDown", "scroll the focused pane (the inspector has the focus first)"),
]
"""Keys Textual itself provides, listed in the help and the README after the bindings (and the
command palette's key, which the app chooses)."""


def palette_row(palette_key: str) -> tuple[str, str]:
    """The help's line for the command palette, under the key the app gave it."""
    return (key_name(palette_key), "command palette: every action by name")
