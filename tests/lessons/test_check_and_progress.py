"""The check finds answers on show and missing precisions; first-try results are kept."""

from __future__ import annotations

import io
import json
from argparse import Namespace
from pathlib import Path

import pytest

from tapeviz.cli.lessons import run_lessons
from tapeviz.lessons import lesson_folder_default
from tapeviz.lessons.check import check_entry, check_run
from tapeviz.lessons.loader import discover
from tapeviz.lessons.progress import ProgressStore
from tapeviz.lessons.runtime import record_lesson

from .helpers import open_lesson, write_lesson

HEAD = "---\ntitle: T\nexample: square\n---\n## Ask\n@goto: start of backward\n"


def test_every_bundled_lesson_checks_and_there_are_fourteen() -> None:
    results = [check_entry(e) for e in discover(lesson_folder_default())]  # as `tapeviz lessons --check` does
    assert len(results) >= 14
    assert [r.id for r in results if not r.ok] == []


def test_an_answer_in_the_text_fails_the_check(tmp_path: Path) -> None:
    run = write_lesson(tmp_path, HEAD + "The gradient will be {{ grad(\"x\") }}.\n@ask: dy/dx?\n@answer: grad(\"x\") | 3 sf\n")
    result = check_run(run)
    assert not result.ok and "is on show before it is answered" in result.message
    assert "lesson.md:8:" in result.message  # the question it gives away


def test_the_answer_at_the_precision_counts_and_a_hint_counts(tmp_path: Path) -> None:
    run = write_lesson(tmp_path, HEAD + "@ask: dy/dx?\n@answer: grad(\"x\") | 1 sf\n@hint: it is near 6.2\n")
    assert not check_run(run).ok  # 6.2 rounds to 6 at one figure, like the answer
    run = write_lesson(tmp_path, HEAD + "@ask: dy/dx?\n@answer: grad(\"x\") | 3 sf\n@hint: x is {{ value(\"x\") }}\n")
    assert check_run(run).ok


def test_a_number_question_must_state_its_precision(tmp_path: Path) -> None:
    run = write_lesson(tmp_path, HEAD + "@ask: dy/dx?\n@answer: grad(\"x\")\n")
    result = check_run(run)
    assert not result.ok and "states its precision" in result.message


def test_recording_a_lesson_is_deterministic() -> None:
    for ident in ("7", "13"):
        run = open_lesson(ident)
        again, _, _ = record_lesson(run.lesson)
        assert run.trace.losses == again.losses


def test_first_try_is_saved_once_and_listed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    store = ProgressStore()
    p = store.get("01-first-tape")
    assert p.record_first_try(2, False) and p.record_first_try(4, True)
    assert not p.record_first_try(2, True)  # later tries never change the first
    store.save()
    data = json.loads((tmp_path / "state" / "tapeviz" / "progress.json").read_text())
    assert data["lessons"]["01-first-tape"]["first_try"] == {"2": False, "4": True}
    again = ProgressStore()
    assert again.first_try_share("01-first-tape") == 0.5
    assert again.first_try_share("02-chain-rule") is None
    out = io.StringIO()
    run_lessons(Namespace(check=False, dir=None), out=out)
    line = next(ln for ln in out.getvalue().splitlines() if ln.startswith("01-first-tape"))
    assert "1/2 first try" in line
    assert not list((tmp_path / "state" / "tapeviz").glob(".progress-*"))  # no temp file left behind
