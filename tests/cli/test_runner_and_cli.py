"""The program runner and the CLI's error contract: one line, exit 2, the user's frames only."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tapeviz.cli import main
from tapeviz.engine.errors import ProgramError
from tapeviz.trace import run_program

GOOD = """
import tapeviz.engine as E
x = E.Variable(3.0, name="x")
with E.GradientTape() as tape:
    y = x * x
print("grad", float(tape.gradient(y, x)))

def train_step():
    with E.GradientTape() as tape:
        y = x * x
    x.assign_sub(0.1 * tape.gradient(y, x))
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_runner_records_output_and_train_step(tmp_path: Path) -> None:
    run = run_program(write(tmp_path, "good.py", GOOD))
    assert run.output == "grad 6.0\n"
    # op, gradient started, backward step, accumulation (x is used twice), gradients returned
    assert len(run.trace) == 5 and run.trace.trainer is not None
    run.trace.train_more(2)
    assert run.trace.iteration_count == 3


def test_runner_shows_only_the_programs_frames(tmp_path: Path) -> None:
    program = write(tmp_path, "bad.py", "import tapeviz.engine as E\n\ndef f():\n    return E.matmul(E.ones((2, 3)), E.ones((2, 3)))\n\nf()\n")
    with pytest.raises(ProgramError) as info:
        run_program(program)
    assert str(info.value) == f"{program}:4: InvalidArgumentError: matmul: (2, 3) @ (2, 3): inner dimensions 3 and 2 differ"
    assert "tapeviz/engine" not in info.value.details and "line 6, in <module>" in info.value.details


@pytest.mark.parametrize(
    "text, expected",
    [
        ("def broken(:\n", "bad.py:1: syntax error"),
        ("import no_such_module_xyz\n", "bad.py:1: ModuleNotFoundError"),
        ("x = 1 + 1\n", "recorded nothing"),
        ("raise SystemExit(3)\n", "exited with status 3"),
    ],
)
def test_runner_failures_are_one_line(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(ProgramError, match=expected):
        run_program(write(tmp_path, "bad.py", text))


def test_runner_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ProgramError, match="no such file"):
        run_program(tmp_path / "nope.py")


def test_cli_events_and_save(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["events", "square"]) == 0
    out = capsys.readouterr().out
    assert "power" in out and "forward" in out and "backward" in out
    target = tmp_path / "sq.tapeviz"
    assert main(["save", "square", "-o", str(target)]) == 0
    assert target.exists()
    assert main(["events", str(target)]) == 0


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["events", "no-such-thing"], "no such file, and not a built-in example"),
        (["events", "{tmp}/bad.py"], "bad.py:1: ZeroDivisionError: division by zero"),
        (["save", "square", "-o", "{tmp}/missing-dir/x.tapeviz"], "does not exist"),
        (["events", "{tmp}/junk.tapeviz"], "not a tapeviz trace"),
        (["events", "square", "--limit", "many"], "invalid int value"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_cli_errors_are_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], expected: str) -> None:
    write(tmp_path, "bad.py", "1 / 0\n")
    (tmp_path / "junk.tapeviz").write_bytes(b"\x00garbage" * 50)
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    assert run_cli(argv) == 2
    err = capsys.readouterr().err
    assert expected in err
    assert "Traceback (most recent call last)" not in err
    assert err.startswith("tapeviz: error: ")


def run_cli(argv: list[str]) -> int:
    """main()'s exit code, whether it returns it or argparse exits with it."""
    try:
        return main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)


def test_python_dash_m_tapeviz_works() -> None:
    out = subprocess.run([sys.executable, "-m", "tapeviz", "events", "square"], capture_output=True, text=True)
    assert out.returncode == 0 and "power" in out.stdout


def test_each_program_run_starts_keras_names_afresh(tmp_path: Path) -> None:
    program = write(tmp_path, "dense.py", """
import tapeviz.tf as tf
from tapeviz.tf.keras import layers
layer = layers.Dense(2)
x = tf.ones((1, 3))
with tf.GradientTape() as tape:
    y = tf.reduce_sum(layer(x))
tape.gradient(y, layer.trainable_variables)
print(layer.name)
""")
    assert run_program(program).output == "dense\n"
    assert run_program(program).output == "dense\n"
