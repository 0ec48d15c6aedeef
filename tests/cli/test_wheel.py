"""A wheel that works anywhere: built from a copy of the source tree, installed into a fresh venv
outside the repository, and used from a folder that has nothing to do with the clone.

Slow by nature (about a minute: a venv and pip, which reuses its download cache).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tapeviz.render.gv import have_dot

ROOT = Path(__file__).resolve().parents[2]
NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", "*.pyc", ".pytest_cache", ".hypothesis",
    "tapeviz-out", "_bundled", "node_modules",
)


def run(argv: list[str], cwd: Path, env: dict[str, str], timeout: float = 600) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{' '.join(argv)} failed ({done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
    return done


def clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "TAPEVIZ_LESSONS", "VIRTUAL_ENV")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def tracked_files(folder: Path) -> set[str]:
    """The files of ``folder`` that belong to the project (git's list; a walk without git), relative to it."""
    listed = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z", "--", str(folder)],
                            capture_output=True, text=True, timeout=60) if shutil.which("git") else None
    if listed is not None and listed.returncode == 0 and listed.stdout:
        paths = [ROOT / name for name in listed.stdout.split("\0") if name]
    else:
        paths = [p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    return {p.relative_to(folder).as_posix() for p in paths if p.exists()}


def data_files(folder: Path) -> set[str]:
    """Every project file under ``folder`` that is not Python source."""
    return {name for name in tracked_files(folder) if not name.endswith((".py", ".pyc"))}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the wheel from a clean copy of the tree (no stale build/ of the clone can leak in)."""
    base = tmp_path_factory.mktemp("wheel")
    src = base / "src"
    shutil.copytree(ROOT, src, ignore=NOT_SOURCE, symlinks=True)
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(base / "dist"), str(src)], base, clean_env())
    (found,) = (base / "dist").glob("tapeviz-*.whl")
    return found


def test_the_wheel_carries_lessons_examples_and_every_data_file(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder, inside in (("lessons", "tapeviz/_bundled/lessons"), ("examples", "tapeviz/_bundled/examples")):
        files = tracked_files(ROOT / folder)
        missing = sorted(f for f in files if f"{inside}/{f}" not in names)
        assert files and not missing, f"{folder}/ files missing from the wheel: {missing}"
    package_data = {p for p in data_files(ROOT / "tapeviz") if not p.startswith("_bundled/")}
    missing = sorted(f for f in package_data if f"tapeviz/{f}" not in names)
    assert not missing, f"data files of tapeviz/ missing from the wheel: {missing}"
    assert not any(n.startswith(("lessons/", "examples/", "tests/")) for n in names), "top-level folders leaked"


def test_the_wheel_works_outside_the_clone(wheel: Path, tmp_path: Path) -> None:
    env = clean_env()
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", str(venv)], tmp_path, env)
    py, exe = venv / "bin" / "python", venv / "bin" / "tapeviz"
    run([str(py), "-m", "pip", "install", "-q", str(wheel)], tmp_path, env)
    work = tmp_path / "somewhere"
    work.mkdir()

    where = run([str(py), "-c", "import tapeviz, tapeviz.sources as s; print(tapeviz.__file__); print(s.bundled_dir('lessons'))"], work, env)
    package_file, lessons = where.stdout.split()
    assert package_file.startswith(str(venv)) and lessons.startswith(str(venv)), where.stdout

    checked = run([str(exe), "lessons", "--check"], work, env)
    assert "lessons check" in checked.stdout.splitlines()[-1], checked.stdout[-500:]

    events = run([str(py), "-m", "tapeviz", "events", "seed"], work, env)
    assert "events" in events.stdout.lower() or len(events.stdout.splitlines()) > 50

    # Installed, the bundled programs are the learner's code as in the clone: names and lines.
    bundled, wide = Path(lessons).parent, {**env, "COLUMNS": "250"}  # (table cells unwrapped)
    lesson = run([str(exe), "events", str(bundled / "lessons" / "01-first-tape" / "program.py")], work, wide)
    assert "y = power" in lesson.stdout and "target y" in lesson.stdout, lesson.stdout
    example = run([str(exe), "events", "article_network_fixed"], work, wide)
    assert "predictions = add" in example.stdout and "labels (32," in example.stdout, example.stdout
    for spec in ("keras_fit_adam", "examples/keras_fit_adam.py"):  # by name, from anywhere
        fitted = run([str(exe), "events", spec, "--limit", "3"], work, wide)
        assert "keras_fit_adam.py" in fitted.stdout, fitted.stdout
    listed = run([str(exe), "examples"], work, env)
    assert "keras_fit_adam" in listed.stdout and "seed" in listed.stdout
    # a program of the learner's own, copied under site-packages, keeps its names too
    site = Path(run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], work, env).stdout.strip())
    own = site / "my_program.py"
    own.write_text("import tapeviz.tf as tf\nx = tf.Variable(3.0)\nwith tf.GradientTape() as tape:\n    y = x * x\n")
    mine = run([str(exe), "events", str(own)], work, wide)
    assert "y = multiply" in mine.stdout and "(x ()" in mine.stdout, mine.stdout

    if have_dot():
        exported = run([str(exe), "export", "seed", "-o", "x.png"], work, env)
        assert (work / "x.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", exported.stdout
    # a lessons folder named on the command line or in TAPEVIZ_LESSONS still wins over the bundled one
    own = work / "my-lessons"
    shutil.copytree(ROOT / "lessons" / "01-first-tape", own / "01-first-tape")
    listed = run([str(exe), "lessons", "--dir", str(own)], work, env)
    assert "01-first-tape" in listed.stdout and "02-" not in listed.stdout
    listed = run([str(exe), "lessons"], work, {**env, "TAPEVIZ_LESSONS": str(own)})
    assert "01-first-tape" in listed.stdout and "02-" not in listed.stdout
    if not have_dot():
        pytest.skip("Graphviz's dot is not installed: 'tapeviz export seed -o x.png' was not tried")


def test_python_in_the_clones_parent_folder_imports_the_real_package(tmp_path: Path) -> None:
    """A folder named tapeviz/ (the clone) in the current directory must not shadow the install."""
    (tmp_path / "tapeviz").symlink_to(ROOT, target_is_directory=True)
    done = run([sys.executable, "-c", "import tapeviz; print(tapeviz.__file__); print(tapeviz.constant(2.0))"], tmp_path, clean_env())
    assert done.stdout.splitlines()[0].endswith("__init__.py"), done.stdout
