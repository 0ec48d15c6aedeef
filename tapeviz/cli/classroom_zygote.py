"""Sessions started from a process that has already imported everything (``tapeviz serve --prefork``).

Starting Python, Textual and tapeviz and recording the source again for every browser tab costs
about half a second of CPU each; a class of 40 on two cores waits for all of it. The *zygote* is
one process that imports the app and records the source once, then forks a session per tab: the
child only builds its app and draws.

The server and the zygote share a Unix socket pair (one message per packet):

* server → zygote: ``{"id": N, "env": {...}}`` with the session's stdin/stdout/stderr pipe ends
  attached (SCM_RIGHTS); the zygote forks, the child takes them as its standard streams;
* zygote → server: ``{"id": N, "pid": P}``, and ``{"exit": P, "code": C}`` when a session ends.

A child starts its own process group, so the server ends it as any other session. The zygote is
single-threaded, so forking it is safe; it ends when the server closes the socket.
"""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import sys
from typing import Any


def _run_child(trace: Any, source: str, fds: list[int], env: dict[str, str]) -> None:
    """In the forked child: the session's pipes become stdio, then the app runs; never returns."""
    code = 1
    try:
        os.setsid()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        for fd, target in zip(fds, (0, 1, 2)):
            os.dup2(fd, target)
            os.close(fd)
        os.environ.update(env)
        from ..ui import TapevizApp

        code = int(TapevizApp(trace, source=source).run() or 0)
    except BaseException as exc:  # noqa: BLE001  (the child must never fall back into the zygote's loop)
        import traceback

        traceback.print_exc()
        code = exc.code if isinstance(exc, SystemExit) and isinstance(exc.code, int) else 1
    finally:
        for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
            try:
                if stream is not None:
                    stream.flush()
            except Exception:  # noqa: BLE001
                pass
        os._exit(code)


def serve_forks(source: str, sock_fd: int) -> int:
    """The zygote's loop: record ``source`` once, then fork a session per request."""
    from ..sources import load_source
    from ..ui import TapevizApp  # noqa: F401  (imported once, here, for every session)

    sock = socket.socket(fileno=sock_fd)
    os.dup2(2, 1)  # a program's prints go to the log, never into the protocol
    trace = load_source(source)
    trace.events  # noqa: B018  (fold the graph now, not in every child)
    import threading

    if threading.active_count() > 1:  # the program left threads running: forking would copy them half-way
        sock.send(json.dumps({"refuse": "the program leaves threads running"}).encode())
        os._exit(0)  # (not waiting for those threads)
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.signal(signal.SIGCHLD, lambda signum, frame: os.write(wake_w, b"x"))
    sock.send(json.dumps({"ready": os.getpid()}).encode())
    while True:
        try:
            ready, _, _ = select.select([sock, wake_r], [], [])
        except InterruptedError:
            continue
        if wake_r in ready:
            os.read(wake_r, 4096)
            while True:
                try:
                    pid, status = os.waitpid(-1, os.WNOHANG)
                except ChildProcessError:
                    break
                if pid == 0:
                    break
                sock.send(json.dumps({"exit": pid, "code": os.waitstatus_to_exitcode(status)}).encode())
        if sock in ready:
            data, fds, _, _ = socket.recv_fds(sock, 65536, 3)
            if not data:
                return 0  # the server went away
            request = json.loads(data)
            pid = os.fork()
            if pid == 0:
                sock.close()
                os.close(wake_r)
                os.close(wake_w)
                _run_child(trace, source, fds, request["env"])
            for fd in fds:
                os.close(fd)
            sock.send(json.dumps({"id": request["id"], "pid": pid}).encode())


# ---- the server's side ------------------------------------------------------------------------
class ForkedProcess:
    """A session the zygote forked, with the parts of ``asyncio.subprocess.Process`` a Session uses."""

    def __init__(self, pid: int, stdin: Any, stdout: Any, stderr: Any) -> None:
        import asyncio

        self.pid, self.stdin, self.stdout, self.stderr = pid, stdin, stdout, stderr
        self.returncode: int | None = None
        self._ended = asyncio.Event()

    def ended(self, code: int) -> None:
        self.returncode = code
        self._ended.set()

    async def wait(self) -> int:
        await self._ended.wait()
        assert self.returncode is not None
        return self.returncode


class Zygote:
    """The server's handle on the zygote: start it once, ask it for sessions."""

    def __init__(self, source: str, env: dict[str, str]) -> None:
        self.source, self.env = source, env
        self.process: Any = None
        self.sock: socket.socket | None = None
        self._pending: dict[int, Any] = {}
        self._running: dict[int, ForkedProcess] = {}
        self._next = 0
        self._reader: Any = None

    async def start(self) -> None:
        import asyncio

        mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tapeviz.cli.classroom_zygote", self.source, str(theirs.fileno()),
            stdin=asyncio.subprocess.DEVNULL, env={**os.environ, **self.env}, pass_fds=(theirs.fileno(),),
            start_new_session=True,
        )
        theirs.close()
        mine.setblocking(False)
        self.sock = mine
        loop = asyncio.get_running_loop()
        hello = await asyncio.wait_for(loop.sock_recv(mine, 65536), 120)
        if not hello.startswith(b'{"ready"'):
            said = json.loads(hello).get("refuse", "it did not start") if hello.startswith(b"{") else "it did not start"
            raise RuntimeError(said)
        self._reader = asyncio.create_task(self._read())

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.returncode is None and self.sock is not None

    async def _read(self) -> None:
        import asyncio

        loop = asyncio.get_running_loop()
        assert self.sock is not None
        try:
            while data := await loop.sock_recv(self.sock, 65536):
                message = json.loads(data)
                if "exit" in message:
                    forked = self._running.pop(message["exit"], None)
                    if forked is not None:
                        forked.ended(message["code"])
                elif message.get("id") in self._pending:
                    self._pending.pop(message["id"]).set_result(message["pid"])
        except (OSError, ValueError):
            pass
        for forked in list(self._running.values()):  # the zygote died: its sessions count as ended
            forked.ended(-9)
        self._running.clear()
        self.sock = None

    async def spawn(self, env: dict[str, str]) -> ForkedProcess:
        """A new session: pipes made here, their far ends handed to the zygote, which forks."""
        import asyncio

        assert self.sock is not None
        loop = asyncio.get_running_loop()
        in_r, in_w = os.pipe()
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        self._next += 1
        ident = self._next
        answer = loop.create_future()
        self._pending[ident] = answer
        try:
            socket.send_fds(self.sock, [json.dumps({"id": ident, "env": env}).encode()], [in_r, out_w, err_w])
        finally:
            for fd in (in_r, out_w, err_w):
                os.close(fd)  # the zygote has its own copies now
        pid = await asyncio.wait_for(answer, 30)
        stdout, stderr = asyncio.StreamReader(limit=2**26), asyncio.StreamReader()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stdout), os.fdopen(out_r, "rb", 0))
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stderr), os.fdopen(err_r, "rb", 0))
        transport, protocol = await loop.connect_write_pipe(asyncio.streams.FlowControlMixin, os.fdopen(in_w, "wb", 0))
        forked = ForkedProcess(pid, asyncio.StreamWriter(transport, protocol, None, loop), stdout, stderr)
        self._running[pid] = forked
        return forked

    async def stop(self) -> None:
        import asyncio

        if self.sock is not None:
            self.sock.close()
            self.sock = None
        if self.process is not None and self.process.returncode is None:
            try:
                await asyncio.wait_for(self.process.wait(), 5)
            except asyncio.TimeoutError:
                self.process.kill()


if __name__ == "__main__":
    raise SystemExit(serve_forks(sys.argv[1], int(sys.argv[2])))
