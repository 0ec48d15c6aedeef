"""Guided lessons: lesson files → steps that point at trace events; checked headless.

``loader`` reads ``lessons/NN-slug/lesson.md`` (``options`` parses single directive values);
``resolve`` turns stable names into events; ``answers`` computes every number from the trace;
``runtime`` ties a lesson to its recording and judges answers, with ``questions`` keeping each
question's Hint/Why state; ``whatif`` records a program again with one input changed;
``walks`` runs a backward pass the wrong ways for lesson 14; ``check`` runs all of it without a
UI; ``progress`` remembers each learner's place and first-try results.
"""

from __future__ import annotations

from .loader import discover, find_entry, load_lesson, parse_lesson
from .model import Lesson, LessonEntry, LessonError, Step
from .runtime import LessonRun, lesson_folder_default

__all__ = [
    "Lesson", "LessonEntry", "LessonError", "LessonRun", "Step", "discover", "find_entry",
    "lesson_folder_default", "load_lesson", "parse_lesson",
]
