"""Honest exit codes: a program that ends the process itself is reported, never a silent 0."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from tapeviz.lessons import lesson_folder_default

EXITS = '''"""A program that ends the process itself."""
import os

import tapeviz.tf as tf

x = tf.Variable(3.0, name="x")
with tf.GradientTape() as tape:
    y = x**2
grad = tape.gradient(y, x)
os._exit(0)
'''


def tapeviz(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tapeviz", *args], capture_output=True, text=True, timeout=300)


def test_a_program_calling_os_exit_is_reported_and_exits_2(tmp_path: Path) -> None:
    program = tmp_path / "exits.py"
    program.write_text(EXITS)
    for command in ("events", "save"):
        out = tapeviz(command, str(program), *(["-o", str(tmp_path / "t.tapeviz")] if command == "save" else []))
        assert out.returncode == 2, out
        assert "the program ended the process itself (os._exit(0))" in out.stderr.splitlines()[0]
    assert not (tmp_path / "t.tapeviz").exists()


def test_lessons_check_fails_on_a_program_that_ends_the_process(tmp_path: Path) -> None:
    lesson = tmp_path / "lessons" / "01-exits"
    shutil.copytree(lesson_folder_default() / "01-first-tape", lesson)
    (lesson / "program.py").write_text(EXITS)
    out = tapeviz("lessons", "--check", "--dir", str(tmp_path / "lessons"))
    assert out.returncode == 1, out
    assert "FAIL  01-exits" in out.stdout and "os._exit(0)" in out.stdout


def test_os_exit_is_itself_again_after_the_program_ran(tmp_path: Path) -> None:
    import os

    from tapeviz.engine.errors import ProgramError
    from tapeviz.trace import run_program

    real = os._exit
    program = tmp_path / "exits.py"
    program.write_text(EXITS)
    try:
        run_program(program)
    except ProgramError as exc:
        assert "os._exit(0)" in str(exc)
    else:
        raise AssertionError("os._exit went unnoticed")
    assert os._exit is real
