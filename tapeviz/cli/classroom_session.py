"""One browser tab's app process for ``tapeviz serve``: started without a shell in its own process
group, ended when its tab closes (asked to quit, then terminated, then killed), its error output kept
so that a crash can be shown to the student.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import os
import signal
from collections.abc import Sequence
from typing import Any

from textual_serve.app_service import AppService

QUIT_GRACE = 5.0
"""Seconds a session's process has to quit after its tab closes, before it is terminated."""
TERM_GRACE = 3.0
"""Seconds between terminating a process and killing it."""


def terminal_message(title: str, lines: Sequence[str]) -> bytes:
    """Text for the page's terminal: leave the app's screen, clear, and say ``title`` and ``lines``."""
    body = "\r\n".join(["", f"  \x1b[1m{title}\x1b[0m", "", *(f"  {line}" for line in lines), ""])
    reset = "\x1b[?1049l\x1b[?1000l\x1b[?1003l\x1b[?1006l\x1b[?25h\x1b[0m\x1b[2J\x1b[H"
    return (reset + body).encode("utf-8")


def printable(text: str, limit: int = 300) -> str:
    """One line of a process's error output, safe to show: control characters escaped, bounded."""
    shown = "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text.strip())
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


class Session(AppService):
    """One browser tab's app process, started without a shell in its own process group."""

    def __init__(self, argv: Sequence[str], *, quit_grace: float = QUIT_GRACE, env: dict[str, str] | None = None,
                 zygote: Any = None, **options: Any) -> None:
        super().__init__(" ".join(argv), **options)
        self.argv = list(argv)
        self.env = dict(env or {})  # added to the app's environment (the theme)
        self.zygote = zygote  # classroom_zygote.Zygote: fork the app from it instead of starting Python
        self.quit_grace = quit_grace
        self.stderr = io.BytesIO()
        self.said_exit = asyncio.Event()  # the app said it is quitting (its "exit" packet)
        self.ended = asyncio.Event()  # the app's output ended (the process closed it or died)
        self.killed = False

    async def _open_app_process(self, width: int = 80, height: int = 24) -> asyncio.subprocess.Process:
        if self.zygote is not None and self.zygote.alive:
            forked = await self.zygote.spawn({**self._build_environment(width, height), **self.env})
            self._process = forked  # type: ignore[assignment]
            self._stdin = forked.stdin
            return forked  # type: ignore[return-value]
        self._process = process = await asyncio.create_subprocess_exec(
            *self.argv, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, env={**self._build_environment(width, height), **self.env},
            start_new_session=True,
        )
        assert process.stdin is not None
        self._stdin = process.stdin
        return process

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    async def run(self) -> None:
        """Copy the app's packets to the browser until its output ends; keep its error output."""
        process = self._process
        assert process is not None and process.stdout is not None and process.stderr is not None
        stdout, stderr = process.stdout, process.stderr

        async def keep_stderr() -> None:
            while data := await stderr.read(4096):
                if self.stderr.tell() < 1_000_000:  # a flood of errors must not fill the server
                    self.stderr.write(data)

        stderr_task = asyncio.create_task(keep_stderr())
        try:
            for _ in range(10):  # the app's first line says it speaks textual-serve's protocol
                line = await stdout.readline()
                if not line or line == b"__GANGLION__\n":
                    break
            while True:
                kind = await stdout.readexactly(1)
                size = int.from_bytes(await stdout.readexactly(4), "big")
                payload = await stdout.readexactly(size)
                if kind == b"D":
                    await self.on_data(payload)
                elif kind == b"M":
                    await self.on_meta(payload)
                elif kind == b"P":
                    await self.on_packed(payload)
        except (asyncio.IncompleteReadError, ConnectionResetError, asyncio.CancelledError):
            pass
        finally:
            self.ended.set()
            with contextlib.suppress(asyncio.TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(stderr_task, 2)
            if not stderr_task.done():
                stderr_task.cancel()

    async def on_meta(self, data: bytes) -> None:
        try:
            meta = json.loads(data)
        except ValueError:
            return
        if isinstance(meta, dict) and meta.get("type") == "exit":
            self.said_exit.set()  # the server closes the page once the process has ended
            return
        await super().on_meta(data)

    def _signal(self, signum: int) -> None:
        if self._process is not None and self._process.returncode is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self._process.pid, signum)

    async def _wait(self, seconds: float) -> bool:
        assert self._process is not None
        try:
            await asyncio.wait_for(self._process.wait(), seconds)
        except asyncio.TimeoutError:
            return False
        return True

    async def stop(self) -> None:
        """Ask the app to quit; terminate it after ``quit_grace`` seconds, kill it after more."""
        process = self._process
        if process is None:
            return
        await self._download_manager.cancel_app_downloads(app_service_id=self.app_service_id)
        if process.returncode is None:
            if not self.said_exit.is_set():
                await self.send_meta({"type": "quit"})
            if not await self._wait(self.quit_grace):
                self.killed = True
                self._signal(signal.SIGTERM)
                if not await self._wait(TERM_GRACE):
                    self._signal(signal.SIGKILL)
                    await self._wait(TERM_GRACE)
        self._signal(signal.SIGKILL)  # anything the app started in its group goes with it
        if self._task is not None:
            try:
                await asyncio.wait_for(self._task, 5)
            except (asyncio.TimeoutError, asyncio.CancelledError):
                pass
            self._task = None

    def error_lines(self) -> list[str]:
        text = self.stderr.getvalue().decode("utf-8", "replace")
        return [line for line in text.splitlines() if line.strip()]

    def crashed(self) -> bool:
        """The app ended without a normal quit: a failure code, a traceback, or no goodbye at all."""
        assert self._process is not None
        code = self._process.returncode
        if self.killed:
            return False  # it said goodbye but its program would not end: it was stopped, not broken
        if not self.said_exit.is_set():
            return True
        return bool(code) or any("Traceback" in line for line in self.error_lines())

    def crash_report(self) -> list[str]:
        lines = self.error_lines()
        last = printable(lines[-1]) if lines else f"the app ended (exit code {self._process and self._process.returncode})"
        return [last, "", "The full report is in the terminal where tapeviz serve runs.",
                "Reload this page to start a new session."]


__all__ = ["QUIT_GRACE", "Session", "printable", "terminal_message"]
