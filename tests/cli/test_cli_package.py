"""The CLI package: commands live in tapeviz/cli, small truths of issue 12 item 7, lesson folders."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tapeviz.cli import main
from tapeviz.render.gv import have_dot
from tapeviz.sources import bundled_dir, default_output_dir, lessons_folder, output_file

PACKAGE = Path(__file__).resolve().parents[2] / "tapeviz"


def imported_modules(folder: Path) -> set[str]:
    """Every module named by an import statement in ``folder`` (relative imports made absolute)."""
    names: set[str] = set()
    for path in folder.rglob("*.py"):
        package = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1])
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
                module = ".".join([*base, node.module] if node.module else base)
                names.add(module)
                names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


def test_lessons_and_render_hold_no_cli_commands() -> None:
    for folder in ("lessons", "render"):
        assert not (PACKAGE / folder / "cli.py").exists()
        assert not (PACKAGE / folder / "cli_export.py").exists()
        assert "argparse" not in imported_modules(PACKAGE / folder), f"tapeviz/{folder} parses arguments"
    lessons_imports = imported_modules(PACKAGE / "lessons")
    assert not any(m == "textual" or m.startswith(("textual.", "tapeviz.ui")) for m in lessons_imports)
    assert not any(m.startswith("tapeviz.cli") for m in lessons_imports | imported_modules(PACKAGE / "render"))


def test_collapse_without_a_value_is_a_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["export", "square", "-o", str(tmp_path / "x.png"), "--collapse"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--collapse: expected at least one argument" in err
    assert list(tmp_path.iterdir()) == []


def test_collapse_takes_several_scopes_and_repeats(tmp_path: Path) -> None:
    out = tmp_path / "x.dot"
    assert main(["export", "seed", "-o", str(out), "--collapse", "simple_model/dense", "--collapse", "simple_model/dense_1"]) == 0
    assert "simple_model/dense" in out.read_text()


@pytest.mark.skipif(not have_dot(), reason="Graphviz's dot is not installed")
def test_frames_without_output_writes_only_the_frames(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    frames = tmp_path / "frames"
    assert main(["export", "square", "--frames", str(frames)]) == 0
    written = sorted(p.name for p in frames.iterdir())
    assert written and all(name.endswith(".png") for name in written)
    assert [p.name for p in tmp_path.iterdir()] == ["frames"]
    assert f"frames to {frames}" in capsys.readouterr().out


def test_export_without_output_or_frames_says_what_to_give(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "square"]) == 2
    assert capsys.readouterr().err == "tapeviz: error: export needs -o FILE (an image or a .gif) or --frames DIR\n"


@pytest.mark.parametrize(
    ("program", "hint"),
    [
        ("import tapeviz.tf as tf\nx = tf.constant([[1.0]])\ny = tf.matmull(x, x)\n", "Did you mean: 'matmul'?"),
        ("import numpy as np\nimport tapeviz.tf as tf\nnp.matmull\n", "Did you mean: 'matmul'?"),
        ("import tapeviz.tf as tf\nvalue = 2.0\nx = tf.Variable(valeu)\n", "Did you mean: 'value'?"),
    ],
)
def test_open_keeps_pythons_did_you_mean(program: str, hint: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "prog.py"
    path.write_text(program)
    assert main(["events", str(path)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("tapeviz: error: ") and err[0].endswith(hint)
    assert err[-1].endswith(hint)


def test_python_dash_m_tapeviz_runs_the_cli() -> None:
    done = subprocess.run([sys.executable, "-m", "tapeviz", "events", "square", "--limit", "2"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "multiply" in done.stdout or "power" in done.stdout or "mul" in done.stdout
    bad = subprocess.run([sys.executable, "-m", "tapeviz", "events"], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1


def test_lessons_folder_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TAPEVIZ_LESSONS", raising=False)
    assert lessons_folder() == bundled_dir("lessons")
    assert (lessons_folder() / "01-first-tape" / "lesson.md").is_file()
    monkeypatch.setenv("TAPEVIZ_LESSONS", str(tmp_path / "env"))
    assert lessons_folder() == tmp_path / "env"
    assert lessons_folder(tmp_path / "given") == tmp_path / "given"


def test_lessons_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copytree(bundled_dir("lessons") / "01-first-tape", tmp_path / "01-first-tape")
    monkeypatch.setenv("TAPEVIZ_LESSONS", str(tmp_path))
    assert main(["lessons"]) == 0
    out = capsys.readouterr().out
    assert "01-first-tape" in out and "02-" not in out
    monkeypatch.setenv("TAPEVIZ_LESSONS", str(tmp_path / "missing"))
    assert main(["lessons"]) == 2
    assert "no such lessons folder" in capsys.readouterr().err


def test_ui_output_goes_to_tapeviz_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    folder = default_output_dir()
    assert folder == tmp_path / "tapeviz-out" and not folder.exists()  # nothing is made until a file is written
    assert output_file(folder, "seed-event1.png") == folder / "seed-event1.png" and folder.is_dir()
    ignored = (PACKAGE.parent / ".gitignore").read_text().splitlines()
    assert "/tapeviz-out/" in ignored or "tapeviz-out/" in ignored
