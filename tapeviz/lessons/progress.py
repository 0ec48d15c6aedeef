"""Each learner's progress, kept in ``$XDG_STATE_HOME/tapeviz/progress.json``.

Falls back to ``~/.local/state/tapeviz``. Writes are atomic (temp file + rename), so an
interrupted save never leaves a half-written file; an unreadable file is set aside and
progress starts fresh rather than stopping the lessons from opening.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

VERSION = 1


def state_dir() -> Path:
    base = os.environ.get("XDG_STATE_HOME")
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".local" / "state"
    return root / "tapeviz"


@dataclass
class LessonProgress:
    """Where a learner is in one lesson: the step to resume at and the steps completed."""

    step: int = 0
    done: set[int] = field(default_factory=set)
    completed: bool = False
    steps: int = 0  # how many steps the lesson had when last saved
    first_try: dict[int, bool] = field(default_factory=dict)  # step index -> right at the first try

    def to_json(self) -> dict[str, Any]:
        return {
            "step": self.step, "done": sorted(self.done), "completed": self.completed, "steps": self.steps,
            "first_try": {str(k): v for k, v in sorted(self.first_try.items())},
        }

    def record_first_try(self, step: int, correct: bool) -> bool:
        """Remember a question's first real answer; later tries never change it. True if new."""
        if step in self.first_try:
            return False
        self.first_try[step] = bool(correct)
        return True

    def first_try_share(self) -> float | None:
        """The share of answered questions that were right at the first try (None: none answered)."""
        if not self.first_try:
            return None
        return sum(self.first_try.values()) / len(self.first_try)

    @classmethod
    def from_json(cls, data: Any) -> LessonProgress:
        if not isinstance(data, dict):
            return cls()
        done = data.get("done", [])
        tries = data.get("first_try", {})
        first_try = {
            int(k): bool(v) for k, v in tries.items() if str(k).isdigit() and isinstance(v, bool)
        } if isinstance(tries, dict) else {}
        return cls(
            step=int(data.get("step", 0)) if isinstance(data.get("step", 0), int) else 0,
            done={int(d) for d in done if isinstance(d, int)} if isinstance(done, list) else set(),
            completed=bool(data.get("completed", False)),
            steps=int(data.get("steps", 0)) if isinstance(data.get("steps", 0), int) else 0,
            first_try=first_try,
        )

    def accuracy_text(self) -> str:
        """``3/4 first try`` for the lesson list, or ``-`` before any answer."""
        if not self.first_try:
            return "-"
        return f"{sum(self.first_try.values())}/{len(self.first_try)} first try"

    def summary(self, total: int) -> str:
        if self.completed:
            return "done"
        if not self.done and self.step == 0:
            return "not started"
        return f"step {min(self.step + 1, total)}/{total}"


class ProgressStore:
    """Loads and saves progress for every lesson of one learner."""

    def __init__(self, path: Path | str | None = None) -> None:
        self.path = Path(path) if path is not None else state_dir() / "progress.json"
        self._lessons: dict[str, LessonProgress] = {}
        self.load()

    def load(self) -> None:
        self._lessons = {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return
        except (OSError, ValueError):
            self._set_aside()
            return
        lessons = data.get("lessons") if isinstance(data, dict) else None
        if not isinstance(lessons, dict):
            self._set_aside()
            return
        self._lessons = {str(k): LessonProgress.from_json(v) for k, v in lessons.items()}

    def _set_aside(self) -> None:
        try:
            self.path.replace(self.path.with_suffix(".json.broken"))
        except OSError:
            pass

    def get(self, lesson_id: str) -> LessonProgress:
        return self._lessons.setdefault(lesson_id, LessonProgress())

    def peek(self, lesson_id: str) -> LessonProgress:
        """Progress of a lesson without creating an entry."""
        return self._lessons.get(lesson_id, LessonProgress())

    def first_try_share(self, lesson_id: str) -> float | None:
        """Per lesson: the share of its questions answered right at the first try (None: none yet)."""
        return self.peek(lesson_id).first_try_share()

    def reset(self, lesson_id: str) -> None:
        self._lessons.pop(lesson_id, None)
        self.save()

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = {"version": VERSION, "lessons": {k: v.to_json() for k, v in sorted(self._lessons.items())}}
        fd, tmp = tempfile.mkstemp(prefix=".progress-", suffix=".tmp", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(data, f, indent=1)
                f.write("\n")
            os.replace(tmp, self.path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
