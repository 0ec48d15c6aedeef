"""Lesson 16's @write step: the learner's rule is compiled in a small namespace, its mistakes come
back with their line, it is checked against finite differences, and training uses it."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from tapeviz.lessons import rules
from tapeviz.lessons.check import check_entry
from tapeviz.lessons.loader import discover, load_lesson
from tapeviz.lessons.model import LessonError
from tapeviz.lessons.rules import RuleError, check_rule, compile_rule
from tests.lessons.helpers import open_lesson

LESSON_16 = Path(__file__).resolve().parents[2] / "lessons" / "16-write-the-backward-rule"


def _softplus(x: np.ndarray) -> np.ndarray:
    return np.log1p(np.exp(x))


def _rule(body: str) -> rules.LearnerRule:
    return compile_rule(f"def rule(x, dy):\n{body}\n", "rule")


def _error(source: str) -> RuleError:
    with pytest.raises(RuleError) as info:
        rule = compile_rule(source, "rule")
        rule(np.array([0.5, -1.0]), np.array([1.0, 2.0]))
    return info.value


def test_a_right_rule_passes_at_every_point() -> None:
    check = check_rule(_rule("    return dy / (1 + np.exp(-x))"), _softplus, (3, 2))
    assert check.ok and len(check.points) == rules.POINTS
    assert all(p.line().startswith("✓ point") for p in check.points)


@pytest.mark.parametrize("body", ["    return 1 / (1 + np.exp(-x))", "    return -dy / (1 + np.exp(-x))"])
def test_a_wrong_rule_fails_with_the_point_and_both_numbers(body: str) -> None:
    check = check_rule(_rule(body), _softplus, (3, 2))
    wrong = check.first_wrong
    assert not check.ok and wrong is not None
    x = np.random.default_rng(0).uniform(-3, 3, size=(3, 2))  # point 1 of seed 0, as check_rule draws it
    assert wrong.number == 1 and wrong.x in x
    assert wrong.expected == pytest.approx(wrong.dy / (1 + np.exp(-wrong.x)), rel=1e-5)
    assert wrong.yours != pytest.approx(wrong.expected, rel=1e-3)
    line = wrong.line()
    assert line.startswith("✗ point 1") and f"{wrong.yours:.6g}" in line and f"{wrong.expected:.6g}" in line


def test_the_check_works_for_a_vector_op_too() -> None:
    """softmax: the expected gradient is d(Σ dy·f)/dx, so p·(dy − Σ p·dy) passes and dy·p fails."""
    def softmax(x: np.ndarray) -> np.ndarray:
        e = np.exp(x - x.max())
        return e / e.sum()

    right = _rule("    p = np.exp(x - x.max()); p = p / p.sum()\n    return p * (dy - np.sum(p * dy))")
    wrong = _rule("    p = np.exp(x - x.max()); p = p / p.sum()\n    return dy * p")
    assert check_rule(right, softmax, (4,)).ok
    assert not check_rule(wrong, softmax, (4,)).ok


def test_mistakes_come_back_with_the_learners_line() -> None:
    assert _error("def rule(x, dy):\n    return dy *\n").line == 2
    err = _error("def rule(x, dy):\n    s = 1\n    return sigmoid(x) * dy\n")
    assert err.line == 3 and "NameError" in str(err) and "sigmoid" in str(err)
    err = _error("def rule(x, dy):\n    y = dy * 2\n")
    assert "returned None" in str(err)
    assert "..." in str(_error(rules.template("rule")))
    err = _error("def rule(x, dy):\n    return np.sum(dy)\n")
    assert "shape ()" in str(err) and "(2,)" in str(err)
    assert "defines no function rule" in str(_error("def other(x, dy):\n    return dy\n"))


def test_no_imports_no_open_no_dunders() -> None:
    assert "import" in str(_error("import os\ndef rule(x, dy):\n    return dy\n"))
    err = _error("def rule(x, dy):\n    open('/tmp/x', 'w')\n    return dy\n")
    assert err.line == 2 and "open" in str(err)
    assert "__class__" in str(_error("def rule(x, dy):\n    return x.__class__\n"))
    assert "too large" in str(_error("def rule(x, dy):\n    return dy * 10 ** 10 ** 10\n"))
    assert "too large" in str(_error("def rule(x, dy):\n    s = sum(range(10 ** 12))\n    return dy\n"))
    assert "too large" in str(_error("def rule(x, dy):\n    s = np.ones(100000000)\n    return dy\n"))
    err = _error("def rule(x, dy):\n    np.exp = None\n    return dy\n")
    assert err.line == 2 and "assigning to .exp" in str(err)
    assert np.exp(0.0) == 1.0


def test_a_loop_that_never_ends_is_stopped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rules, "RULE_SECONDS", 0.2)
    err = _error("def rule(x, dy):\n    while True:\n        try:\n            pass\n        except:\n            pass\n")
    assert "still running" in str(err) and err.line in (2, 3, 4, 5, 6)
    err = _error("def rule(x, dy):\n    while True: pass\n")  # one line: no line event while it loops
    assert "still running" in str(err) and err.line == 2


def test_a_slow_rule_stops_after_its_total_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rules, "RULE_TOTAL_SECONDS", 0.0)
    rule = _rule("    return dy")
    rule(np.zeros(2), np.ones(2))  # the first call runs; the budget is spent after it
    with pytest.raises(RuleError, match="too slow to train with"):
        rule(np.zeros(2), np.ones(2))


def test_the_tracer_that_was_there_comes_back() -> None:
    import sys

    before = sys.gettrace()
    _rule("    return dy")(np.zeros(2), np.ones(2))
    assert sys.gettrace() is before


def test_training_uses_the_rule_and_a_wrong_rule_shows_in_the_loss() -> None:
    run = open_lesson("16")
    step = next(s for s in run.steps if s.write is not None)
    placeholder = run.first_losses
    right = run.try_rule(step, run.reference_source(step))
    assert right.ok and right.losses[-1] < right.losses[0] and right.losses[-1] < placeholder[-1]
    assert float(np.abs(run.evaluator.evaluate('grad("w1")')).max()) > 0  # the first layer gets a gradient now
    wrong = run.try_rule(step, "def softplus_backward(x, dy):\n    return -dy / (1 + np.exp(-x))\n")
    assert wrong.check is not None and not wrong.check.ok
    assert wrong.losses[-1] > right.losses[-1]
    lines = run.rule_lines(step)
    assert lines[0].startswith("Not yet: at point") and lines[1].startswith("Trained with your rule: loss")
    assert lines[2].startswith("✗ point")  # the verdict first: a short pane shows it without scrolling
    mark = run.rule_badges(step)
    assert list(mark.values()) == [f"rule ✗ x={wrong.check.first_wrong.x:.3g}"]


def test_a_shape_mistake_is_the_learners_error_not_a_crash() -> None:
    run = open_lesson("16")
    step = next(s for s in run.steps if s.write is not None)
    before = run.trace
    outcome = run.try_rule(step, "def softplus_backward(x, dy):\n    return dy[0]\n")
    assert outcome.error and "shape" in outcome.error and not outcome.losses
    assert run.trace is before  # nothing recorded with a rule that does not run


def _copy_16(tmp_path: Path, old: str, new: str) -> Path:
    folder = tmp_path / "16-write-the-backward-rule"
    shutil.copytree(LESSON_16, folder)
    text = (folder / "lesson.md").read_text(encoding="utf-8")
    assert old in text
    (folder / "lesson.md").write_text(text.replace(old, new), encoding="utf-8")
    return tmp_path


def test_the_checker_passes_lesson_16() -> None:
    entry = next(e for e in discover(LESSON_16.parent) if e.number == 16)
    result = check_entry(entry)
    assert result.ok, result.message
    assert "1 rules written" in result.message


def test_the_checker_fails_a_wrong_rule_that_passes(tmp_path: Path) -> None:
    folder = _copy_16(tmp_path, "@wrong: 1 / (1 + np.exp(-x))", "@wrong: dy * np.exp(x) / (1 + np.exp(x))")
    result = check_entry(discover(folder)[0])
    assert not result.ok and "passes the finite-difference check" in result.message


def test_the_checker_fails_a_reference_rule_that_is_wrong(tmp_path: Path) -> None:
    folder = _copy_16(tmp_path, "@rule: dy / (1 + np.exp(-x))", "@rule: dy / (1 + np.exp(x))")
    result = check_entry(discover(folder)[0])
    assert not result.ok and "reference rule fails the finite-difference check at point" in result.message


def test_write_needs_a_rule_and_a_wrong_one(tmp_path: Path) -> None:
    folder = _copy_16(tmp_path, "@rule: dy / (1 + np.exp(-x))\n", "")
    with pytest.raises(LessonError, match="@write needs a right rule"):
        load_lesson(folder / "16-write-the-backward-rule")


def test_write_stands_alone(tmp_path: Path) -> None:
    folder = _copy_16(tmp_path, "@write: softplus_backward | softplus", "@write: softplus_backward | softplus\n@do: end")
    with pytest.raises(LessonError, match="@write is a step of its own"):
        load_lesson(folder / "16-write-the-backward-rule")
