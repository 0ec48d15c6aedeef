"""Write the README's key table from the bindings (``--check``: only say whether it is current).

The table sits between ``<!-- keys -->`` and ``<!-- /keys -->``; tests/ui/test_keys.py fails
while it differs from what this script writes.
"""

from __future__ import annotations

import sys
from pathlib import Path

from tapeviz.ui.keys import BINDINGS, OTHER_KEYS, bindings_of, markdown_table, palette_row
from tapeviz.ui.main_screen import MainScreen

README = Path(__file__).resolve().parent.parent / "README.md"
START, END = "<!-- keys -->", "<!-- /keys -->"


def key_table() -> str:
    """The app's keys, then the main screen's, then Textual's own."""
    return markdown_table(BINDINGS, bindings_of(MainScreen), others=[*OTHER_KEYS, palette_row("ctrl+p")])


def with_table(text: str) -> str:
    before, start, rest = text.partition(START)
    _old, end, after = rest.partition(END)
    if not (start and end):
        raise SystemExit(f"{README}: no {START} … {END} block")
    return f"{before}{START}\n{key_table()}\n{END}{after}"


def main(argv: list[str]) -> int:
    text = README.read_text(encoding="utf-8")
    new = with_table(text)
    if "--check" in argv:
        return 0 if new == text else 1
    if new != text:
        README.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
