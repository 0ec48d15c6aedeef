"""Programs bounded (issue 27, item 7): a recording budget, bounded output, no keyboard, no
control codes reaching the terminal."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tapeviz.engine.errors import ProgramError
from tapeviz.trace import run_program
from tapeviz.trace.budget import Budget
from tapeviz.trace.guards import HEAD_LINES, TAIL_LINES, BoundedText, Tee, printable

FOREVER = '''import tapeviz.tf as tf
x = tf.Variable([1.0] * 100, name="x")
with tf.GradientTape() as tape:
    y = x
    while True:
        try:
            y = y * 1.0
        except Exception:  # the budget is not an Exception: this cannot keep the program going
            pass
'''


def write(tmp_path: Path, text: str, name: str = "prog.py") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize("budget, words", [(Budget(events=500), "500 events"), (Budget(megabytes=1), "1 MB")])
def test_a_runaway_program_stops_at_the_budget_and_keeps_what_it_recorded(tmp_path: Path, budget: Budget, words: str) -> None:
    run = run_program(write(tmp_path, FOREVER), limit=budget)
    stopped = run.trace.meta["stopped"]
    assert stopped.startswith("recording stopped after") and words in stopped
    assert 0 < len(run.trace) <= budget.events
    assert any(stopped in w for w in run.trace.meta["warnings"])
    import tapeviz.engine.registry as registry

    assert registry.state.tapes == []  # the program's tape was closed on the way out


def test_the_cli_options_set_the_budget_and_say_it_stopped(tmp_path: Path) -> None:
    out = subprocess.run([sys.executable, "-m", "tapeviz", "events", str(write(tmp_path, FOREVER)), "--limit", "2",
                          "--max-events", "300"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stderr.strip() == ("tapeviz: note: recording stopped after 300 events (0 MB of arrays): "
                                  "the budget is 300 events or 512 MB of arrays (--max-events, --max-mb)")


def test_output_keeps_the_first_and_last_lines_and_counts_the_rest(tmp_path: Path) -> None:
    program = 'import tapeviz.tf as tf\nx = tf.Variable(2.0)\nwith tf.GradientTape() as t:\n    y = x * x\n' \
              'for i in range(200_000):\n    print("line", i)\n'
    run = run_program(write(tmp_path, program))
    lines = run.trace.meta["stdout"].splitlines()
    assert len(lines) == HEAD_LINES + 1 + TAIL_LINES
    assert lines[0] == "line 0" and lines[-1] == "line 199999"
    assert lines[HEAD_LINES] == f"… {200_000 - HEAD_LINES - TAIL_LINES:,} more lines not kept …"
    assert run.output.splitlines()[-1] == "line 199999"


def test_bounded_text_keeps_partial_lines_and_cuts_long_ones() -> None:
    out = BoundedText(head=2, tail=2)
    tee = Tee(out)
    tee.write("a" * 5000 + "\nb\nc")
    tee.write("d\ne\nf\ng")
    assert out.getvalue().split("\n") == ["a" * 2000, "b", "… 1 more lines not kept …", "e", "f", "g"]
    assert tee.getvalue().split("\n") == ["a" * 2000, "b", "cd", "e", "f", "g"]  # its own: 500 + 500 lines


def test_a_program_reading_the_keyboard_is_told_so(tmp_path: Path) -> None:
    program = 'import tapeviz.tf as tf\nn = float(input("n? "))\nx = tf.Variable(n)\n'
    stdin = sys.stdin
    with pytest.raises(ProgramError, match=r"prog.py:2: this program reads from the keyboard \(input\(\)\)"):
        run_program(write(tmp_path, program))
    assert sys.stdin is stdin  # put back after the program


def test_control_characters_in_a_programs_exit_message_are_shown_escaped(tmp_path: Path) -> None:
    program = 'import sys\nimport tapeviz.tf as tf\nx = tf.Variable(2.0)\nwith tf.GradientTape() as t:\n' \
              '    y = x * x\nprint("\\x1b[31mred")\nsys.exit("\\x1b[2J\\x1b[31mgone")\n'
    out = subprocess.run([sys.executable, "-m", "tapeviz", "events", str(write(tmp_path, program))],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 2
    assert "\x1b" not in out.stderr and "\\x1b[2J" in out.stderr and "\\x1b[31mred" in out.stderr
    assert printable("ok\ttab\nnew\x07") == "ok\ttab\nnew\\x07"
