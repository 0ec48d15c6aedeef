"""The lesson format: parsing, pointers, expressions and progress files."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from tapeviz.examples import EXAMPLES
from tapeviz.lessons.answers import Evaluator, ExpressionError, format_value, parse_number
from tapeviz.lessons.check import check_run
from tapeviz.lessons.loader import discover, find_entry, load_lesson, parse_lesson
from tapeviz.lessons.model import LessonError, Tolerance
from tapeviz.lessons.progress import LessonProgress, ProgressStore, state_dir
from tapeviz.lessons.resolve import ResolveError, Resolver
from tapeviz.lessons.runtime import LessonRun, lesson_folder_default
from tests.support.paths import REPO

ROOT = REPO


def parse(text: str, tmp_path: Path, folder: str = "01-test") -> object:
    d = tmp_path / folder
    d.mkdir(parents=True, exist_ok=True)
    (d / "lesson.md").write_text(text, encoding="utf-8")
    return load_lesson(d)


def error_of(text: str, tmp_path: Path) -> LessonError:
    with pytest.raises(LessonError) as info:
        parse(text, tmp_path)
    return info.value


FRONT = "---\ntitle: T\nexample: square\n---\n"


@pytest.fixture(scope="module")
def square_run() -> LessonRun:
    lesson = parse_lesson(FRONT + "## S\ntext\n", Path("/nonexistent/lesson.md"), "01-x", 1, "x")
    return LessonRun(lesson, EXAMPLES["square"].build())


@pytest.fixture(scope="module")
def two_layer():
    trace = EXAMPLES["two-layer"].build()
    trace.train_more(1)
    return trace


# ---- the README's example is a real, checking lesson ------------------------------------------

def test_readme_example_parses_and_checks(tmp_path: Path) -> None:
    readme = (ROOT / "lessons" / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```markdown\n(.*?)```", readme, re.S)
    assert block, "lessons/README.md must contain a complete example in a ```markdown block"
    lesson = parse(block.group(1), tmp_path, "01-readme-example")
    assert lesson.title == "The power rule on a tape"
    assert [s.title for s in lesson.steps][:2] == ["The power rule on a tape", "The forward op"]
    result = check_run(LessonRun.open(lesson))
    assert result.ok, result.message


def test_default_folder_is_the_repositorys_lessons() -> None:
    assert lesson_folder_default() == ROOT / "lessons"


# ---- front matter -----------------------------------------------------------------------------

def test_front_matter_fields(tmp_path: Path) -> None:
    lesson = parse("---\ntitle: Hello\nsummary: one line\nexample: square\niterations: 1\n---\n## A\nx\n", tmp_path)
    assert (lesson.title, lesson.summary, lesson.example, lesson.iterations) == ("Hello", "one line", "square", 1)
    assert lesson.id == "01-test" and lesson.number == 1 and lesson.slug == "test"


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("title: x\n---\n## A\n", 1, "starts with front matter"),
        ("---\ntitle: x\nexample: square\n## A\n", 1, "not closed"),
        ("---\ntitle x\nexample: square\n---\n## A\n", 2, "malformed front matter"),
        ("---\ntitle: x\ncolour: red\nexample: square\n---\n## A\n", 3, "unknown front matter key"),
        ("---\ntitle: x\ntitle: y\nexample: square\n---\n## A\n", 3, "given twice"),
        ("---\nexample: square\n---\n## A\n", 1, "no 'title:'"),
        ("---\ntitle: x\n---\n## A\n", 1, "exactly one of"),
        ("---\ntitle: x\nexample: square\nprogram: p.py\n---\n## A\n", 1, "exactly one of"),
        ("---\ntitle: x\nprogram: missing.py\n---\n## A\n", 3, "not found"),
        ("---\ntitle: x\nexample: square\niterations: many\n---\n## A\n", 4, "iterations"),
        ("---\ntitle: x\nexample: square\n---\n", 5, "no steps"),
    ],
)
def test_front_matter_errors_name_file_and_line(tmp_path: Path, text: str, line: int, words: str) -> None:
    err = error_of(text, tmp_path)
    assert err.line == line
    assert words in str(err)
    assert str(err).startswith(f"{tmp_path / '01-test' / 'lesson.md'}:{line}: ")


# ---- steps and directives ---------------------------------------------------------------------

def test_steps_directives_and_continuations(tmp_path: Path) -> None:
    text = FRONT + (
        "# Big title is skipped\nIntro text.\n\n"
        "## First\n@goto: power\nSome text with {{ value(\"x\") }}.\n"
        "@ask: What is it?\n@answer: grad(\"x\")\n@tolerance: 2%\n"
        "@explain: line one\n  continues here\n\n  second paragraph\nAfter.\n"
        "## Second\n```\n@not-a-directive: inside a fence\n```\n\\@literal at\n@do: backward of power\n"
    )
    lesson = parse(text, tmp_path)
    intro, first, second = lesson.steps
    assert intro.title == "T" and intro.text == "Intro text."
    assert first.goto.text == "power" and first.goto.where.line == 9
    assert first.question.answer == 'grad("x")'
    assert first.question.tolerance == Tolerance("rel", 0.02)
    assert first.explain == "line one continues here\n\nsecond paragraph"
    assert "After." in first.text and "@ask" not in first.text
    assert "@not-a-directive: inside a fence" in second.text
    assert "@literal at" in second.text and "\\@" not in second.text
    assert second.action.text == "backward of power"


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("@goto power", "malformed directive"),
        ("@Goto: power", "malformed directive"),
        ("@jump: power", "unknown directive @jump"),
        ("@goto:", "has no value"),
        ("@goto: a\n@goto: b", "given twice"),
        ("@answer: 1", "without an @ask"),
        ("@ask: q?", "needs an @answer"),
        ("@ask: q?\n@choice: only one | 1 > 0", "at least two"),
        ("@ask: q?\n@choice: no condition", "label | condition"),
        ("@ask: q?\n@answer: 1\n@choice: a | 1 > 0\n@choice: b | 1 < 0", "not both"),
        ("@ask: q?\n@answer: 1\n@tolerance: lots", "@tolerance"),
        ("@explain: alone", "neither"),
        ("@code: 1-2", "built-in example"),
    ],
)
def test_directive_errors_name_the_line(tmp_path: Path, body: str, words: str) -> None:
    err = error_of(FRONT + "## S\ntext\n" + body + "\n", tmp_path)
    assert words in str(err)
    assert err.line is not None and err.line >= 7
    assert f"lesson.md:{err.line}:" in str(err)


def test_code_directive_inserts_program_lines(tmp_path: Path) -> None:
    d = tmp_path / "03-code"
    d.mkdir()
    (d / "program.py").write_text("import tapeviz.tf as tf\nx = tf.Variable(2.0)\nwith tf.GradientTape() as t:\n    y = x * x\nt.gradient(y, x)\n")
    (d / "lesson.md").write_text("---\ntitle: C\nprogram: program.py\n---\n## S\n@code: 2-4\n")
    lesson = load_lesson(d)
    assert lesson.steps[0].text == "```python\nx = tf.Variable(2.0)\nwith tf.GradientTape() as t:\n    y = x * x\n```"
    (d / "lesson.md").write_text("---\ntitle: C\nprogram: program.py\n---\n## S\n@code: 4-9\n")
    with pytest.raises(LessonError, match="lines 1-5"):
        load_lesson(d)


def test_discover_and_find(tmp_path: Path) -> None:
    for name in ("02-beta", "01-alpha", "10-gamma", "notes", "3-delta"):
        (tmp_path / name).mkdir()
    for name in ("02-beta", "01-alpha", "10-gamma", "3-delta"):
        (tmp_path / name / "lesson.md").write_text(FRONT + "## S\nx\n")
    (tmp_path / "README.md").write_text("not a lesson")
    entries = discover(tmp_path)
    assert [e.id for e in entries] == ["01-alpha", "02-beta", "3-delta", "10-gamma"]
    assert find_entry(entries, "2").id == "02-beta"
    assert find_entry(entries, "010").id == "10-gamma"
    assert find_entry(entries, "gamma").id == "10-gamma"
    assert find_entry(entries, "01-alpha").id == "01-alpha"
    assert find_entry(entries, "del").id == "3-delta"
    with pytest.raises(LessonError, match="no lesson 'zeta'"):
        find_entry(entries, "zeta")
    with pytest.raises(LessonError, match="no such lessons folder"):
        discover(tmp_path / "missing")


# ---- pointers ---------------------------------------------------------------------------------

def test_pointers_on_the_square_example(square_run: LessonRun) -> None:
    r = square_run.resolver
    assert r.resolve("power").event == 0
    assert r.resolve("forward of x").event == 0
    assert r.resolve("start of backward").event == 1
    back = r.resolve("backward of power")
    assert (back.event, back.node) == (2, r.node("power").id)
    assert r.resolve("gradient of x").event == 2
    assert r.resolve("end of call 1").event == 3
    assert r.resolve("end").event == 3 and r.resolve("start").event == 0
    assert r.node("input 1 of power").kind == "constant"
    assert r.node("x:0").name == "x"


@pytest.mark.parametrize(
    ("pointer", "words"),
    [
        ("layer9/matmul", "no node named"),
        ("backward of x", "not an op"),
        ("update of x", "was not assigned"),
        ("accumulation of x", "never summed"),
        ("start of update", "no update events"),
        ("power in iteration 7", "iteration 7 does not exist"),
        ("end of call 2", "call 2 does not exist"),
        ("input 5 of power", "numbered from 0"),
        ("power#x", "after '#'"),
    ],
)
def test_bad_pointers_say_why(square_run: LessonRun, pointer: str, words: str) -> None:
    with pytest.raises(ResolveError, match=re.escape(words)):
        square_run.resolver.resolve(pointer)


def test_pointers_on_a_network_across_iterations(two_layer) -> None:
    r = Resolver(two_layer)
    with pytest.raises(ResolveError, match="ambiguous"):
        r.node("matmul")
    first = r.resolve("layer1/matmul")
    second = r.resolve("layer1/matmul in iteration 2")
    assert second.event > first.event and two_layer.iteration(second.event) == 1
    assert r.resolve("layer1/matmul in the last iteration") == second
    update = r.resolve("update of layer2/w")
    assert two_layer.phase(update.event) == "update"
    assert r.resolve("backward of layer1/matmul").event < update.event
    assert r.resolve("start of update in iteration 2").event > update.event


# ---- expressions ------------------------------------------------------------------------------

def test_expressions_over_the_trace(square_run: LessonRun) -> None:
    ev = square_run.evaluator
    assert ev.evaluate('grad("x")') == 6
    assert ev.evaluate('2 * value("x")') == 6
    assert ev.evaluate('sent("power", 1) is None') is True
    assert ev.evaluate('upstream("power")') == 1
    assert ev.evaluate('shape(value("x"))') == ()
    assert ev.evaluate('uses("x")') == 1
    assert ev.evaluate("calls()") == 1
    assert ev.evaluate('len(returned(1))') == 1
    assert ev.evaluate('"big" if grad("x") > 5 else "small"') == "big"
    assert ev.render('x={{ value("x") }}, dy/dx={{ grad("x") }}') == "x=3, dy/dx=6"


@pytest.mark.parametrize(
    "source",
    ['__import__("os")', 'value("x").__class__', "open('f')", "[c for c in 'ab']", "lambda: 1",
     'grad("x") +', "nosuch(1)", "unknown_name", 'sent("power", 1) + 1'],
)
def test_expressions_cannot_run_code_or_fail_silently(square_run: LessonRun, source: str) -> None:
    with pytest.raises(ExpressionError):
        square_run.evaluator.evaluate(source)


def test_program_values_only_for_programs(square_run: LessonRun) -> None:
    with pytest.raises(ExpressionError, match="built-in example"):
        square_run.evaluator.evaluate('program("lr")')
    ev = Evaluator(square_run.trace, namespace={"lr": 0.1, "name": "text"})
    assert ev.evaluate('program("lr")') == 0.1
    with pytest.raises(ExpressionError, match="not a number"):
        ev.evaluate('program("name")')


def test_format_value() -> None:
    assert format_value(np.float32(6.0)) == "6"
    assert format_value(np.float32(0.1234567)) == "0.1235"
    assert format_value(np.array([1.0, 2.5])) == "[1, 2.5]"
    assert format_value(np.array([[1.0, 0.0], [0.5, 2.0]])) == "[[1, 0], [0.5, 2]]"
    assert format_value((3, 2)) == "(3, 2)" and format_value((5,)) == "(5,)"
    assert format_value(None) == "None" and format_value(True) == "true"
    assert format_value(np.arange(100.0)).startswith("(100,) array: min 0, mean 49.5, max 99")
    assert format_value(1.5e-7) == "1.5e-7"


def test_parse_number_and_tolerance() -> None:
    assert parse_number(" 6 ") == 6 and parse_number("-0.25") == -0.25 and parse_number("1/4") == 0.25
    assert parse_number("2*3") == 6 and parse_number("1e-3") == 0.001 and parse_number("−2") == -2
    for bad in ("", "six", "x", "2**", "__import__('os')"):
        with pytest.raises(ExpressionError):
            parse_number(bad)
    assert Tolerance("rel", 0.01).accepts(42.3, 42) and not Tolerance("rel", 0.01).accepts(43, 42)
    assert Tolerance("abs", 0.1).accepts(0.05, 0) and not Tolerance("abs", 0.1).accepts(0.2, 0)
    assert Tolerance("rel", 0.01).accepts(0, 0)


def test_judging_answers(tmp_path: Path) -> None:
    lesson = parse(
        FRONT + "## Q\n@ask: dy/dx?\n@answer: grad(\"x\")\n## C\n@ask: which?\n"
        "@choice: x | sent(\"power\", 0) is not None\n@choice: the exponent | sent(\"power\", 1) is not None\n",
        tmp_path,
    )
    run = LessonRun.open(lesson)
    number, choice = lesson.steps
    assert run.judge(number, "6").correct and run.judge(number, "6.02").correct
    wrong = run.judge(number, "5")
    assert not wrong.correct and wrong.valid and "5" in wrong.message
    assert not run.judge(number, "six").valid
    assert run.judge(choice, "a").correct and run.judge(choice, "1").correct and run.judge(choice, "A)").correct
    assert not run.judge(choice, "b").correct
    assert not run.judge(choice, "z").valid


# ---- progress ---------------------------------------------------------------------------------

def test_progress_round_trip_under_xdg_state_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    assert state_dir() == tmp_path / "state" / "tapeviz"
    store = ProgressStore()
    p = store.get("01-first-tape")
    p.step, p.done, p.steps = 3, {0, 1, 2}, 6
    store.save()
    path = tmp_path / "state" / "tapeviz" / "progress.json"
    data = json.loads(path.read_text())
    assert data["lessons"]["01-first-tape"] == {
        "step": 3, "done": [0, 1, 2], "completed": False, "steps": 6, "first_try": {},
    }
    assert [f.name for f in path.parent.iterdir()] == ["progress.json"]  # no temp files left
    again = ProgressStore().peek("01-first-tape")
    assert (again.step, again.done) == (3, {0, 1, 2})
    assert again.summary(6) == "step 4/6"
    assert LessonProgress().summary(6) == "not started"
    assert LessonProgress(completed=True).summary(6) == "done"


def test_progress_default_location(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("XDG_STATE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert state_dir() == tmp_path / ".local" / "state" / "tapeviz"


def test_broken_progress_file_is_set_aside(tmp_path: Path) -> None:
    path = tmp_path / "progress.json"
    path.write_text("{ not json")
    store = ProgressStore(path)
    assert store.peek("01-x").step == 0
    assert (tmp_path / "progress.json.broken").exists()
    store.get("01-x").step = 1
    store.save()
    assert json.loads(path.read_text())["lessons"]["01-x"]["step"] == 1
