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
    Binding("n", "next_node", "node", show=False),
    Binding("N", "prev_node", "previous node", show=False),
    Binding("o", "toggle_source", "code"),
    Binding("m", "toggle_messages", "msgs"),
    Binding("v", "view_matrix", "matrix", show=False),
    Binding("e", "export", "export"),
    Binding("s", "save", "save", show=False),
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
    "next_node": ("Select next node", "Select the next node for the inspector (n)"),
    "prev_node": ("Select previous node", "Select the previous node (N)"),
    "toggle_source": ("Show / hide the source", "The program's text with the event's line highlighted (o)"),
    "toggle_messages": ("Messages", "Warnings, printed output and NaN/inf findings of the program (m)"),
    "view_matrix": ("Full matrix", "Every number of the selected tensor, scrollable (v)"),
    "export": ("Export image", "Write the current view as a PNG through the renderer (e)"),
    "save": ("Save trace", "Save the recorded trace to a file (s)"),
    "help": ("Help", "Keys and colours (?)"),
}
