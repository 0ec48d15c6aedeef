"""``tapeviz lessons [--check] [--dir D]`` and ``tapeviz lesson ID [--dir D]``.

The lessons folder is ``--dir``, else ``$TAPEVIZ_LESSONS``, else the lessons shipped with tapeviz
(see ``tapeviz.sources.lessons_folder``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:  # the lesson machinery loads only when a lesson command runs
    from ..lessons.model import LessonEntry


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``tapeviz lessons`` and ``tapeviz lesson``."""
    p = sub.add_parser("lessons", help="list the guided lessons (or --check them all)")
    p.add_argument("--check", action="store_true", help="run every lesson headless and report")
    p.add_argument("--dir", default=None, help="lessons folder (default: $TAPEVIZ_LESSONS, else the bundled lessons)")
    p.set_defaults(run=run_lessons)

    p = sub.add_parser("lesson", help="open a guided lesson in the terminal UI")
    p.add_argument("id", help="lesson number or slug")
    p.add_argument("--dir", default=None, help="lessons folder (as for 'tapeviz lessons')")
    p.set_defaults(run=run_lesson)


def lessons_dir(args: argparse.Namespace) -> Path:
    """The folder ``--dir`` names, else the default one."""
    from ..sources import lessons_folder

    return lessons_folder(getattr(args, "dir", None))


def run_lessons(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """List the lessons with the learner's progress, or ``--check`` them all (exit 1 on a failure)."""
    from ..lessons.loader import discover
    from ..lessons.progress import ProgressStore

    out = out or sys.stdout
    entries = discover(lessons_dir(args))
    if getattr(args, "check", False):
        return _check(entries, out)
    store = ProgressStore()
    width = max((len(e.id) for e in entries), default=10)
    for e in entries:
        if e.lesson is None:
            print(f"{e.id:<{width}}  BROKEN  {e.error}", file=out)
            continue
        progress = store.peek(e.id)
        state = progress.summary(len(e.lesson.steps))
        print(f"{e.id:<{width}}  {state:<12}  {progress.accuracy_text():<13}  {e.lesson.title}", file=out)
    if not entries:
        print("no lessons found", file=out)
    else:
        print(f"\nopen one with: tapeviz lesson N   (e.g. tapeviz lesson {entries[0].number})", file=out)
    return 0


def _check(entries: list[LessonEntry], out: TextIO) -> int:
    from ..lessons.check import check_entry, format_result
    from ..ui.lesson_check import check_screen  # the rendered screen: Textual, headless

    first = None
    for e in entries:
        result = check_entry(e)
        if result.ok and e.lesson is not None:
            screen = check_screen(e.lesson)
            if not screen.ok:
                result = screen
        print(format_result(result), file=out, flush=True)
        if not result.ok and first is None:
            first = result
    if first is not None:
        step = f" step {first.step}" if first.step else ""
        print(f"lesson check failed: {first.id}{step}", file=out)
        return 1
    print(f"all {len(entries)} lessons check", file=out)
    return 0


def run_lesson(args: argparse.Namespace) -> int:
    """Open one lesson in the terminal UI's lesson mode."""
    from ..lessons.loader import discover, find_entry
    from ..lessons.progress import ProgressStore
    from ..lessons.runtime import LessonRun

    entries = discover(lessons_dir(args))
    entry = find_entry(entries, str(args.id))
    if entry.lesson is None:
        assert entry.error is not None
        raise entry.error
    run = LessonRun.open(entry.lesson)
    from ..ui.lesson_screen import run_lesson_app

    return run_lesson_app(run, ProgressStore())
