"""``e``/``s`` in a browser deliver the file as a download: nothing stays on the server unless
``tapeviz serve --out DIR``, and then each session has its own folder. In a terminal they write
``./tapeviz-out/`` (or the app's folder) and say the path, as before."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from tapeviz.ui import TapevizApp
from tapeviz.ui.app import SERVE_OUT_ENV
from tests.support.ui_helpers import make_app, settle


class Delivered:
    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    def __call__(self, app: TapevizApp, file: io.BytesIO, *, save_filename: str, **options: object) -> str:
        self.files[save_filename] = file.read()
        return "key"


@pytest.fixture
def web(monkeypatch: pytest.MonkeyPatch) -> Delivered:
    """Apps that believe they run in a browser, with the delivery to the browser recorded."""
    delivered = Delivered()
    monkeypatch.setattr(TapevizApp, "is_web", property(lambda self: True))
    monkeypatch.setattr(TapevizApp, "deliver_binary", lambda self, f, **kw: delivered(self, f, **kw))
    return delivered


async def export_and_save(app: TapevizApp, pilot) -> None:  # noqa: ANN001
    await pilot.press("e")
    await settle(pilot)
    await pilot.press("s")
    await settle(pilot)
    await pilot.pause()


async def test_in_a_browser_files_are_delivered_and_nothing_stays(web: Delivered, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SERVE_OUT_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    app = make_app("square", None)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await export_and_save(app, pilot)
        assert set(web.files) == {"square-event1.png", "square.tapeviz"}
        assert web.files["square-event1.png"][:4] == b"\x89PNG" and web.files["square.tapeviz"][:2] == b"PK"
        assert app.last_export is not None and not app.last_export.exists()  # read, then removed
        folder = app.last_export.parent
    assert not folder.exists()  # the session's temporary folder went with it
    assert list(tmp_path.iterdir()) == []  # no ./tapeviz-out/ on the server


async def test_with_an_out_folder_each_session_keeps_its_own_copies(web: Delivered, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SERVE_OUT_ENV, str(tmp_path / "kept"))
    kept: list[Path] = []
    for _ in range(2):  # two students, the same example, the same event: two folders
        app = make_app("square", None)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            await export_and_save(app, pilot)
            assert app.last_export is not None and app.last_export.exists()
            kept.append(app.last_export)
    assert kept[0].name == kept[1].name and kept[0].parent != kept[1].parent
    assert {p.parent.parent for p in kept} == {tmp_path / "kept"}
    for path in kept:
        assert path.parent.name.startswith("session-") and (path.parent / "square.tapeviz").exists()


async def test_in_a_terminal_files_are_written_and_the_path_said(tmp_path: Path) -> None:
    app = make_app("square", tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await export_and_save(app, pilot)
        assert app.last_export == tmp_path / "square-event1.png" and app.last_export.exists()
        assert app.last_save == tmp_path / "square.tapeviz" and app.last_save.exists()


async def test_capital_e_exports_the_cursors_iteration(tmp_path: Path) -> None:
    pytest.importorskip("PIL")
    from PIL import Image

    from tapeviz.render.gv import have_dot

    if not have_dot():
        pytest.skip("Graphviz's dot program is not installed")
    app = make_app("two-layer", tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("E")
        await settle(pilot)
        await pilot.pause()
        gif = tmp_path / "two-layer-iteration1.gif"
        assert app.last_export == gif and gif.exists()
        with Image.open(gif) as image:
            assert image.n_frames == len(app.trace.iteration_range(0))


async def test_capital_e_in_a_browser_delivers_the_gif(web: Delivered, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("PIL")
    from tapeviz.render.gv import have_dot

    if not have_dot():
        pytest.skip("Graphviz's dot program is not installed")
    monkeypatch.delenv(SERVE_OUT_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    app = make_app("square", None)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("E")
        await settle(pilot)
        await pilot.pause()
        assert web.files["square-iteration1.gif"][:6] == b"GIF89a"
    assert list(tmp_path.iterdir()) == []
