"""Trace files and programs are data to tapeviz: loading never runs code, sizes are checked
before anything is allocated, and names reach DOT, SVG and the terminal as literal text.

A teacher hands out trace files and learners paste code, so a variable called ``[b]weight`` or a
scope called ``[@click=app.quit]layer`` must show exactly those characters everywhere: in
``tapeviz events``, in DOT labels and tooltips, in rendered SVG, and in the terminal UI (where
Textual markup would otherwise style the text or bind a click to an action).
"""

from __future__ import annotations

import builtins
import importlib
import io
import json
import os
import pickle
import shutil
import subprocess
import sys
import traceback
import tracemalloc
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

import tapeviz
from tapeviz.trace import TraceFileError

# Names that mean something to Rich/Textual markup, HTML-like DOT labels, DOT quoted strings,
# Graphviz escStrings, XML and shells. None contains '/', which is the scope separator.
SCOPE = "[@click=app.quit]layer"
WEIGHT = "[b]weight"
BIAS = '[red]bias&<"\\'  # ends in a backslash
PRINTED = "[bold red]program output[/]"

EVIL_PROGRAM = f"""
import tapeviz.engine as E
print({PRINTED!r})
with E.name_scope({SCOPE!r}):
    w = E.Variable([[1.0, 2.0]], name={WEIGHT!r})
    b = E.Variable([0.5], name={BIAS!r})
x = E.constant([[1.0], [2.0]])
with E.GradientTape() as tape:
    with E.name_scope({SCOPE!r}):
        y = E.matmul(x, w) + b
    loss = E.reduce_sum(y * y)
gw, gb = tape.gradient(loss, [w, b])
w.assign_sub(0.1 * gw)
b.assign_sub(0.1 * gb)
"""

_pwned: list[str] = []


def _mark_pwned(*args: object) -> None:
    _pwned.append("code ran while loading a trace")


class _Evil:
    def __reduce__(self) -> tuple[Callable[..., None], tuple[()]]:
        return (_mark_pwned, ())


@pytest.fixture
def evil_program(tmp_path: Path) -> Path:
    path = tmp_path / "evil.py"
    path.write_text(EVIL_PROGRAM)
    return path


@pytest.fixture
def good_trace(tmp_path: Path) -> Path:
    from tapeviz.examples import EXAMPLES

    path = tmp_path / "good.tapeviz"
    EXAMPLES["two-layer"].build().save(path)
    return path


def rewrite(src: Path, dst: Path, *, doc: Callable[[dict], object] | None = None,
            arrays: dict[str, bytes] | None = None) -> Path:
    """A copy of trace ``src`` with trace.json passed through ``doc`` and some members replaced."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for name in zin.namelist():
            data = zin.read(name)
            if name == "trace.json" and doc is not None:
                parsed = json.loads(data)
                result = doc(parsed)
                data = result.encode() if isinstance(result, str) else json.dumps(parsed if result is None else result).encode()
            zout.writestr(name, (arrays or {}).get(name, data))
    return dst


def npy_header(shape: tuple[int, ...], descr: str = "<f8", payload: bytes = b"") -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": descr, "fortran_order": False, "shape": shape})
    return buf.getvalue() + payload


# --------------------------------------------------------------------------------------------
# loading never executes code


def test_loading_a_good_trace_uses_no_pickle_and_no_eval(good_trace: Path) -> None:
    """pickle, eval, exec, compile and new imports are replaced by recorders while the trace
    loads; none of them is called."""
    calls: list[str] = []

    def recorder(name: str, original: Callable[..., object]) -> Callable[..., object]:
        def call(*a: object, **k: object) -> object:
            # numpy reads an .npy header (a dict literal) with ast.literal_eval, which compiles
            # the text to an AST and accepts literals only: that is parsing, not running code
            if name != "builtins.compile" or "literal_eval" not in {f.name for f in traceback.extract_stack()}:
                calls.append(name)
            return original(*a, **k)

        return call

    def guarded_import(mod: str, *a: object, **k: object) -> object:
        if mod.split(".")[0] not in sys.modules:
            calls.append(f"import {mod}")
        return real_import(mod, *a, **k)

    tapeviz.load_trace(good_trace)  # once first, so lazy imports of the reading code are done
    real_import = builtins.__import__
    saved = {(pickle, n): getattr(pickle, n) for n in ("loads", "load", "Unpickler")}
    saved.update({(builtins, n): getattr(builtins, n) for n in ("eval", "exec", "compile", "__import__")})
    for (owner, name), original in saved.items():
        setattr(owner, name, recorder(f"{owner.__name__}.{name}", original))
    builtins.__import__ = guarded_import
    try:
        trace = tapeviz.load_trace(good_trace)
    finally:
        for (owner, name), original in saved.items():
            setattr(owner, name, original)
    assert calls == []
    assert len(trace) > 10 and trace.iteration_count == 1


@pytest.mark.parametrize("make", ["pickled-object", "object-header-only"])
def test_object_arrays_are_refused_and_never_unpickled(make: str, good_trace: Path, tmp_path: Path) -> None:
    if make == "pickled-object":
        buf = io.BytesIO()
        np.save(buf, np.array([_Evil(), 1], dtype=object), allow_pickle=True)
        payload = buf.getvalue()
    else:
        payload = npy_header((1,), "|O", pickle.dumps(_Evil()))
    bad = rewrite(good_trace, tmp_path / "bad.tapeviz", arrays={"arrays/0.npy": payload})
    _pwned.clear()
    with pytest.raises(TraceFileError, match="unsupported dtype object"):
        tapeviz.load_trace(bad)
    assert _pwned == []


@pytest.mark.parametrize(
    "descr", ["<U3", "|S3", "<c16", "<M8[s]", "<m8[s]", "|V8", [("a", "<f8")]], ids=str,
)
def test_non_numeric_arrays_are_refused(descr: object, good_trace: Path, tmp_path: Path) -> None:
    arr = np.zeros(2, dtype=descr)  # type: ignore[call-overload]
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=False)
    bad = rewrite(good_trace, tmp_path / "bad.tapeviz", arrays={"arrays/0.npy": buf.getvalue()})
    with pytest.raises(TraceFileError, match="unsupported dtype"):
        tapeviz.load_trace(bad)


ODD_DOCS: list[tuple[str, Callable[[dict], object], str]] = [
    ("version-nan", lambda d: json.dumps(d).replace('"version": 1', '"version": NaN'), "version is missing"),
    ("version-string", lambda d: d.update(version="1"), "version is missing"),
    ("version-bool", lambda d: d.update(version=True), "version is missing"),
    ("version-huge", lambda d: json.dumps(d).replace('"version": 1', '"version": 1' + "0" * 40), "newer tapeviz"),
    ("integer-too-long", lambda d: json.dumps(d).replace('"version": 1', '"version": 1' + "0" * 5000), "corrupted trace.json"),
    ("nested-deeply", lambda d: '{"format": "tapeviz-trace", "version": 1, "title": ' + "[" * 100_000 + "]" * 100_000 + "}", "corrupted trace.json"),
    ("not-utf8", lambda d: "\udcff", "corrupted trace.json"),
    ("not-an-object", lambda d: "[1, 2, 3]", "format marker missing"),
    ("format-other", lambda d: d.update(format="pickle"), "format marker missing"),
    ("arrays-huge", lambda d: d.update(arrays=10**12), "too large"),
    ("arrays-negative", lambda d: d.update(arrays=-1), "too large"),
    ("op-id-float", lambda d: d["events"][0].update(op_id=1.5), "op_id should be an integer"),
    ("op-id-infinity", lambda d: json.dumps(d).replace('"op_id": 1,', '"op_id": Infinity,', 1), "op_id should be an integer"),
    ("array-ref-out-of-range", lambda d: d["events"][0]["output"].update(value={"array": 10**9}), "references array"),
    ("array-ref-negative", lambda d: d["events"][0]["output"].update(value={"array": -1}), "references array"),
    ("array-ref-code", lambda d: d["events"][0]["output"].update(value="__import__('os').system('true')"), "should reference an array"),
    ("attr-object-array", lambda d: d["events"][0].update(attrs=[["k", {"ndarray": [{"a": 1}]}]]), "unsupported dtype object"),
    ("attr-ragged-array", lambda d: d["events"][0].update(attrs=[["k", {"ndarray": [[1], [2, 3]]}]]), "corrupted"),
    ("attr-unknown-encoding", lambda d: d["events"][0].update(attrs=[["k", {"__reduce__": "os.system"}]]), "unknown attribute encoding"),
    ("event-unknown-kind", lambda d: d["events"][0].update(kind="exec"), "unknown kind 'exec'"),
    ("variable-not-string", lambda d: d["events"][0]["inputs"][1].update(variable=["x"]), "variable should be a string"),
]


@pytest.mark.parametrize("case_id, edit, expect", ODD_DOCS, ids=[c[0] for c in ODD_DOCS])
def test_odd_json_values_are_trace_file_errors(case_id: str, edit: Callable[[dict], object], expect: str,
                                               good_trace: Path, tmp_path: Path) -> None:
    def doc(d: dict) -> object:
        result = edit(d)
        if isinstance(result, str) and "\udcff" in result:
            return None
        return result

    path = tmp_path / "odd.tapeviz"
    if case_id == "not-utf8":
        with zipfile.ZipFile(good_trace) as zin, zipfile.ZipFile(path, "w") as zout:
            for name in zin.namelist():
                zout.writestr(name, b"\xff\xfe{" if name == "trace.json" else zin.read(name))
    else:
        rewrite(good_trace, path, doc=doc)
    with pytest.raises(TraceFileError) as info:
        tapeviz.load_trace(path)
    message = str(info.value)
    assert expect in message and "\n" not in message and len(message) < 400, message


def test_a_name_that_looks_like_code_is_only_a_name(good_trace: Path, tmp_path: Path) -> None:
    """An op called ``__import__('os')...`` loads as that string and is shown, never run."""
    code = "__import__('builtins').print('pwned')"

    def rename(d: dict) -> None:
        for e in d["events"]:
            if "op" in e:
                e["op"] = code

    path = rewrite(good_trace, tmp_path / "renamed.tapeviz", doc=rename)
    trace = tapeviz.load_trace(path)
    assert trace.events[0].op == code
    out = subprocess.run([sys.executable, "-m", "tapeviz", "events", str(path)], capture_output=True, text=True, check=False,
                         env=dict(os.environ, COLUMNS="300"))
    assert out.returncode == 0 and code in out.stdout and "\npwned" not in out.stdout


# --------------------------------------------------------------------------------------------
# sizes and counts are checked before allocation


@pytest.mark.parametrize(
    "shape, descr",
    [((10**12,), "<f8"), ((2**32, 2**32), "<f8"), ((2**62, 4), "<f4"), ((10**6, 10**6, 10**6), "|b1"), ((0, 10**18), "<f8")],
    ids=["1e12-elements", "int64-wraps-to-0", "int64-wraps-negative", "1e18-bools", "empty-but-huge-dim"],
)
def test_huge_array_headers_fail_fast_without_allocating(shape: tuple[int, ...], descr: str, good_trace: Path, tmp_path: Path) -> None:
    bad = rewrite(good_trace, tmp_path / "huge.tapeviz", arrays={"arrays/0.npy": npy_header(shape, descr, b"\0" * 64)})
    tracemalloc.start()
    try:
        try:
            tapeviz.load_trace(bad)
            loaded = True
        except TraceFileError as exc:
            loaded = False
            assert "\n" not in str(exc)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 64 * 2**20, f"loading allocated {peak} bytes"  # numpy reports its buffers to tracemalloc
    # an array with a zero-length axis really is empty: it may load (then it has no elements)
    assert not loaded or 0 in shape


def test_declared_member_sizes_are_checked_before_reading(good_trace: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tapeviz.trace import fileformat

    monkeypatch.setattr(fileformat, "MAX_ARRAY_BYTES", 64 - 4096)  # (the check allows 4 KiB of header)
    with pytest.raises(TraceFileError, match="over the .*limit"):
        tapeviz.load_trace(good_trace)
    monkeypatch.setattr(fileformat, "MAX_ARRAY_BYTES", 1 << 30)
    monkeypatch.setattr(fileformat, "MAX_JSON_BYTES", 100)
    with pytest.raises(TraceFileError, match="over the limit"):
        tapeviz.load_trace(good_trace)
    monkeypatch.setattr(fileformat, "MAX_JSON_BYTES", 1 << 30)
    monkeypatch.setattr(fileformat, "MAX_EVENTS", 3)
    with pytest.raises(TraceFileError, match="too large"):
        tapeviz.load_trace(good_trace)


# --------------------------------------------------------------------------------------------
# names stay literal: tapeviz events, DOT, SVG


def test_events_output_shows_names_literally(evil_program: Path) -> None:
    out = subprocess.run([sys.executable, "-m", "tapeviz", "events", str(evil_program)], capture_output=True, check=False,
                         text=True, env=dict(os.environ, COLUMNS="400"))
    assert out.returncode == 0, out.stderr
    rows = out.stdout
    for name in (SCOPE, WEIGHT, BIAS):
        assert name in rows, name
    assert BIAS + "\\" not in rows, "a trailing backslash was doubled"
    assert PRINTED not in rows  # the program's own output is captured, not mixed into the table


def _dot_names(source: str) -> None:
    """The names sit in the DOT text only inside escaped labels and quoted strings."""
    assert "[red]bias&amp;&lt;&quot;\\" in source  # HTML-like label: &, <, " escaped; \ kept
    assert '"[red]bias&<\\"\\\\' in source  # quoted tooltip: " and \ escaped
    # every raw occurrence is the quoted, backslash-escaped form; nowhere is it bare
    assert source.count('bias&<') == source.count('bias&<\\"\\\\')


def test_dot_source_escapes_names(evil_program: Path) -> None:
    render = importlib.import_module("tapeviz.render")
    trace = tapeviz.run_program(evil_program).trace
    for at in range(1, len(trace) + 1):
        source = render.dot_source(trace, at)
        assert source.startswith("digraph") and source.rstrip().endswith("}")
    _dot_names(render.dot_source(trace, len(trace)))


@pytest.mark.skipif(shutil.which("dot") is None, reason="needs Graphviz's dot")
def test_svg_shows_names_exactly(evil_program: Path, tmp_path: Path) -> None:
    """dot parses the DOT, and the SVG it writes is well-formed XML whose text and tooltips are
    the original names, character for character."""
    render = importlib.import_module("tapeviz.render")
    trace = tapeviz.run_program(evil_program).trace
    out = tmp_path / "evil.svg"
    render.render(trace, out, at="backward")
    root = ET.parse(out).getroot()  # raises if an unescaped & or < broke the XML
    texts = {"".join(el.itertext()).replace("\xa0", " ") for el in root.iter() if el.tag.endswith("}text")}
    titles = {v for el in root.iter() for k, v in el.attrib.items() if k.endswith("title")}
    everything = " ".join(texts | titles)
    assert WEIGHT in texts, sorted(texts)
    assert BIAS in texts, sorted(texts)
    assert any(t.startswith(SCOPE) for t in texts), sorted(texts)
    assert any(t.startswith(BIAS + " ") for t in titles), sorted(titles)
    assert any(t.startswith(f"{SCOPE}/matmul") for t in titles), sorted(titles)
    assert "program output" not in everything


# --------------------------------------------------------------------------------------------
# names stay literal in the terminal UI


def _screen_text(app: object) -> str:
    from rich.console import Console

    width, height = app.size  # type: ignore[attr-defined]
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True, record=True,
                      legacy_windows=False, safe_box=False)
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))  # type: ignore[attr-defined]
    return console.export_text()


def _toast_texts(app: object) -> list[str]:
    """What the notifications on screen show, as Textual renders them."""
    from textual.widgets._toast import Toast

    return [toast.render().plain for toast in app.screen.query(Toast)]  # type: ignore[attr-defined]


async def test_ui_shows_names_literally_and_clicks_cannot_trigger_actions(evil_program: Path) -> None:
    ui = importlib.import_module("tapeviz.ui")
    from tests.support.ui_helpers import settle

    trace = tapeviz.run_program(evil_program).trace
    app = ui.TapevizApp(trace, source=str(evil_program), layout_engine="layered")
    seen = ""
    async with app.run_test(size=(200, 60)) as pilot:
        await settle(pilot)
        for i in range(len(trace)):
            app.goto(i)
            await pilot.pause()
            for _ in range(3):
                await pilot.press("tab")
                await pilot.pause()
                seen += _screen_text(app)
        # click every cell of the inspector and timeline: a [@click=...] name must stay text
        for y in [*range(2, 14, 2), *range(46, 58, 2)]:  # the inspector's and the timeline's lines
            for x in range(10, 200, 30):
                await pilot.click(offset=(x, y))
        await pilot.pause()
        assert app.is_running, "a click on a name ran an action"
    for name in (WEIGHT, BIAS, SCOPE):
        assert name in seen, name


async def test_ui_notifications_show_names_and_errors_literally(evil_program: Path) -> None:
    ui = importlib.import_module("tapeviz.ui")
    from tests.support.ui_helpers import settle

    evil_program.write_text(EVIL_PROGRAM + "\n\ndef train_step():\n    raise ValueError('bad index [/] in [@click=app.quit]here')\n")
    trace = tapeviz.run_program(evil_program).trace
    app = ui.TapevizApp(trace, source=str(evil_program), layout_engine="layered")
    async with app.run_test(size=(160, 50), notifications=True) as pilot:
        await settle(pilot)
        app.goto(0)  # the matmul inside SCOPE
        await pilot.pause()
        await pilot.press("c")
        await pilot.pause(0.2)
        assert any(f"collapsed {SCOPE}" in t for t in _toast_texts(app)), _toast_texts(app)
        await pilot.press("t")
        await settle(pilot)
        await pilot.pause(0.2)
        assert app.is_running
        assert any("bad index [/] in [@click=app.quit]here" in t for t in _toast_texts(app)), _toast_texts(app)


async def test_lesson_answer_with_markup_is_shown_literally(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lessons = importlib.import_module("tapeviz.lessons")
    lesson_screen = importlib.import_module("tapeviz.ui.lesson_screen")
    from tapeviz.lessons.progress import ProgressStore

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    entry = lessons.find_entry(lessons.discover(lessons.lesson_folder_default()), "1")
    run = lessons.LessonRun.open(entry.lesson)
    asking = next(i for i, s in enumerate(run.lesson.steps) if s.question)
    app = lesson_screen.lesson_app(run, ProgressStore(), layout_engine="layered")
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        for _ in range(asking):
            await pilot.press("n")
        assert app.screen.step_index == asking
        await pilot.press("enter", "left_square_bracket", "slash", "right_square_bracket", "enter")
        await pilot.pause()
        assert app.is_running
        feedback = app.screen.query_one("#lesson-feedback")
        assert "[/]" in str(feedback.render())
