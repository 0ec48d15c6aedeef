"""``tapeviz serve``: the terminal UI reaches a web browser.

The test serves on a free loopback port, fetches the page, then opens it in headless Chromium
(Debian's ``chromium``; scripts/ensure-chromium.sh installs it where missing and allowed) and
waits, bounded, until the app's first screen has arrived in the page. The screenshot goes to
``$TAPEVIZ_SCREENSHOT`` when that is set (``assets/tapeviz-serve.png`` was made that way).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tapeviz.cli import main
from tapeviz.cli.serve import app_command, public_url

ROOT = Path(__file__).resolve().parents[2]
pytest.importorskip("textual_serve", reason="tapeviz serve needs textual-serve (pip install 'tapeviz[serve]')")

from .cdp import Browser  # noqa: E402  (aiohttp comes with textual-serve)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str, deadline: float) -> str:
    """GET ``url`` until it answers or the deadline passes (the server needs a moment to start)."""
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.read().decode("utf-8")
        except OSError as exc:
            last = exc
            time.sleep(0.25)
    raise AssertionError(f"{url} did not answer in time: {last}")


@pytest.fixture(scope="module")
def chromium() -> str:
    found = shutil.which("chromium")
    if found is None:
        said = subprocess.run(["sh", str(ROOT / "scripts" / "ensure-chromium.sh")], capture_output=True,
                              text=True, timeout=900).stdout.strip()
        found = shutil.which("chromium")
        if found is None:
            pytest.skip(f"headless Chromium is not available: {said or 'not installed'}")
    return found


@contextlib.contextmanager
def serving(tmp_path: Path, **env: str) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """``tapeviz serve`` (the article's network) on a free loopback port; stopped afterwards.

    Yields the address without the token and the process, whose first line gives the token."""
    port = free_port()
    env = {**os.environ, "HOME": str(tmp_path), **env}  # the served app's progress files stay in tmp
    proc = subprocess.Popen([sys.executable, "-m", "tapeviz", "serve", "--port", str(port)], cwd=tmp_path,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        yield f"http://127.0.0.1:{port}", proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    with serving(tmp_path) as served:
        yield served


SLOW_DELIVERY = """\
import time
from textual.app import App

_deliver = App.deliver_binary


def _slow_deliver(self, *args, **kwargs):
    time.sleep(7)  # a busy classroom server: the file is ready later than a browser lets a key press open a window
    return _deliver(self, *args, **kwargs)


App.deliver_binary = _slow_deliver
"""


@pytest.fixture
def slow_server(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """As ``server``, but every session delivers a file 7 s after it is asked for."""
    hook = tmp_path / "slow-delivery"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(SLOW_DELIVERY)
    path = os.pathsep.join(p for p in (str(hook), str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    with serving(tmp_path, PYTHONPATH=path) as served:
        yield served


def served_url(url: str, proc: subprocess.Popen[str]) -> str:
    """The address with its token, from the server's first line."""
    assert proc.stdout is not None
    said = proc.stdout.readline()
    found = re.match(rf"tapeviz: serving on ({re.escape(url)}/\?token=[\w-]+) to this computer only \(127\.0\.0\.1\)", said)
    assert found, said
    return found.group(1)


def test_serve_binds_loopback_and_says_so(server: tuple[str, subprocess.Popen[str]]) -> None:
    url, proc = server
    with_token = served_url(url, proc)
    page = fetch(with_token, time.monotonic() + 60)
    assert 'class="textual-terminal"' in page
    token = with_token.split("token=")[1]
    assert f'data-session-websocket-url="ws://{url.removeprefix("http://")}/ws/{token}"' in page
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(url + "/", timeout=10)
    assert refused.value.code == 403


async def test_the_first_screen_reaches_a_headless_browser(
    chromium: str, server: tuple[str, subprocess.Popen[str]], tmp_path: Path
) -> None:
    url, proc = server
    url = served_url(url, proc)
    fetch(url, time.monotonic() + 60)
    browser = Browser(chromium, tmp_path / "profile")
    try:
        await browser.open_page()
        await browser.call("Page.navigate", url=url)
        text = ""
        deadline = time.monotonic() + 90
        while "event 1/" not in text and time.monotonic() < deadline:
            await asyncio.sleep(0.5)
            text = await browser.received_text()
        assert "event 1/" in text, f"the app's first screen did not arrive; got {text[-600:]!r}"
        assert "iteration 1/" in text and "simple_model" in text
        if os.environ.get("TAPEVIZ_SCREENSHOT"):  # the README's picture: the loss known, no toast over it
            await browser.press("]")
            await asyncio.sleep(9)  # the start-up toast lasts 8 s
        await asyncio.sleep(2)  # let xterm.js paint what arrived
        shot = await browser.screenshot(tmp_path / "serve.png")
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        if os.environ.get("TAPEVIZ_SCREENSHOT"):
            shutil.copyfile(shot, os.environ["TAPEVIZ_SCREENSHOT"])
    finally:
        await browser.aclose()


def test_serve_command_and_address() -> None:
    assert app_command(None).endswith("-m tapeviz open seed")
    assert app_command("prog.py").endswith("-m tapeviz open prog.py")
    assert app_command(None, "3", "/l d").endswith("-m tapeviz lesson 3 --dir '/l d'")
    assert public_url("127.0.0.1", 8000) == "http://127.0.0.1:8000"
    assert public_url("0.0.0.0", 80).startswith("http://") and "0.0.0.0" not in public_url("0.0.0.0", 80)


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["serve", "seed", "--lesson", "1"], "give a SOURCE or --lesson ID, not both"),
        (["serve", "nosuch-example"], "nosuch-example: no such file"),
        (["serve", "--lesson", "99"], "no lesson '99'"),
        (["serve", "--port", "70000"], "invalid port '70000'"),
        (["serve", "--theme", "neon"], "invalid --theme 'neon'"),
        (["serve", "--out", "/proc/no-such/dir"], "--out /proc/no-such/dir: cannot create the folder"),
    ],
)
def test_serve_refuses_bad_input_in_one_line(argv: list[str], said: str, capsys: pytest.CaptureFixture[str]) -> None:
    try:
        code = main(argv)
    except SystemExit as exc:
        code = int(exc.code or 0)
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and said in err, err


@pytest.mark.parametrize(
    ("argv", "host", "said"),
    [
        (["serve"], "127.0.0.1", "to this computer only (127.0.0.1); --host 0.0.0.0 lets other computers connect"),
        (["serve", "--host", "0.0.0.0", "--port", "9000", "--max-sessions", "7"], "0.0.0.0",
         "WARNING: listening on 0.0.0.0: every computer that can reach this one can try to connect"),
    ],
)
def test_serve_listens_where_asked_and_says_so(
    argv: list[str], host: str, said: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from tapeviz.cli import classroom

    made: list[classroom.ClassroomServer] = []
    monkeypatch.setattr(classroom.ClassroomServer, "serve", lambda self, debug=False: made.append(self))
    assert main(argv) == 0
    (server,) = made
    assert server.host == host and server.argv[-2:] == ["open", "seed"]
    out = capsys.readouterr().out
    assert said in out and f"serving on {server.url}" in out and "?token=" in server.url
    assert server.env == {"TAPEVIZ_THEME": "projector"}  # the projector theme unless --theme says otherwise
    assert server.prefork == "seed"  # tabs forked from one process that recorded the source once
    if host == "0.0.0.0":
        assert server.port == 9000 and "0.0.0.0" not in server.public_url and server.max_sessions == 7
        assert "at most 7 sessions" in out
    else:
        assert server.max_sessions == classroom.default_max_sessions() or server.max_sessions >= 1


def test_a_taken_port_is_one_line_before_anything_is_served(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["serve", "--port", str(port)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"tapeviz: error: cannot listen on 127.0.0.1:{port}: ") and captured.err.count("\n") == 1


async def test_export_in_the_browser_is_a_download_and_writes_nothing_on_the_server(
    chromium: str, slow_server: tuple[str, subprocess.Popen[str]], tmp_path: Path
) -> None:
    """Each file arrives though the server takes 7 s to make it: a browser opens a pop-up only
    within 5 s of the key press (Chromium), so the page fetches downloads through a link."""
    url, proc = slow_server
    url = served_url(url, proc)
    fetch(url, time.monotonic() + 60)
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    before = sorted(p.name for p in tmp_path.iterdir())
    browser = Browser(chromium, tmp_path / "profile")
    try:
        await browser.open_page()
        await browser.allow_downloads(downloads)
        await browser.call("Page.navigate", url=url)
        deadline = time.monotonic() + 120
        while "event 1/" not in await browser.received_text() and time.monotonic() < deadline:
            await asyncio.sleep(0.5)
        await asyncio.sleep(1)
        wanted = {"seed-event1.png", "seed.tapeviz"}
        for key, name in (("e", "seed-event1.png"), ("s", "seed.tapeviz")):
            await browser.press(key)
            while time.monotonic() < deadline and name not in {p.name for p in downloads.iterdir()}:
                await asyncio.sleep(0.5)
        got = {p.name: p.read_bytes() for p in downloads.iterdir()}
        assert wanted <= set(got), f"downloads: {sorted(got)}; page: {(await browser.received_text())[-400:]!r}"
        assert got["seed-event1.png"][:8] == b"\x89PNG\r\n\x1a\n" and got["seed.tapeviz"][:2] == b"PK"
        assert "sent to your browser" in await browser.received_text()
    finally:
        await browser.aclose()
    # the server's folder (its working directory) gained nothing but the browser's own profile
    kept = ("profile", "downloads", "slow-delivery")
    assert sorted(p.name for p in tmp_path.iterdir() if p.name not in kept) == [n for n in before if n not in kept]


@pytest.mark.parametrize(("argv", "prefork"), [(["serve", "--no-prefork"], None), (["serve", "--lesson", "1"], None),
                                               (["serve", "square"], "square")])
def test_prefork_is_for_sources_unless_turned_off(argv: list[str], prefork: str | None,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from tapeviz.cli import classroom

    made: list[classroom.ClassroomServer] = []
    monkeypatch.setattr(classroom.ClassroomServer, "serve", lambda self, debug=False: made.append(self))
    assert main(argv) == 0
    assert made[0].prefork == prefork
