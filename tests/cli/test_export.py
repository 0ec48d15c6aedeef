"""``tapeviz export`` run in-process: exit codes, one-line errors on stderr, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from tapeviz.cli import main
from tapeviz.render.dot import dot_source
from tapeviz.render.gv import have_dot
from tapeviz.sources import load_source

needs_dot = pytest.mark.skipif(not have_dot(), reason="Graphviz's dot program is not installed")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(err: str, *words: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("tapeviz: error: ")
    assert "Traceback" not in err
    for word in words:
        assert word in lines[0], (word, lines[0])


def files(path: Path) -> list[str]:
    return sorted(p.name for p in path.iterdir())


def test_export_dot_text(capsys, tmp_path: Path) -> None:
    out_path = tmp_path / "seed.dot"
    code, out, err = run(capsys, "export", "two-layer", "-o", str(out_path), "--at", "forward", "--rankdir", "LR")
    assert code == 0 and err == ""
    assert "event 10 of 26" in out and "forward" in out  # the 10th event, as `tapeviz events` numbers it
    assert out_path.read_text() == dot_source(load_source("two-layer"), "forward", rankdir="LR")


@needs_dot
def test_export_png_svg_pdf(capsys, tmp_path: Path) -> None:
    for suffix, magic in ((".png", b"\x89PNG"), (".svg", b"<?xml"), (".pdf", b"%PDF")):
        path = tmp_path / f"t{suffix}"
        code, out, err = run(capsys, "export", "square", "-o", str(path))
        assert code == 0, err
        assert path.read_bytes().startswith(magic)
    code, _, err = run(capsys, "export", "two-layer", "-o", str(tmp_path / "c.png"), "--collapse", "layer1", "loss")
    assert code == 0, err


@needs_dot
def test_export_gif_and_frames(capsys, tmp_path: Path) -> None:
    pytest.importorskip("PIL")
    code, out, err = run(capsys, "export", "square", "-o", str(tmp_path / "a.gif"), "--frames", str(tmp_path / "f"))
    assert code == 0, err
    assert files(tmp_path / "f") == [f"event-{i:04d}.png" for i in range(1, 5)]  # numbered from 1
    assert "4 frames" in out
    from PIL import Image

    with Image.open(tmp_path / "a.gif") as im:
        assert im.n_frames == 4


@pytest.mark.parametrize(
    "argv, words",
    [
        (["export", "two-layer", "-o", "{tmp}/x.jpeg"], ["x.jpeg", ".png, .svg, .pdf, .dot or .gif"]),
        (["export", "two-layer", "-o", "{tmp}/nowhere/x.png"], ["cannot write", "does not exist"]),
        (["export", "two-layer", "-o", "{tmp}/x.png", "--at", "999"], ["event 999 is out of range", "26 events"]),
        (["export", "two-layer", "-o", "{tmp}/x.png", "--at", "sideways"], ["sideways", "forward, backward, update, end"]),
        (["export", "no-such-thing", "-o", "{tmp}/x.png"], ["no-such-thing", "not a built-in example"]),
        (["export", "{tmp}/missing.tapeviz", "-o", "{tmp}/x.png"], ["missing.tapeviz"]),
        (["export", "two-layer", "-o", "{tmp}/x.png", "--collapse", "nope"], ["cannot collapse 'nope'", "layer1"]),
        (["export", "square", "-o", "{tmp}/x.gif", "--at", "update"], ["no update phase"]),
    ],
)
def test_bad_input_is_one_line_exit_2_no_file(capsys, tmp_path: Path, argv: list[str], words: list[str]) -> None:
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert_one_line_error(err, *words)
    assert files(tmp_path) == []


def test_unreadable_trace_file(capsys, tmp_path: Path) -> None:
    bad = tmp_path / "broken.tapeviz"
    bad.write_bytes(b"\x00not a trace")
    code, _, err = run(capsys, "export", str(bad), "-o", str(tmp_path / "x.svg"))
    assert code == 2
    assert_one_line_error(err, "broken.tapeviz")
    assert files(tmp_path) == ["broken.tapeviz"]


def test_dot_missing(capsys, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    code, _, err = run(capsys, "export", "two-layer", "-o", str(tmp_path / "x.png"), "--at", "backward")
    assert code == 2
    assert_one_line_error(err, "Graphviz", "install", "x.dot")
    assert files(tmp_path) == ["x.dot"]


@needs_dot
def test_frames_and_gif_share_one_layout(capsys, tmp_path: Path, monkeypatch) -> None:
    pytest.importorskip("PIL")
    from tapeviz.render import frames

    calls: list[str] = []
    real = frames.pipe

    def counting(engine, fmt, source, no_op=None):
        calls.append(f"{engine} -T{fmt}")
        return real(engine, fmt, source, no_op)

    monkeypatch.setattr(frames, "pipe", counting)
    code, _, err = run(capsys, "export", "square", "-o", str(tmp_path / "a.gif"), "--frames", str(tmp_path / "f"))
    assert code == 0, err
    assert calls.count("dot -Tjson0") == 1
    assert calls.count("neato -Tpng") == 2  # 4 frames for the folder, 4 smaller ones for the GIF
