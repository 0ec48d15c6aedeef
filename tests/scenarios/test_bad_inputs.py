"""The bad-input matrix: every entry point, every kind of bad input, one contract.

Each case gets one clear line on stderr starting ``tapeviz: error:`` and exit code 2 from the CLI
(in-process through ``tapeviz.cli.main`` and, for a sample, as a real ``tapeviz`` process), no
traceback of tapeviz's internals (a learner's failing program shows its own frames only), nothing
on stdout, and no file left behind: the case's folder lists the same files before and after.
The Python API raises tapeviz's own exception types with a one-line message.

Unwritable outputs: the tests run as root, for whom permission bits do not stop a write, so an
unwritable path is one whose parent is a regular file (``afile/x.png``) or one inside ``/proc``.
"""

from __future__ import annotations

import importlib
import io
import json
import os
import random
import subprocess
import sys
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

import tapeviz
from tapeviz.cli import main
from tapeviz.engine.errors import ProgramError, TapevizError
from tapeviz.trace import TraceFileError
from tests.support.paths import DATA

PACKAGE_DIR = str(Path(tapeviz.__file__).resolve().parent)
TAPEVIZ_BIN = Path(sys.executable).parent / "tapeviz"
BAD_LESSONS = DATA / "bad_lessons"

PROGRAMS = {
    "syntax.py": "import tapeviz.engine as E\nx = E.Variable(1.0\n",
    "raises.py": (
        "import tapeviz.engine as E\n\ndef helper():\n    raise ValueError('the learner broke it')\n\n"
        "x = E.Variable(2.0)\nwith E.GradientTape() as tape:\n    y = x * x\nhelper()\n"
    ),
    "nothing.py": "total = sum(range(10))\nprint(total)\n",
    "empty.py": "",
    "shape.py": (
        "import tapeviz.engine as E\nw = E.Variable(E.ones((2, 3)))\nwith E.GradientTape() as tape:\n"
        "    y = E.matmul(w, w)\n"
    ),
    "dtype.py": (
        "import tapeviz.engine as E\nw = E.Variable(E.ones((2, 3)))\nwith E.GradientTape() as tape:\n"
        "    y = w + E.constant(1.0, dtype=E.float64)\n"
    ),
    "tape.py": (
        "import tapeviz.engine as E\nx = E.Variable(3.0)\nwith E.GradientTape() as tape:\n    y = x * x\n"
        "tape.gradient(y, x)\ntape.gradient(y, x)\n"
    ),
    "exits.py": "import sys\nimport tapeviz.engine as E\nx = E.Variable(1.0)\nsys.exit(3)\n",
    "keras_weights.py": (
        "import numpy as np\nfrom tapeviz.tf import keras\nlayer = keras.layers.Dense(3)\n"
        "layer(np.ones((2, 4), dtype='float32'))\nlayer.set_weights([np.ones((4, 2)), np.ones(3)])\n"
    ),
}


def _good_trace(folder: Path) -> Path:
    from tapeviz.examples import EXAMPLES

    path = folder / "good.tapeviz"
    EXAMPLES["square"].build().save(path)
    return path


def _rewrite(src: Path, dst: Path, edit: Callable[[str, bytes], bytes]) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for name in zin.namelist():
            zout.writestr(name, edit(name, zin.read(name)))
    return dst


def _damaged(src: Path, dst: Path) -> Path:
    """A zip whose directory is intact but whose deflated trace.json is not: the reader meets bad
    deflate data (zlib.error), not a missing archive."""
    data = bytearray(src.read_bytes())
    with zipfile.ZipFile(src) as zf:
        info = zf.getinfo("trace.json")
    # the member's data starts after its local header: 30 bytes + name + extra field
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    rng = random.Random(7)
    for k in range(start + 2, start + info.compress_size - 2, 3):
        data[k] = rng.randrange(256)
    dst.write_bytes(bytes(data))
    return dst


def make_world(d: Path) -> None:
    """The bad inputs every case can name (inside the case's own folder)."""
    good = _good_trace(d)
    (d / "empty.tapeviz").write_bytes(b"")
    (d / "random.tapeviz").write_bytes(random.Random(0).randbytes(4096))
    raw = good.read_bytes()
    (d / "truncated.tapeviz").write_bytes(raw[: len(raw) // 2])
    _damaged(good, d / "damaged.tapeviz")

    def newer(name: str, data: bytes) -> bytes:
        if name != "trace.json":
            return data
        doc = json.loads(data)
        doc["version"] = 99
        return json.dumps(doc).encode()

    _rewrite(good, d / "newer.tapeviz", newer)
    for name, text in PROGRAMS.items():
        (d / name).write_text(text)
    (d / "latin1.py").write_bytes("# caf\xe9\nx = 1\n".encode("latin-1"))
    (d / "folder").mkdir()
    (d / "folder.png").mkdir()
    (d / "afile").write_text("a regular file, used as a parent folder that cannot exist\n")
    lessons = d / "lessons" / "01-raises"
    lessons.mkdir(parents=True)
    (lessons / "lesson.md").write_text("---\ntitle: A lesson whose program fails\nprogram: prog.py\n---\n\n## Step\n\nText.\n")
    (lessons / "prog.py").write_text("import tapeviz.engine as E\nraise RuntimeError('lesson program fails')\n")


def listing(d: Path) -> dict[str, int]:
    """Every file and folder under ``d`` (hidden ones too) with its size."""
    out: dict[str, int] = {}
    for root, dirs, files in os.walk(d):
        for name in dirs + files:
            p = Path(root) / name
            out[str(p.relative_to(d))] = p.stat().st_size if p.is_file() else -1
    return out


# --------------------------------------------------------------------------------------------
# the CLI table


@dataclass(frozen=True)
class Case:
    id: str
    argv: tuple[str, ...]  # "{d}" is the case's folder
    expect: str  # part of the error line
    program: bool = False  # a learner's program failed: its own frames may follow the line
    creates: tuple[str, ...] = ()  # whole files the command writes on purpose despite the error
    no_dot: bool = False  # run with an empty PATH, so Graphviz's dot cannot be found


SOURCES: list[tuple[str, str, str, bool]] = [
    # (id, source, expected part of the message, is a learner's failing program)
    ("missing-trace", "{d}/nope.tapeviz", "no such file", False),
    ("missing-program", "{d}/nope.py", "nope.py: no such file", False),
    ("unknown-example", "no-such-example", "not a built-in example", False),
    ("empty-file", "{d}/empty.tapeviz", "the file is empty", False),
    ("random-bytes", "{d}/random.tapeviz", "not a tapeviz trace", False),
    ("truncated-trace", "{d}/truncated.tapeviz", "not a tapeviz trace", False),
    ("damaged-trace", "{d}/damaged.tapeviz", "truncated or corrupted", False),
    ("newer-format", "{d}/newer.tapeviz", "written by a newer tapeviz (trace format version 99", False),
    ("directory", "{d}/folder", "is a directory", False),
    ("syntax-error", "{d}/syntax.py", "syntax.py:2: syntax error", True),
    ("program-raises", "{d}/raises.py", "raises.py:4: ValueError: the learner broke it", True),
    ("records-nothing", "{d}/nothing.py", "recorded nothing", False),
    ("empty-program", "{d}/empty.py", "recorded nothing", False),
    ("shape-mismatch", "{d}/shape.py", "shape.py:4: InvalidArgumentError: matmul: (2, 3) @ (2, 3)", True),
    ("dtype-mismatch", "{d}/dtype.py", "dtype.py:4: InvalidArgumentError: add: cannot combine float32", True),
    ("tape-misuse", "{d}/tape.py", "tape.py:6: TapeError: A non-persistent GradientTape", True),
    ("program-exits", "{d}/exits.py", "exited with status 3", True),
    ("keras-set-weights", "{d}/keras_weights.py", "keras_weights.py:5: ValueError: set_weights()", True),
    ("not-utf8", "{d}/latin1.py", "not a text file", False),
]

SOURCE_COMMANDS: list[tuple[str, tuple[str, ...]]] = [
    ("events", ("events", "SRC")),
    ("save", ("save", "SRC", "-o", "{d}/out.tapeviz")),
    ("export", ("export", "SRC", "-o", "{d}/out.png")),
    ("open", ("open", "SRC")),
]

OTHER_CASES: list[Case] = [
    # argument parsing
    Case("unknown-command", ("frobnicate",), "invalid choice"),
    Case("events-limit-garbage", ("events", "square", "--limit", "many"), "invalid int value"),
    Case("events-limit-negative", ("events", "square", "--limit", "-3"), "cannot be negative"),
    Case("open-no-source", ("open",), "the following arguments are required: source"),
    Case("save-no-output", ("save", "square"), "the following arguments are required: -o/--output"),
    Case("export-no-output", ("export", "square"), "export needs -o FILE (an image or a .gif) or --frames DIR"),
    Case("export-rankdir-bad", ("export", "square", "-o", "{d}/out.png", "--rankdir", "XX"), "argument --rankdir: invalid choice"),
    # export: values
    Case("export-unknown-suffix", ("export", "square", "-o", "{d}/out.xyz"), "cannot tell the image format from '.xyz'"),
    Case("export-no-suffix", ("export", "square", "-o", "{d}/out"), "cannot tell the image format from no suffix"),
    Case("export-at-too-big", ("export", "square", "-o", "{d}/out.png", "--at", "999"), "event 999 is out of range"),
    Case("export-at-too-small", ("export", "square", "-o", "{d}/out.png", "--at", "-999"), "out of range"),
    Case("export-at-garbage", ("export", "square", "-o", "{d}/out.png", "--at", "garbage"), "cannot place the cursor at 'garbage'"),
    Case("export-at-float", ("export", "square", "-o", "{d}/out.png", "--at", "1.5"), "cannot place the cursor at '1.5'"),
    Case("export-at-no-update", ("export", "square", "-o", "{d}/out.png", "--at", "update"), "no update phase"),
    Case("export-collapse-unknown", ("export", "square", "-o", "{d}/out.png", "--collapse", "nosuch"), "cannot collapse 'nosuch'"),
    Case("export-gif-at-garbage", ("export", "square", "-o", "{d}/out.gif", "--at", "garbage"), "cannot place the cursor"),
    Case("export-frames-into-file", ("export", "square", "-o", "{d}/out.png", "--frames", "{d}/afile"), "it is a file"),
    # export: unwritable outputs
    Case("export-parent-missing", ("export", "square", "-o", "{d}/missing/out.png"), "does not exist"),
    Case("export-parent-is-file", ("export", "square", "-o", "{d}/afile/out.png"), "cannot write"),
    Case("export-into-proc", ("export", "square", "-o", "/proc/tapeviz-test.png"), "cannot write /proc/tapeviz-test.png"),
    Case("export-onto-directory", ("export", "square", "-o", "{d}/folder.png"), "it is a directory"),
    # Graphviz missing: the command says so and leaves the (complete) DOT source beside the image
    Case("export-dot-missing", ("export", "square", "-o", "{d}/out.png"), "Graphviz's 'dot' program was not found", "tapeviz.cli.export", creates=("out.dot",), no_dot=True),
    Case("export-gif-frames-dot-missing", ("export", "seed", "-o", "{d}/out.gif", "--frames", "{d}/frames"), "Graphviz's 'dot' program was not found", "tapeviz.cli.export", no_dot=True),
    # save: unwritable outputs
    Case("save-parent-missing", ("save", "square", "-o", "{d}/missing/out.tapeviz"), "does not exist"),
    Case("save-parent-is-file", ("save", "square", "-o", "{d}/afile/out.tapeviz"), "cannot save"),
    Case("save-into-proc", ("save", "square", "-o", "/proc/tapeviz-test.tapeviz"), "/proc/tapeviz-test.tapeviz: cannot save"),
    Case("save-onto-directory", ("save", "square", "-o", "{d}/folder"), "it is a directory"),
    # lessons
    Case("lessons-dir-missing", ("lessons", "--dir", "{d}/nope"), "no such lessons folder"),
    Case("lessons-dir-is-file", ("lessons", "--dir", "{d}/afile"), "no such lessons folder"),
    Case("lesson-unknown-number", ("lesson", "99"), "no lesson '99'"),
    Case("lesson-unknown-slug", ("lesson", "no-such-lesson"), "no lesson 'no-such-lesson'"),
    Case("lesson-dir-missing", ("lesson", "1", "--dir", "{d}/nope"), "no such lessons folder"),
    Case("lesson-bad-front-matter", ("lesson", "2", "--dir", str(BAD_LESSONS)), "lesson.md:3: malformed front matter line"),
    Case("lesson-bad-directive", ("lesson", "3", "--dir", str(BAD_LESSONS)), "lesson.md:8: malformed directive"),
    Case("lesson-missing-program", ("lesson", "5", "--dir", str(BAD_LESSONS)), "not found"),
    Case("lesson-program-raises", ("lesson", "1", "--dir", "{d}/lessons"), "prog.py:2: RuntimeError: lesson program fails", program=True),
]

CASES: list[Case] = [
    Case(
        f"{cmd}-{sid}",
        tuple(source if a == "SRC" else a for a in argv),
        expect,
        program=program,
    )
    for cmd, argv in SOURCE_COMMANDS
    for sid, source, expect, program in SOURCES
] + OTHER_CASES

# a sample run as real processes: exit codes and stderr as a shell sees them
SUBPROCESS_CASES = [
    "events-random-bytes", "events-program-raises", "save-syntax-error", "save-into-proc",
    "open-empty-file", "open-records-nothing", "export-at-garbage", "export-dot-missing",
    "export-newer-format", "lessons-dir-missing", "lesson-unknown-slug", "events-limit-negative",
]
# Programs that recorded events before they raised: `events` prints those events before the
# error line, and `open` opens the UI on them (post-mortem, tests/ui/test_post_mortem.py).
POST_MORTEM = {"program-raises", "tape-misuse"}
BY_ID = {c.id: c for c in CASES}
assert len(BY_ID) == len(CASES), "case ids must be unique"
assert set(SUBPROCESS_CASES) <= set(BY_ID)


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = tmp_path / "case"
    d.mkdir()
    make_world(d)
    monkeypatch.chdir(d)  # a stray relative write would show up in the listing
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))  # lesson progress, never ~
    monkeypatch.setenv("COLUMNS", "200")
    return d


def check_contract(case: Case, d: Path, code: int, out: str, err: str, before: dict[str, int], after: dict[str, int]) -> None:
    lines = err.splitlines()
    assert code == 2, f"exit code {code}, stderr: {err!r}"
    assert lines and lines[0].startswith("tapeviz: error: "), err
    assert case.expect in lines[0], f"{case.expect!r} not in {lines[0]!r}"
    assert "Traceback (most recent call last)" not in err
    assert PACKAGE_DIR not in err, "tapeviz's own frames or paths leaked into the error"
    if case.program:  # the learner's own frames only, all in their file
        for line in lines[1:]:
            if line.lstrip().startswith('File "'):
                assert str(d) in line or "prog.py" in line, line
    else:
        assert len(lines) == 1, f"more than one line: {err!r}"
    if case.argv[0] == "events" and case.id.removeprefix("events-") in POST_MORTEM:
        assert "events, 1 iteration(s)" in out.splitlines()[0], out  # the events it recorded, then the error
    else:
        assert out == "", f"stdout should be empty on an error: {out!r}"
    made = sorted(set(after) - set(before))
    assert made == sorted(case.creates), f"files left behind: {made}"
    assert {k: v for k, v in after.items() if k in before} == before, "an existing file changed"
    for name in case.creates:  # what is written on purpose is whole
        text = (d / name).read_text()
        assert text.startswith("digraph") and text.rstrip().endswith("}"), text[-80:]


def expand(case: Case, d: Path) -> list[str]:
    return [a.replace("{d}", str(d)) for a in case.argv]


def run_in_process(argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as exc:  # argparse exits for usage errors
        return int(exc.code or 0)


@pytest.mark.parametrize("case", [c for c in CASES if c.id.removeprefix("open-") not in POST_MORTEM or not c.id.startswith("open-")],
                         ids=lambda c: c.id)
def test_cli_bad_input(case: Case, world: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    if case.argv[0] in ("open", "lesson"):
        ui = importlib.import_module("tapeviz.ui.app")

        def refuse(self: object, *a: object, **k: object) -> None:
            raise AssertionError("the UI started: the bad input was not caught before it")

        monkeypatch.setattr(ui.TapevizApp, "run", refuse)
        if case.argv[0] == "lesson":
            screen = importlib.import_module("tapeviz.ui.lesson_screen")
            monkeypatch.setattr(screen, "run_lesson_app", lambda *a, **k: refuse(None))
    if case.no_dot:
        empty = world.parent / "empty-path"
        empty.mkdir()
        monkeypatch.setenv("PATH", str(empty))
    capsys.readouterr()
    before = listing(world)
    code = run_in_process(expand(case, world))
    captured = capsys.readouterr()
    check_contract(case, world, code, captured.out, captured.err, before, listing(world))


@pytest.mark.parametrize("case_id", SUBPROCESS_CASES)
def test_cli_bad_input_as_a_process(case_id: str, world: Path) -> None:
    case = BY_ID[case_id]
    assert TAPEVIZ_BIN.exists(), "the tapeviz script is installed in the venv"
    env = dict(os.environ, COLUMNS="200")
    if case.no_dot:
        empty = world.parent / "empty-path"
        empty.mkdir()
        env["PATH"] = str(empty)
    before = listing(world)
    proc = subprocess.run(
        [str(TAPEVIZ_BIN), *expand(case, world)], capture_output=True, text=True, cwd=world, env=env, check=False,
        stdin=subprocess.DEVNULL, timeout=120,
    )
    check_contract(case, world, proc.returncode, proc.stdout, proc.stderr, before, listing(world))


# --------------------------------------------------------------------------------------------
# existing output paths: replaced whole on success, untouched on failure


@pytest.mark.parametrize(
    "argv",
    [
        ["save", "square", "-o", "{d}/existing.tapeviz"],
        (["export", "square", "-o", "{d}/existing.dot"]),
        (["export", "square", "-o", "{d}/existing.svg"]),
    ],
    ids=["save", "export-dot", "export-svg"],
)
def test_existing_output_is_replaced_whole_or_left_alone(
    argv: list[str], world: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [a.replace("{d}", str(world)) for a in argv]
    target = Path(argv[3])
    old = b"an older file the learner made\n"
    target.write_bytes(old)
    # a failing command (bad source) leaves the existing file exactly as it was
    before = listing(world)
    assert run_in_process([argv[0], str(world / "random.tapeviz"), *argv[2:]]) == 2
    assert target.read_bytes() == old and listing(world) == before
    # a successful one replaces it whole (rename over it: no temp file left, no mix of old and new)
    assert run_in_process(argv) == 0
    new = target.read_bytes()
    assert new != old and not new.startswith(old)
    assert sorted(set(listing(world)) - set(before)) == []
    if target.suffix == ".tapeviz":
        assert len(tapeviz.load_trace(target)) == 4
    elif target.suffix == ".dot":
        assert new.startswith(b"digraph") and new.rstrip().endswith(b"}")
    else:
        assert new.rstrip().endswith(b"</svg>")
    capsys.readouterr()


# --------------------------------------------------------------------------------------------
# the Python API table


def _engine() -> object:
    import tapeviz.engine as E

    return E


def _trace() -> object:
    from tapeviz.examples import EXAMPLES

    return EXAMPLES["square"].build()


def _keras_dense() -> object:
    from tapeviz.tf import keras

    layer = keras.layers.Dense(3)
    layer(np.ones((2, 4), dtype="float32"))
    return layer


def _twice(E: object) -> None:
    x = E.Variable(3.0)  # type: ignore[attr-defined]
    with E.GradientTape() as tape:  # type: ignore[attr-defined]
        y = x * x
    tape.gradient(y, x)
    tape.gradient(y, x)


def _render(**kw: object) -> Callable[[Path], object]:
    def call(d: Path) -> object:
        render = importlib.import_module("tapeviz.render")
        path = kw.pop("path", d / "out.png")
        return render.render(_trace(), str(path).replace("{d}", str(d)), **kw)

    return call


def _loader(load: Callable[[Path], object], name: str) -> Callable[[Path], object]:
    return lambda d: load(d / name)


API_CASES: list[tuple[str, Callable[[Path], object], str, str]] = [
    # (id, call(folder), exception type name (a TapevizError unless noted), part of the message)
    *[(f"load_trace-{name}", _loader(tapeviz.load_trace, name), "TraceFileError", expect)
      for name, expect in [
          ("nope.tapeviz", "no such file"), ("empty.tapeviz", "the file is empty"),
          ("random.tapeviz", "not a tapeviz trace"), ("truncated.tapeviz", "not a tapeviz trace"),
          ("damaged.tapeviz", "truncated or corrupted"), ("newer.tapeviz", "newer tapeviz"),
          ("folder", "is a directory"), ("syntax.py", "not a tapeviz trace"),
      ]],
    *[(f"run_program-{name}", _loader(tapeviz.run_program, name), "ProgramError", expect)
      for name, expect in [
          ("nope.py", "no such file"), ("syntax.py", "syntax error"), ("raises.py", "ValueError: the learner broke it"),
          ("nothing.py", "recorded nothing"), ("shape.py", "InvalidArgumentError"), ("dtype.py", "InvalidArgumentError"),
          ("tape.py", "TapeError"), ("latin1.py", "not a text file"), ("folder", "is a directory"),
      ]],
    ("load_source-unknown", lambda d: __import__("tapeviz.sources").sources.load_source("no-such-example"), "TraceFileError", "not a built-in example"),
    ("save-parent-missing", lambda d: _trace().save(d / "missing" / "x.tapeviz"), "TraceFileError", "does not exist"),
    ("save-parent-is-file", lambda d: _trace().save(d / "afile" / "x.tapeviz"), "TraceFileError", "cannot save"),
    ("save-onto-directory", lambda d: _trace().save(d / "folder"), "TraceFileError", "it is a directory"),
    ("save-into-proc", lambda d: _trace().save("/proc/tapeviz-test.tapeviz"), "TraceFileError", "cannot save"),
    ("render-unknown-suffix", _render(path="{d}/out.xyz"), "RenderError", "cannot tell the image format"),
    ("render-at-out-of-range", _render(at=999), "RenderError", "out of range"),
    ("render-at-garbage", _render(at="garbage"), "RenderError", "cannot place the cursor"),
    ("render-at-float", _render(at=1.5), "RenderError", "cannot place the cursor"),
    ("render-rankdir-bad", _render(rankdir="XX"), "RenderError", "rankdir"),
    ("render-collapse-unknown", _render(collapse=["nosuch"]), "RenderError", "cannot collapse"),
    ("render-parent-is-file", _render(path="{d}/afile/out.png"), "RenderError", "cannot write"),
    ("render-onto-directory", _render(path="{d}/folder.png"), "RenderError", "it is a directory"),
    ("to_graphviz-at-out-of-range", lambda d: importlib.import_module("tapeviz.render").to_graphviz(_trace(), at=999), "RenderError", "out of range"),
    ("engine-matmul-shapes", lambda d: _engine().matmul(_engine().ones((2, 3)), _engine().ones((2, 3))), "InvalidArgumentError", "inner dimensions 3 and 2 differ"),
    ("engine-broadcast", lambda d: _engine().ones((2, 3)) + _engine().ones((4,)), "InvalidArgumentError", "cannot be broadcast"),
    ("engine-reshape", lambda d: _engine().reshape(_engine().ones((2, 3)), (4,)), "InvalidArgumentError", "cannot reshape 6 elements"),
    ("engine-axis", lambda d: _engine().reduce_sum(_engine().ones((2, 3)), axis=5), "InvalidArgumentError", "axis 5 is out of bounds"),
    ("engine-dtypes", lambda d: _engine().add(_engine().ones((2,)), _engine().constant(1.0, dtype=_engine().float64)), "InvalidArgumentError", "cannot combine float32"),
    ("engine-unsupported-dtype", lambda d: _engine().cast(_engine().ones((2,)), "complex128"), "InvalidArgumentError", "unsupported dtype complex128"),
    ("engine-object-tensor", lambda d: _engine().constant(np.array([object()])), "InvalidArgumentError", "cannot convert"),
    ("engine-complex-tensor", lambda d: _engine().constant(1.0 + 2.0j), "InvalidArgumentError", "complex numbers are outside"),
    ("engine-assign-shape", lambda d: _engine().Variable(1.0).assign(np.ones(3)), "ValueError", "does not match the variable's shape"),
    ("engine-tape-twice", lambda d: _twice(_engine()), "TapeError", "non-persistent GradientTape"),
    ("keras-set_weights-shape", lambda d: _keras_dense().set_weights([np.ones((4, 2)), np.ones(3)]), "ValueError", "has shape (4, 3), the array given has shape (4, 2)"),
    ("keras-set_weights-count", lambda d: _keras_dense().set_weights([np.ones((4, 3))]), "ValueError", "got 1 array(s), but the layer has 2"),
    ("keras-input-shape", lambda d: _keras_dense()(np.ones((2, 5), dtype="float32")), "ValueError", "expected axis -1 of input shape to have value 4"),
]


@pytest.mark.parametrize("case_id, call, kind, expect", API_CASES, ids=[c[0] for c in API_CASES])
def test_python_api_bad_input(case_id: str, call: Callable[[Path], object], kind: str, expect: str, world: Path) -> None:
    before = listing(world)
    with pytest.raises(Exception) as info:
        call(world)
    exc = info.value
    assert type(exc).__name__ == kind, f"{type(exc).__name__}: {exc}"
    assert isinstance(exc, TapevizError)  # shown under TensorFlow's name (InvalidArgumentError, ValueError)
    message = str(exc)
    assert expect in message, message
    assert "\n" not in message and message.strip() == message and message, repr(message)
    assert PACKAGE_DIR not in message
    if isinstance(exc, ProgramError):
        assert "Traceback (most recent call last)" not in exc.details and PACKAGE_DIR not in exc.details
    assert listing(world) == before, "files left behind"


def test_dot_missing_python_api(world: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``render`` without Graphviz: GraphvizMissing names the DOT file it wrote instead, whole."""
    render = importlib.import_module("tapeviz.render")
    empty = world.parent / "empty-path"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    before = listing(world)
    with pytest.raises(render.GraphvizMissing) as info:
        render.render(_trace(), world / "out.svg")
    assert "\n" not in str(info.value) and str(world / "out.dot") in str(info.value)
    assert sorted(set(listing(world)) - set(before)) == ["out.dot"]
    assert (world / "out.dot").read_text().startswith("digraph")
    # the DOT text itself needs no Graphviz at all
    assert render.dot_source(_trace(), 1).startswith("digraph")


def test_every_bad_trace_file_is_rejected_not_crashed(world: Path) -> None:
    """Byte-level damage of a real trace: the loader raises TraceFileError or loads a trace,
    never anything else (bad deflate data, lying zip headers, chopped members)."""
    from tapeviz.examples import EXAMPLES

    good = world / "two-layer.tapeviz"
    EXAMPLES["two-layer"].build().save(good)
    data = good.read_bytes()
    rng = random.Random(1234)
    target = world / "mutant.tapeviz"
    outcomes = {"rejected": 0, "loaded": 0}
    for i in range(600):
        b = bytearray(data)
        if i % 3 == 0:
            for _ in range(rng.randint(1, 4)):
                b[rng.randrange(len(b))] = rng.randrange(256)
        elif i % 3 == 1:
            start = rng.randrange(len(b))
            del b[start : start + rng.randint(1, 300)]
        else:
            start = rng.randrange(len(b))
            b[start:start] = rng.randbytes(rng.randint(1, 60))
        target.write_bytes(bytes(b))
        try:
            tapeviz.load_trace(target)
            outcomes["loaded"] += 1
        except TraceFileError as exc:
            assert "\n" not in str(exc)
            outcomes["rejected"] += 1
    assert outcomes["rejected"] > 300, outcomes


def test_structurally_damaged_traces_are_rejected_or_consistent(world: Path) -> None:
    """JSON-level damage (deleted keys, wrong types, swapped or duplicated events, bad array
    references): load_trace raises TraceFileError, or the trace it returns can be stepped through
    (snapshot and description of every event) without an exception."""
    from tapeviz.examples import EXAMPLES
    from tapeviz.trace import snapshot
    from tapeviz.view import describe_event

    good = world / "two-layer.tapeviz"
    EXAMPLES["two-layer"].build().save(good)
    with zipfile.ZipFile(good) as zf:
        doc = json.loads(zf.read("trace.json"))
        members = {n: zf.read(n) for n in zf.namelist() if n != "trace.json"}
    rng = random.Random(99)
    odd = [None, 0, -1, 1, 10**6, 2.5, "x", "", [], {}, [1], {"array": 0}, {"array": -1}, {"array": 10**9},
           True, [[1, 2]], {"id": 1, "value": {"array": 0}}, {"ndarray": [[1], [2, 3]]}, {"tuple": "no"}]

    def mutate(obj: object) -> object:
        if isinstance(obj, dict) and obj:
            key = rng.choice(list(obj))
            r = rng.random()
            if r < 0.2:
                del obj[key]
            elif r < 0.5:
                obj[key] = rng.choice(odd)
            else:
                obj[key] = mutate(obj[key])
            return obj
        if isinstance(obj, list) and obj:
            k = rng.randrange(len(obj))
            r = rng.random()
            if r < 0.15:
                del obj[k]
            elif r < 0.25:
                obj.insert(k, json.loads(json.dumps(rng.choice(obj))))
            elif r < 0.45:
                obj[k] = rng.choice(odd)
            elif r < 0.55:
                obj[k], obj[-1] = obj[-1], obj[k]
            else:
                obj[k] = mutate(obj[k])
            return obj
        if isinstance(obj, int) and not isinstance(obj, bool):
            return obj + rng.choice([-1, 1, 5])
        return rng.choice(odd)

    target = world / "mutant.tapeviz"
    rejected = 0
    for _ in range(400):
        mutant = json.loads(json.dumps(doc))
        for _ in range(rng.randint(1, 3)):
            mutant = mutate(mutant)
        with zipfile.ZipFile(target, "w") as zf:
            zf.writestr("trace.json", json.dumps(mutant))
            for name, data in members.items():
                zf.writestr(name, data)
        try:
            trace = tapeviz.load_trace(target)
        except TraceFileError as exc:
            assert "\n" not in str(exc)
            rejected += 1
            continue
        for i, event in enumerate(trace.events):
            snapshot(trace, i)
            describe_event(trace, event)
            trace.phase(i)
        trace.losses  # noqa: B018
    assert rejected > 100


def test_world_inputs_are_what_they_claim(world: Path) -> None:
    """The fixtures themselves: the damaged trace is a valid zip whose member is bad, the
    truncated one lost its directory, and the newer one differs from the good one only in version."""
    with zipfile.ZipFile(world / "damaged.tapeviz") as zf:
        assert "trace.json" in zf.namelist()
        with pytest.raises((zlib.error, zipfile.BadZipFile)):
            zf.read("trace.json")
    with pytest.raises(zipfile.BadZipFile):
        zipfile.ZipFile(world / "truncated.tapeviz")
    with zipfile.ZipFile(world / "newer.tapeviz") as zf:
        assert json.loads(zf.read("trace.json"))["version"] == 99
    assert io.BytesIO((world / "good.tapeviz").read_bytes()).read(2) == b"PK"


def test_nonfinite_values_are_flagged_where_they_first_appear(tmp_path: Path) -> None:
    """log(0) gives -inf in the forward pass and inf in the gradient: the trace names the first
    event, and ``tapeviz events`` marks that row and says so under the table."""
    program = tmp_path / "nan.py"
    program.write_text(
        "import tapeviz.engine as E\nx = E.Variable([1.0, 0.0], name='x')\nwith E.GradientTape() as t:\n"
        "    y = E.reduce_sum(E.log(x))\nt.gradient(y, x)\n"
    )
    trace = tapeviz.run_program(program).trace
    assert trace.first_nonfinite == 0 and trace.nonfinite_at(0)
    out = subprocess.run([sys.executable, "-m", "tapeviz", "events", str(program)], capture_output=True, text=True, check=False,
                         env=dict(os.environ, COLUMNS="200"))
    assert out.returncode == 0, out.stderr
    rows = out.stdout.splitlines()
    first = next(r for r in rows if r.startswith("│ 1 "))  # the table numbers events from 1
    assert "⚠ first NaN/inf in log" in first
    # row 1 (log: -inf from finite x), row 5 (∂ log → x: inf enters the gradients), the caption;
    # row 2 (the sum) only carries the -inf along and is not flagged again
    assert sum("⚠" in r for r in rows) == 1 + 1 + 1
    assert "NaN or inf first appears at event 1" in out.stdout
