"""Keys are described once, on their bindings: the help, the palette and the README agree."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tapeviz.ui import TapevizApp
from tapeviz.ui.help_screen import help_rows
from tapeviz.ui.keys import BINDINGS, bindings_of, help_of, key_name, key_rows
from tapeviz.ui.lesson_screen import LessonScreen
from tapeviz.ui.main_screen import MainScreen

ROOT = Path(__file__).resolve().parents[2]


def test_every_binding_of_the_app_and_its_screens_carries_its_help() -> None:
    ours = [cls for owner in (TapevizApp, MainScreen, LessonScreen) for cls in owner.__mro__
            if cls.__module__.startswith("tapeviz.")]
    for cls in ours:
        for binding in cls.__dict__.get("BINDINGS", []):
            title, what = help_of(binding)
            assert binding.tooltip and title and what, f"{cls.__name__}: {binding.key} has no help"


def test_the_readme_key_table_is_made_from_the_bindings() -> None:
    script = ROOT / "scripts" / "readme_keys.py"
    result = subprocess.run([sys.executable, str(script), "--check"], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, f"README's key table is stale: run python {script.relative_to(ROOT)}"


def test_a_key_the_lesson_screen_takes_is_described_as_the_lesson_uses_it() -> None:
    rows = dict(help_rows(bindings_of(LessonScreen), BINDINGS))
    assert rows["n"].startswith("next lesson step")
    assert "N" in rows and "node" in rows["N"]  # N is still the app's
    assert sum(1 for keys, _ in help_rows(bindings_of(LessonScreen), BINDINGS) if keys == "?") == 1


def test_key_rows_leave_out_keys_taken_in_front() -> None:
    front = [b for b in bindings_of(LessonScreen) if b.key == "n"]
    rows = key_rows(front, BINDINGS)
    assert [r for r in rows if r[0] == "n"] == [("n", *help_of(front[0]))]


def test_key_names_read_as_people_write_them() -> None:
    assert key_name("shift+left") == "Shift+←"
    assert key_name("question_mark") == "?"
    assert key_name("ctrl+n") == "ctrl+n"
