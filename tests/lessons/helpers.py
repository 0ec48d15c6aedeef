"""Shared helpers for the lesson tests: open a bundled lesson headless."""

from __future__ import annotations

from pathlib import Path

from tapeviz.lessons import LessonRun, discover, find_entry, lesson_folder_default
from tapeviz.lessons.loader import load_lesson


def open_lesson(ident: str) -> LessonRun:
    entry = find_entry(discover(lesson_folder_default()), ident)
    assert entry.lesson is not None, entry.error
    return LessonRun.open(entry.lesson)


def write_lesson(tmp_path: Path, text: str, program: str | None = None, folder: str = "01-test") -> LessonRun:
    d = tmp_path / folder
    d.mkdir(parents=True, exist_ok=True)
    (d / "lesson.md").write_text(text, encoding="utf-8")
    if program is not None:
        (d / "program.py").write_text(program, encoding="utf-8")
    return LessonRun.open(load_lesson(d))
