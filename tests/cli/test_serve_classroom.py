"""The served classroom: token, Host/Origin checks, the session cap, processes ended with their tabs,
and a crash shown to the student.

The server runs in the test's own event loop on a free loopback port (never any other address).
Most sessions are small stand-in apps that speak textual-serve's packet protocol (one Python
file, below); one test drives the real ``tapeviz open``. Every wait is bounded.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

pytest.importorskip("textual_serve", reason="tapeviz serve needs textual-serve (pip install 'tapeviz[serve]')")

import aiohttp  # noqa: E402  (comes with textual-serve)
from aiohttp import web  # noqa: E402

from tapeviz.cli import main  # noqa: E402
from tapeviz.cli.classroom import ClassroomServer, Doorman, default_max_sessions  # noqa: E402
from tapeviz.cli.serve import app_argv  # noqa: E402

TOKEN = "test-token-123"

# A stand-in app: says hello in textual-serve's packets, then behaves as argv[1] asks.
STAND_IN = r'''
import json, os, signal, sys, time
out = sys.stdout.buffer
def packet(kind, payload):
    out.write(kind + len(payload).to_bytes(4, "big") + payload); out.flush()
mode = sys.argv[1]
with open(sys.argv[2], "w") as f:
    f.write(str(os.getpid()))
out.write(b"__GANGLION__\n")
packet(b"D", b"hello from the stand-in app")
if mode == "crash":
    sys.stderr.write("Traceback (most recent call last):\nValueError: All-NaN slice \x1b[2J encountered\n")
    sys.stderr.flush()
    packet(b"M", json.dumps({"type": "exit"}).encode())
    sys.exit(1)
if mode == "vanish":
    os._exit(0)
if mode == "stubborn":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
stdin = sys.stdin.buffer
while True:
    head = stdin.read(5)
    if len(head) < 5:
        break
    body = stdin.read(int.from_bytes(head[1:], "big"))
    if head[:1] == b"M" and json.loads(body).get("type") == "quit":
        packet(b"M", json.dumps({"type": "exit"}).encode())
        if mode == "polite":
            sys.exit(0)
        # "stubborn": said goodbye, but a thread that never ends keeps the process alive
while True:
    time.sleep(1)
'''


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def alive(pid: int) -> bool:
    """``pid`` runs (a zombie counts as ended)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


async def read_pid(path: Path) -> int:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if path.exists() and path.read_text():
            return int(path.read_text())
        await asyncio.sleep(0.05)
    raise AssertionError("the stand-in app did not start")


async def until(condition, seconds: float) -> bool:  # noqa: ANN001
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        await asyncio.sleep(0.1)
    return condition()


@contextlib.asynccontextmanager
async def classroom(argv: list[str], max_sessions: int = 4, quit_grace: float = 1.0,
                    prefork: str | None = None) -> AsyncIterator[ClassroomServer]:
    port = free_port()
    server = ClassroomServer(argv, host="127.0.0.1", port=port, public_url=f"http://127.0.0.1:{port}", token=TOKEN,
                             max_sessions=max_sessions, title="tapeviz test", quit_grace=quit_grace, prefork=prefork)
    runner = web.AppRunner(await server._make_app())
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield server
    finally:
        await runner.cleanup()


def stand_in(tmp_path: Path, mode: str) -> tuple[list[str], Path]:
    script = tmp_path / "stand_in.py"
    script.write_text(STAND_IN)
    pid_file = tmp_path / f"{mode}.pid"
    return [sys.executable, str(script), mode, str(pid_file)], pid_file


async def received(ws: aiohttp.ClientWebSocketResponse, until_text: str, seconds: float = 60) -> str:
    """Binary screen data from ``ws`` until ``until_text`` arrives (or the time runs out)."""
    text = ""
    deadline = time.monotonic() + seconds
    while until_text not in text and time.monotonic() < deadline:
        try:
            message = await ws.receive(timeout=max(0.1, deadline - time.monotonic()))
        except asyncio.TimeoutError:
            break
        if message.type == aiohttp.WSMsgType.BINARY:
            text += message.data.decode("utf-8", "replace")
        elif message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSING):
            break
    return text


async def test_the_page_and_the_websocket_need_the_token_and_this_servers_address(tmp_path: Path) -> None:
    argv, _ = stand_in(tmp_path, "polite")
    async with classroom(argv) as server, aiohttp.ClientSession() as http:
        base = server.public_url
        async with http.get(base + "/") as page:
            assert page.status == 403 and "token" in await page.text()
        async with http.get(base + "/?token=wrong") as page:
            assert page.status == 403
        async with http.get(base + f"/?token={TOKEN}") as page:
            assert page.status == 200
            assert f'data-session-websocket-url="ws://127.0.0.1:{server.port}/ws/{TOKEN}"' in await page.text()
        refused = [
            (f"/ws/{TOKEN}", {"Origin": "http://evil.example"}),
            (f"/ws/{TOKEN}", {"Origin": "null"}),
            (f"/ws/{TOKEN}", {"Host": f"attacker.example:{server.port}"}),
            (f"/ws/{TOKEN}", {"Origin": f"http://127.0.0.1:{server.port + 1}"}),
            ("/ws/wrong", {}),
            ("/ws", {}),
        ]
        for path, headers in refused:
            with pytest.raises(aiohttp.WSServerHandshakeError) as failed:
                await http.ws_connect(base + path, headers=headers)
            assert failed.value.status == 403, (path, headers)
        assert not server.sessions
        ws = await http.ws_connect(base + f"/ws/{TOKEN}", headers={"Origin": f"http://localhost:{server.port}"})
        assert "hello from the stand-in app" in await received(ws, "hello")
        await ws.close()


def test_the_doorman_knows_this_servers_names() -> None:
    loop = Doorman("t", "127.0.0.1", 8000, "http://127.0.0.1:8000")
    assert loop.netloc_ok("127.0.0.1:8000") and loop.netloc_ok("localhost:8000") and loop.netloc_ok("[::1]:8000")
    assert not loop.netloc_ok("attacker.example:8000") and not loop.netloc_ok("127.0.0.1:8001")
    assert not loop.netloc_ok("10.0.0.5:8000")  # served on loopback only
    everywhere = Doorman("t", "0.0.0.0", 8000, f"http://{socket.gethostname()}:8000")
    assert everywhere.netloc_ok("10.0.0.5:8000") and everywhere.netloc_ok(f"{socket.gethostname()}:8000")
    assert not everywhere.netloc_ok("attacker.example:8000")  # a rebound DNS name is not this server
    assert loop.token_ok("t") and not loop.token_ok("T") and not loop.token_ok(None)


def test_the_default_cap_follows_the_memory() -> None:
    assert default_max_sessions(24_000) == 120
    assert default_max_sessions(1_000) == 5
    assert default_max_sessions(50) == 1
    assert 1 <= default_max_sessions() <= 200


async def test_a_full_class_says_so_on_the_page_and_in_the_terminal(tmp_path: Path) -> None:
    argv, _ = stand_in(tmp_path, "polite")
    async with classroom(argv, max_sessions=1) as server, aiohttp.ClientSession() as http:
        url = server.public_url + f"/ws/{TOKEN}"
        first = await http.ws_connect(url)
        assert "hello" in await received(first, "hello")
        async with http.get(server.public_url + f"/?token={TOKEN}") as page:
            assert page.status == 503 and "this class is full" in await page.text()
        second = await http.ws_connect(url)
        said = await received(second, "reload this page")
        assert "This class is full." in said and "All 1 sessions are in use." in said
        assert len(server.sessions) == 1
        await second.close()
        await first.close()
        assert await until(lambda: not server.sessions, 20)


@pytest.mark.parametrize("mode", ["polite", "stubborn"])
async def test_closing_the_tab_ends_the_app_process(mode: str, tmp_path: Path) -> None:
    argv, pid_file = stand_in(tmp_path, mode)
    async with classroom(argv, quit_grace=1.0) as server, aiohttp.ClientSession() as http:
        ws = await http.ws_connect(server.public_url + f"/ws/{TOKEN}")
        assert "hello" in await received(ws, "hello")
        pid = await read_pid(pid_file)
        assert alive(pid)
        await ws.close()
        # polite quits at once; stubborn ignores quit and SIGTERM: killed after the grace periods
        assert await until(lambda: not alive(pid), 20), f"{mode} app still running after its tab closed"
        assert await until(lambda: not server.sessions, 10)


@pytest.mark.parametrize("mode", ["crash", "vanish"])
async def test_a_crashed_session_tells_the_student(mode: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv, _ = stand_in(tmp_path, mode)
    async with classroom(argv) as server, aiohttp.ClientSession() as http:
        ws = await http.ws_connect(server.public_url + f"/ws/{TOKEN}")
        said = await received(ws, "Reload this page")
        assert "This session stopped with an error:" in said and "Reload this page" in said
        if mode == "crash":
            assert "ValueError: All-NaN slice \\x1b[2J encountered" in said  # control characters escaped
            assert "Traceback" in capsys.readouterr().out  # the full report stays with the teacher
        else:
            assert "the app ended (exit code 0)" in said
        assert not ws.closed  # the message stays on the page until the student reloads
        await ws.close()
        assert await until(lambda: not server.sessions, 10)


async def test_the_real_app_quits_when_its_tab_closes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    async with classroom(app_argv(None), quit_grace=10.0) as server, aiohttp.ClientSession() as http:
        ws = await http.ws_connect(server.public_url + f"/ws/{TOKEN}?width=120&height=40")
        said = await received(ws, "event 1/", 120)
        assert "event 1/" in said
        (session,) = server.sessions
        pid = session.pid
        assert pid is not None and alive(pid)
        await ws.close()
        assert await until(lambda: not alive(pid), 30)
        assert not session.killed  # it quit when asked; nothing had to be killed
        assert await until(lambda: not server.sessions, 10)


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["serve", "--max-sessions", "0"], "invalid --max-sessions '0'"),
        (["serve", "--max-sessions", "many"], "invalid --max-sessions 'many'"),
    ],
)
def test_bad_max_sessions_is_one_line(argv: list[str], said: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    err = capsys.readouterr().err
    assert exited.value.code == 2 and said in err and err.count("\n") == 1



def parent_of(pid: int) -> int:
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        return int(stat.read().rsplit(")", 1)[1].split()[1])


async def test_prefork_sessions_are_forked_from_one_starter_and_end_with_their_tabs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    async with classroom(app_argv(None), quit_grace=10.0, prefork="seed") as server, aiohttp.ClientSession() as http:
        assert server.zygote is not None and server.zygote.alive
        starter = server.zygote.process.pid
        tabs = [await http.ws_connect(server.public_url + f"/ws/{TOKEN}?width=120&height=40") for _ in range(2)]
        for ws in tabs:
            assert "event 1/" in await received(ws, "event 1/", 120)
        pids = [s.pid for s in server.sessions]
        assert len(set(pids)) == 2 and all(p is not None and parent_of(p) == starter for p in pids)
        for ws in tabs:
            await ws.close()
        assert await until(lambda: not any(alive(p) for p in pids if p is not None), 30)
        assert await until(lambda: not server.sessions, 10)
        assert alive(starter)  # ready for the next tab
    assert await until(lambda: not alive(starter), 15)  # and gone with the server


async def test_a_program_that_leaves_threads_running_is_not_forked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    program = tmp_path / "threads.py"
    program.write_text(
        "import threading, time\nimport tapeviz.tf as tf\n"
        "threading.Thread(target=time.sleep, args=(600,), daemon=True).start()\n"
        "x = tf.Variable(3.0)\nwith tf.GradientTape() as tape:\n    y = x * x\ntape.gradient(y, x)\n"
    )
    async with classroom(app_argv(str(program)), quit_grace=10.0, prefork=str(program)) as server, \
            aiohttp.ClientSession() as http:
        assert server.zygote is None  # refused: each tab starts its own Python instead
        assert "the program leaves threads running" in capsys.readouterr().err
        ws = await http.ws_connect(server.public_url + f"/ws/{TOKEN}?width=120&height=40")
        assert "event 1/" in await received(ws, "event 1/", 120)
        await ws.close()
        assert await until(lambda: not server.sessions, 30)
