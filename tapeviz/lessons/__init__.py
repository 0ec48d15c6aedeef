"""Guided lessons: lesson files → steps that point at trace events; checked headless.

``loader`` reads ``lessons/NN-slug/lesson.md``; ``resolve`` turns stable names into events;
``answers`` computes every number from the trace; ``runtime`` ties a lesson to its recording;
``check`` runs all of it without a UI; ``progress`` remembers each learner's place.
"""

from __future__ import annotations

from .loader import discover, find_entry, load_lesson, parse_lesson
from .model import Lesson, LessonEntry, LessonError, Step
from .runtime import LessonRun, lesson_folder_default

__all__ = [
    "Lesson", "LessonEntry", "LessonError", "LessonRun", "Step", "discover", "find_entry",
    "lesson_folder_default", "load_lesson", "parse_lesson",
]
