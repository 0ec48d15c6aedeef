"""Image files through Graphviz: formats, stable frames, GIFs, and every failure leaving no file.

Tests that draw need Graphviz's ``dot`` program and are skipped without it; the tests of a
missing ``dot`` simulate it with an empty PATH and run everywhere.
"""

from __future__ import annotations

import os
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tapeviz.examples import EXAMPLES
from tapeviz.render import GraphvizMissing, PillowMissing, RenderError, dot_source, render
from tapeviz.render import frames as frames_mod
from tapeviz.render.frames import default_range, render_frames, split_pngs, write_frames, write_gif
from tapeviz.render.gv import have_dot

needs_dot = pytest.mark.skipif(not have_dot(), reason="Graphviz's dot program is not installed")


@pytest.fixture(scope="module")
def trace():
    return EXAMPLES["two-layer"].build()


def only(path: Path) -> list[str]:
    """Everything in a folder, hidden temporary files included."""
    return sorted(p.name for p in path.iterdir())


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


@needs_dot
def test_png_svg_pdf_are_valid_files(trace, tmp_path: Path) -> None:
    png = render(trace, tmp_path / "t.png", at="backward")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    w, h = png_size(png.read_bytes())
    assert w > 300 and h > 300
    svg = render(trace, tmp_path / "t.svg", at="forward")
    root = ET.fromstring(svg.read_bytes())
    assert root.tag.endswith("svg")
    text = svg.read_text()
    assert "matmul" in text and "layer1" in text
    pdf = render(trace, tmp_path / "t.pdf")
    assert pdf.read_bytes()[:5] == b"%PDF-"
    assert only(tmp_path) == ["t.pdf", "t.png", "t.svg"]


def test_dot_suffix_writes_the_dot_text_without_graphviz(trace, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    out = render(trace, tmp_path / "t.dot", at=4)
    assert out.read_text() == dot_source(trace, 4)
    out = render(trace, tmp_path / "t.gv", at=4, collapse=["layer2"])
    assert out.read_text() == dot_source(trace, 4, collapse=["layer2"])


@needs_dot
def test_odd_names_render(tmp_path: Path) -> None:
    from tests.render.test_dot import odd_names

    t = odd_names()
    for at in range(1, len(t) + 1):
        svg = render(t, tmp_path / f"odd{at}.svg", at=at)
        text = ET.fromstring(svg.read_bytes())
        assert text is not None
    body = (tmp_path / "odd1.svg").read_text()
    assert "&lt;lambda&gt;" in body and "a&amp;b" in body and "back\\slash" in body


@needs_dot
def test_frames_of_a_backward_pass_have_the_same_size(trace) -> None:
    first, last = trace.first_of("backward"), trace.last_of("backward")
    images = render_frames(trace, range(first, last + 1), dpi=48)
    assert len(images) == last - first + 1
    sizes = {png_size(im) for im in images}
    assert len(sizes) == 1, sizes
    assert len(set(images)) == len(images)  # every frame shows something different


@needs_dot
def test_one_dot_layout_per_sequence(trace, monkeypatch) -> None:
    calls: list[tuple[str, str]] = []
    real = frames_mod.pipe

    def counting(engine, fmt, source, no_op=None):
        calls.append((engine, fmt))
        return real(engine, fmt, source, no_op)

    monkeypatch.setattr(frames_mod, "pipe", counting)
    images = render_frames(trace, default_range(trace), dpi=40)
    assert len(images) == len(trace)
    assert calls.count(("dot", "json0")) == 1
    assert all(engine == "neato" for engine, fmt in calls if fmt == "png")


@needs_dot
def test_frames_folder_and_gif(trace, tmp_path: Path) -> None:
    Image = pytest.importorskip("PIL.Image")
    paths = write_frames(trace, tmp_path / "frames", range(0, 4))  # list indices; files named by event number
    assert [p.name for p in paths] == ["event-0001.png", "event-0002.png", "event-0003.png", "event-0004.png"]
    gif = write_gif(trace, tmp_path / "one.gif", dpi=40)
    with Image.open(gif) as im:
        assert im.format == "GIF"
        assert im.n_frames == len(default_range(trace)) == len(trace)
        size = im.size
        for k in range(im.n_frames):
            im.seek(k)
            assert im.size == size
    assert only(tmp_path) == ["frames", "one.gif"]


def test_split_pngs_rejects_garbage() -> None:
    with pytest.raises(RenderError):
        split_pngs(b"not a png")


# ---- failures leave no file ----------------------------------------------------------------
def test_unknown_suffix(trace, tmp_path: Path) -> None:
    with pytest.raises(RenderError, match=r"\.jpeg.*use \.png, \.svg, \.pdf, \.dot or \.gif"):
        render(trace, tmp_path / "t.jpeg")
    with pytest.raises(RenderError, match="no suffix"):
        render(trace, tmp_path / "picture")
    assert only(tmp_path) == []


def test_unwritable_paths(trace, tmp_path: Path) -> None:
    with pytest.raises(RenderError, match="does not exist"):
        render(trace, tmp_path / "missing" / "t.png")
    (tmp_path / "adir.png").mkdir()
    with pytest.raises(RenderError, match="is a directory"):
        render(trace, tmp_path / "adir.png")
    (tmp_path / "file").write_text("x")
    with pytest.raises(RenderError):
        write_frames(trace, tmp_path / "file", range(2))
    assert only(tmp_path) == ["adir.png", "file"]


def test_at_out_of_range(trace, tmp_path: Path) -> None:
    for fmt in ("png", "dot", "gif"):
        with pytest.raises(RenderError, match="out of range"):
            render(trace, tmp_path / f"t.{fmt}", at=len(trace) + 1)  # events are numbered 1..len
        with pytest.raises(RenderError, match="out of range"):
            render(trace, tmp_path / f"t.{fmt}", at=0)
    assert only(tmp_path) == []


def test_failing_graphviz_leaves_no_file(trace, tmp_path: Path, monkeypatch) -> None:
    from tapeviz.render import export

    def broken(engine, fmt, source, no_op=None):
        raise RenderError("Graphviz (dot -Tpng) failed: simulated")

    monkeypatch.setattr(export, "pipe", broken)
    with pytest.raises(RenderError, match="simulated"):
        render(trace, tmp_path / "t.png")
    assert only(tmp_path) == []


def test_dot_missing_names_graphviz_and_writes_dot_beside(trace, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(GraphvizMissing) as info:
        render(trace, tmp_path / "t.png", at="backward")
    message = str(info.value)
    assert "\n" not in message and "Graphviz" in message and "install" in message
    assert str(tmp_path / "t.dot") in message
    assert only(tmp_path) == ["t.dot"]
    assert (tmp_path / "t.dot").read_text() == dot_source(trace, "backward")
    (tmp_path / "t.dot").unlink()
    if "PIL" in sys.modules or _has_pillow():
        with pytest.raises(GraphvizMissing):
            render(trace, tmp_path / "anim.gif")
        assert only(tmp_path) == ["anim.dot"]


def _has_pillow() -> bool:
    try:
        import PIL  # noqa: F401
    except ImportError:
        return False
    return True


def test_pillow_missing_gives_its_message(trace, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "PIL", None)
    monkeypatch.setitem(sys.modules, "PIL.Image", None)
    with pytest.raises(PillowMissing, match="Pillow.*pip install"):
        render(trace, tmp_path / "anim.gif")
    assert only(tmp_path) == []


def test_atomic_write_replaces_whole_files(tmp_path: Path) -> None:
    from tapeviz.render.files import atomic_write

    target = tmp_path / "x.txt"
    atomic_write(target, "first")
    atomic_write(target, b"second")
    assert target.read_text() == "second"
    assert only(tmp_path) == ["x.txt"]
    assert oct(os.stat(target).st_mode & 0o777) == "0o644"


def test_top_level_api_names(trace, tmp_path: Path) -> None:
    import tapeviz

    g = tapeviz.to_graphviz(trace, at="forward")
    assert g.source == dot_source(trace, "forward")
    out = tapeviz.render(trace, tmp_path / "top.dot", at=2)  # the package itself is callable
    assert out.read_text() == dot_source(trace, 2)
    import tapeviz.render as module

    assert module.dot_source is dot_source


@needs_dot
def test_any_name_renders() -> None:
    """Whatever a variable or scope is called, Graphviz accepts the DOT and the SVG is valid XML."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    import tapeviz.engine as E
    from tapeviz.render.gv import pipe
    from tapeviz.trace import record

    @settings(max_examples=25, deadline=None, derandomize=True)
    @given(st.text(min_size=1, max_size=10), st.text(min_size=1, max_size=10))
    def check(name: str, scope: str) -> None:
        with record(title=name) as t:
            v = E.Variable(2.0, name=name)
            with E.GradientTape() as tape:
                with E.name_scope(scope):
                    y = v * v
            tape.gradient(y, v)
        ET.fromstring(pipe("dot", "svg", dot_source(t, len(t))))

    check()
