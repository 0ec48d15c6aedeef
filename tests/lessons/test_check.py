"""The headless check over every bundled lesson, and broken lessons that must fail clearly."""

from __future__ import annotations

import argparse
import io
from pathlib import Path

import pytest

from tapeviz.cli import main as cli_main
from tapeviz.cli.lessons import run_lesson, run_lessons
from tapeviz.lessons.check import check_entry
from tapeviz.lessons.loader import discover
from tapeviz.lessons.model import LessonError
from tapeviz.lessons.runtime import lesson_folder_default
from tests.support.paths import DATA

BAD = DATA / "bad_lessons"


def lessons_args(**kw: object) -> argparse.Namespace:
    return argparse.Namespace(**{"check": False, "dir": None, **kw})


@pytest.fixture(scope="module")
def bundled_check() -> tuple[int, list[str]]:
    out = io.StringIO()
    code = run_lessons(lessons_args(check=True), out=out)
    return code, out.getvalue().splitlines()


def test_every_bundled_lesson_checks(bundled_check: tuple[int, list[str]]) -> None:
    code, lines = bundled_check
    entries = discover(lesson_folder_default())
    assert code == 0, "\n".join(lines)
    assert len(entries) >= 17  # 16 and 17: the learner writes a rule, fills in a table
    per_lesson = [line for line in lines if line.startswith(("ok ", "FAIL "))]
    assert [line.split()[1].rstrip(":") for line in per_lesson] == [e.id for e in entries]
    assert all(line.startswith("ok ") for line in per_lesson)
    assert lines[-1] == f"all {len(entries)} lessons check"


def test_lessons_have_questions_and_actions() -> None:
    """Predict → step → check: every lesson asks something (or has the learner write a rule or
    fill in a table) and most make the learner step (or write, or fill in)."""
    entries = discover(lesson_folder_default())
    asking = [e.id for e in entries if any(s.question or s.write or s.table for s in e.lesson.steps)]
    acting = [e.id for e in entries if any(s.action or s.write or s.table for s in e.lesson.steps)]
    assert len(asking) == len(entries)
    assert len(acting) >= len(entries) - 2


def test_lessons_never_type_numbers_into_answers() -> None:
    """Every answer is an expression that reads the trace, not a literal."""
    for e in discover(lesson_folder_default()):
        for step in e.lesson.steps:
            q = step.question
            if q is None:
                continue
            exprs = [q.answer] if q.answer else [c.condition for c in q.choices]
            for expr in exprs:
                assert any(f in expr for f in ("value(", "grad(", "sent(", "upstream(", "after(", "before(",
                                                 "loss(", "losses(", "returned(", "uses(", "shape(", "name(", "calls(", "event(",
                                                 "walk_grad(", "first_wrong(")), \
                    f"{e.id} step {step.number}: {expr!r} does not read the trace"


# ---- broken lessons -------------------------------------------------------------------------

def test_broken_fixture_errors_name_file_and_line() -> None:
    entries = {e.id: e for e in discover(BAD)}
    cases = {
        "02-bad-front-matter": (3, "malformed front matter line"),
        "03-bad-directive": (8, "malformed directive"),
        "05-missing-program": (3, "program 'nowhere.py' not found"),
    }
    for ident, (line, words) in cases.items():
        err = entries[ident].error
        assert err is not None, ident
        assert str(err).startswith(f"{BAD / ident / 'lesson.md'}:{line}: "), str(err)
        assert words in str(err)


@pytest.mark.parametrize(
    ("ident", "step", "line", "words"),
    [
        ("04-missing-node", 2, 12, "no node named 'layer9/matmul'"),
        ("06-two-right-choices", 1, 7, "exactly one choice must be right"),
        ("07-unreachable-action", 1, 8, "nothing to step to"),
        ("08-leaks-through-a-mean", 1, 11, "gives the answer in one step"),
    ],
)
def test_check_failures_name_step_file_and_line(ident: str, step: int, line: int, words: str) -> None:
    entry = next(e for e in discover(BAD) if e.id == ident)
    assert entry.lesson is not None  # parses fine; the trace shows the problem
    result = check_entry(entry)
    assert not result.ok and result.step == step
    assert f"{BAD / ident / 'lesson.md'}:{line}: " in result.message
    assert words in result.message


def test_check_of_a_broken_folder_exits_non_zero_naming_the_first_failure() -> None:
    out = io.StringIO()
    code = run_lessons(lessons_args(check=True, dir=str(BAD)), out=out)
    lines = out.getvalue().splitlines()
    assert code == 1
    assert lines[0].startswith("ok    01-good")
    assert lines[1].startswith("FAIL  02-bad-front-matter: ")
    assert any(line.startswith("FAIL  04-missing-node step 2: ") for line in lines)
    assert lines[-1] == "lesson check failed: 02-bad-front-matter"
    assert len([line for line in lines if line.startswith(("ok", "FAIL"))]) == 8


def test_one_broken_lesson_never_stops_the_list() -> None:
    out = io.StringIO()
    assert run_lessons(lessons_args(dir=str(BAD)), out=out) == 0
    text = out.getvalue()
    assert "01-good" in text and "not started" in text and "A good lesson among broken ones" in text
    assert f"BROKEN  {BAD / '02-bad-front-matter' / 'lesson.md'}:3:" in text
    assert f"BROKEN  {BAD / '05-missing-program' / 'lesson.md'}:3:" in text


def test_opening_a_broken_lesson_is_one_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(LessonError, match="malformed directive"):
        run_lesson(argparse.Namespace(id="3", dir=str(BAD)))
    assert cli_main(["lesson", "missing-program", "--dir", str(BAD)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("tapeviz: error: ") and "nowhere.py" in err[0] and ":3:" in err[0]


def test_unknown_lesson_id(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["lesson", "zeta", "--dir", str(BAD)]) == 2
    assert "no lesson 'zeta'" in capsys.readouterr().err


def test_cli_check_subcommand_on_the_fixture(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["lessons", "--check", "--dir", str(BAD)]) == 1
    assert "lesson check failed: 02-bad-front-matter" in capsys.readouterr().out


def test_the_list_shows_each_learners_progress(state_home: Path) -> None:
    from tapeviz.lessons.progress import ProgressStore

    store = ProgressStore()
    store.get("01-first-tape").completed = True
    half = store.get("02-chain-rule")
    half.step, half.done = 2, {0, 1}
    store.save()
    out = io.StringIO()
    assert run_lessons(lessons_args(), out=out) == 0
    lines = {line.split()[0]: line for line in out.getvalue().splitlines() if line[:2].isdigit()}
    assert "  done  " in lines["01-first-tape"] and "Your first tape" in lines["01-first-tape"]
    steps = len(next(e for e in discover(lesson_folder_default()) if e.id == "02-chain-rule").lesson.steps)
    assert f"step 3/{steps}" in lines["02-chain-rule"]
    assert "not started" in lines["12-article-end-to-end"]
    assert (state_home / "tapeviz" / "progress.json").exists()
