"""The app's themes: the projector theme offered beside Textual's, ``$TAPEVIZ_THEME`` applied at
start, and the ``-projector`` class that app.tcss uses to show focus by shape as well as colour.

A mixin of :class:`~tapeviz.ui.app.TapevizApp` (before ``App`` in its bases).
"""

from __future__ import annotations

from typing import Any

from .palette import PROJECTOR_THEME, chosen_theme, install_themes


class ThemeHooks:
    """Registers the projector theme when the app is made; follows the theme that is shown."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        install_themes(self)
        name = chosen_theme()
        if name:
            self.theme = name  # type: ignore[attr-defined]

    def watch_theme(self, name: str) -> None:
        self.set_class(name == PROJECTOR_THEME, "-projector")  # type: ignore[attr-defined]
