"""The command palette, closed at most once (issue 16).

Textual's palette handles every Enter (or click) that reaches it before it has closed: a second
Enter typed quickly, or a held key, selects again, and its second ``dismiss()`` pops whatever
screen is on top by then — the main or lesson screen, which emptied the stack and stopped the
app, or the help screen the first selection had just opened. This palette ignores selections
that arrive once it is no longer the active screen, and a second ``dismiss()`` is a no-op.

PageUp/PageDown pressed right after the palette opens (within ~50 ms, before its command list
has laid out its lines) raised ``KeyError`` in Textual's ``OptionList._move_page`` and killed the
app (issue 27): such a key is dropped, as there is no page on screen yet to move by.
"""

from __future__ import annotations

from textual import on
from textual.await_complete import AwaitComplete
from textual.command import CommandPalette
from textual.message import Message
from textual.widgets import Button, Input, OptionList


class ClosingOnceCommandPalette(CommandPalette):
    """Textual's palette, except that a selection after it closed neither runs nor pops anything."""

    @on(Input.Submitted)
    @on(Button.Pressed)
    @on(OptionList.OptionSelected)
    def _ignore_when_closed(self, event: Message) -> None:
        # Runs before the base class's handlers (the MRO order); prevent_default skips them.
        if not self.is_active:
            event.stop()
            event.prevent_default()

    def _action_command_list(self, action: str) -> None:
        try:
            super()._action_command_list(action)
        except KeyError:  # the list has options but no laid-out lines yet: nothing to page
            if action not in ("page_up", "page_down"):
                raise

    def dismiss(self, result: None = None) -> AwaitComplete:
        """Close the palette if it is still on top; otherwise it already closed: do nothing."""
        if not self.is_active:
            return AwaitComplete.nothing()
        return super().dismiss(result)
