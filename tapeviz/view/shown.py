"""What kind of quantity a number on screen shows, so a lesson can hide exactly its answer.

The widgets say what each piece of text they draw stands for; a lesson question's ``Secret``
(``tapeviz.lessons.questions``) says which of these positions could give its answer away. A
screen hides a number only where both agree, so asking for a gradient does not hide the input
value the learner has to work from.
"""

from __future__ import annotations

from enum import Enum


class Shown(str, Enum):
    """The quantity a piece of drawn text shows."""

    INPUT = "input"  # the forward value of a variable or constant: what the program was given
    VALUE = "value"  # the forward value an op computed
    GRADIENT = "gradient"  # a gradient: a box in gradient mode, the inspector's gradient, and the value
    # of an op recorded during a backward pass (an outer tape records how a gradient is computed)
    LOSS = "loss"  # the loss number: the status line, the loss curve
    SHAPE = "shape"  # structure: names and shapes around the numbers
    RULE = "rule"  # an op's local derivative as a formula (∂out/∂a = 1): the same for every input
    OTHER = "other"  # anything else or a mix (an event's explanation, a notice, an update's change)
