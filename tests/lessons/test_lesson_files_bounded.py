"""Lesson files must be regular files under a size limit; --check leaves no temporary folder."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tapeviz.lessons import lesson_folder_default
from tapeviz.lessons.loader import MAX_LESSON_BYTES, discover, load_lesson
from tapeviz.lessons.model import LessonError


def lesson_copy(tmp_path: Path, name: str = "01-first") -> Path:
    folder = tmp_path / "lessons" / name
    shutil.copytree(lesson_folder_default() / "01-first-tape", folder)
    return folder


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_lesson_file_that_is_a_fifo_is_refused_without_waiting(tmp_path: Path) -> None:
    folder = lesson_copy(tmp_path)
    (folder / "lesson.md").unlink()
    os.mkfifo(folder / "lesson.md")
    with pytest.raises(LessonError, match="not a regular file"):
        load_lesson(folder)
    (entry,) = discover(tmp_path / "lessons")
    assert entry.lesson is None and "not a regular file" in str(entry.error)


def test_a_huge_lesson_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    folder = lesson_copy(tmp_path)
    with open(folder / "lesson.md", "a", encoding="utf-8") as f:
        f.write("\nx" * (MAX_LESSON_BYTES // 2 + 1))
    with pytest.raises(LessonError, match="over the .*-byte limit"):
        load_lesson(folder)


def test_a_huge_program_is_refused(tmp_path: Path) -> None:
    folder = lesson_copy(tmp_path)
    with open(folder / "program.py", "a", encoding="utf-8") as f:
        f.write("\n#" * (MAX_LESSON_BYTES // 2 + 1))
    with pytest.raises(LessonError, match="over the .*-byte limit"):
        load_lesson(folder)


def test_check_fails_on_bad_lessons_and_leaves_no_temporary_folder(tmp_path: Path) -> None:
    lesson_copy(tmp_path, "01-first")
    bomb = lesson_copy(tmp_path, "02-bomb")
    text = (bomb / "lesson.md").read_text()
    (bomb / "lesson.md").write_text(text.replace("This is the first example", "{{ 9**9**9**9 }} is the first example"))
    big = lesson_copy(tmp_path, "03-big")
    with open(big / "lesson.md", "a", encoding="utf-8") as f:
        f.write("\nx" * (MAX_LESSON_BYTES // 2 + 1))
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch)}
    out = subprocess.run([sys.executable, "-m", "tapeviz", "lessons", "--check", "--dir", str(tmp_path / "lessons")],
                         capture_output=True, text=True, timeout=600, env=env)
    assert out.returncode == 1, out
    assert "ok    01-first" in out.stdout or "OK" in out.stdout.upper()
    assert "FAIL  02-bomb" in out.stdout and "too large a number" in out.stdout
    assert "03-big" in out.stdout and "byte limit" in out.stdout
    assert "Traceback" not in out.stderr
    assert list(scratch.iterdir()) == []
