"""The app's keys, and the name and help line of each action (the command palette lists them)."""

from __future__ import annotations

from textual.binding import Binding

BINDINGS: list[Binding] = [
    Binding("right,l", "next_event", "next", key_display="→", priority=True),
    Binding("left,h", "prev_event", "prev", key_display="←", priority=True),
    Binding("home", "first_event", "first", show=False, priority=True),
    Binding("end", "last_event", "last", show=False, priority=True),
    Binding("right_square_bracket", "next_phase", "phase", key_display="]"),
    Binding("left_square_bracket", "prev_phase", "phase back", key_display="[", show=False),
    Binding("space", "play", "play"),
    Binding("plus,equals_sign", "faster", "faster", show=False),
    Binding("minus", "slower", "slower", show=False),
    Binding("t", "train", "train"),
    Binding("g", "toggle_grads", "val/grad"),
    Binding("c", "collapse", "collapse"),
    Binding("z", "toggle_fit", "fit/detail"),
    Binding("shift+left", "pan_left", "pan left", show=False),
    Binding("shift+right", "pan_right", "pan right", show=False),
    Binding("shift+up", "pan_up", "pan up", show=False),
    Binding("shift+down", "pan_down", "pan down", show=False),
    Binding("tab", "next_node", "node", key_display="tab", priority=True),
    Binding("shift+tab", "prev_node", "previous node", show=False, priority=True),
    Binding("e", "export", "export"),
    Binding("s", "save", "save"),
    Binding("question_mark", "help", "help", key_display="?"),
    Binding("q", "quit", "quit"),
]

ACTION_HELP: dict[str, tuple[str, str]] = {
    "next_event": ("Next event", "Move the cursor one event forward (→ or l)"),
    "prev_event": ("Previous event", "Move the cursor one event back (← or h)"),
    "first_event": ("First event", "Jump to the first event (Home)"),
    "last_event": ("Last event", "Jump to the last event (End)"),
    "next_phase": ("Next phase", "Jump to the next phase boundary (])"),
    "prev_phase": ("Previous phase", "Jump back to the previous phase boundary ([)"),
    "play": ("Play / pause", "Step through the events automatically (space)"),
    "faster": ("Play faster", "Shorter pause between events while playing (+)"),
    "slower": ("Play slower", "Longer pause between events while playing (-)"),
    "train": ("Train one more iteration", "Run forward, backward and the SGD update again and append it (t)"),
    "toggle_grads": ("Show values / gradients", "Switch what the graph boxes show (g)"),
    "collapse": ("Collapse / expand scope", "Draw the selected node's scope as one box, or open it again (c)"),
    "toggle_fit": ("Fit / detail view", "The whole graph in the pane (boxes as small as needed), or full-size boxes to pan (z)"),
    "pan_left": ("Pan the graph left", "Scroll the graph a quarter pane left (Shift+←); a step scrolls back to its event"),
    "pan_right": ("Pan the graph right", "Scroll the graph a quarter pane right (Shift+→)"),
    "pan_up": ("Pan the graph up", "Scroll the graph a quarter pane up (Shift+↑)"),
    "pan_down": ("Pan the graph down", "Scroll the graph a quarter pane down (Shift+↓)"),
    "next_node": ("Select next node", "Select the next node for the inspector (Tab)"),
    "prev_node": ("Select previous node", "Select the previous node (Shift+Tab)"),
    "export": ("Export image", "Write the current view as a PNG through the renderer (e)"),
    "save": ("Save trace", "Save the recorded trace to a file (s)"),
    "help": ("Help", "Keys and colours (?)"),
}
