"""The served classroom behind ``tapeviz serve``: textual-serve with a door that only the class opens.

textual-serve starts one app process per browser tab and streams its screen over a websocket. On
its own it lets any web page (or any computer, when listening on every network) start sessions.
This module keeps its page and protocol but adds what a classroom needs:

- a random **token** in the URL the teacher hands out (as Jupyter does); the page, the websocket
  and downloads are refused without it;
- the websocket's **Host** and **Origin** must name the served address, so a page on another site
  (or a DNS name re-pointed at this computer) cannot open sessions in the teacher's browser;
- a cap on **sessions** (each is a Python process of ~60 MB), with a clear page when the class is full;
- every app process **ended** when its tab closes: asked to quit, then terminated, then killed;
- a session that **crashed** says so in the student's page instead of leaving a dead screen.
"""

from __future__ import annotations

import asyncio
import html
import ipaddress
import json
import secrets
import socket
import sys
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from aiohttp import WSMsgType, web
from textual_serve.server import Server, to_int

from .classroom_session import QUIT_GRACE, Session, terminal_message

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
WILDCARD_HOSTS = ("0.0.0.0", "::", "")
SESSION_MB = 100
"""Memory set aside per session when choosing the default cap (one measured at ~61 MB resident)."""
COOKIE = "tapeviz-token-{port}"

# textual-serve's page fetches a download with window.open, which a browser allows only while the
# key press that asked for it is recent (Chromium: 5 s). On a busy classroom server an export or a
# save can take longer, and the pop-up blocker then drops the file without a word (measured: a
# 7 s delivery downloaded nothing). A link the page clicks needs no recent key press.
DOWNLOAD_AS_LINK = """<script>
(function () {
  const openWindow = window.open.bind(window);
  window.open = function (url, target, features) {
    const address = new URL(url, window.location.href);
    if (address.origin !== window.location.origin || !address.pathname.startsWith("/download/")) {
      return openWindow(url, target, features);
    }
    const link = document.createElement("a");
    link.href = address.href;
    link.download = "";
    document.body.appendChild(link);
    link.click();
    link.remove();
    return null;
  };
})();
</script>
"""


def new_token() -> str:
    """A random token for the class's URL (128 bits, URL-safe)."""
    return secrets.token_urlsafe(16)


def available_memory_mb() -> int | None:
    """Memory this machine can still give, in MiB, or None when unknown."""
    from ..trace.filechecks import available_memory

    available = available_memory()
    return None if available is None else available // 2**20


def default_max_sessions(available_mb: int | None = None) -> int:
    """Half of the memory still available, ``SESSION_MB`` per session; 1..200 (20 when unknown)."""
    mb = available_memory_mb() if available_mb is None else available_mb
    if mb is None:
        return 20
    return max(1, min(200, mb // 2 // SESSION_MB))


def is_loopback(host: str) -> bool:
    """True when ``host`` (a listening address) is reachable from this computer only."""
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return False
    return True


class Doorman:
    """Decides who may come in: the token, and the Host and Origin a browser sends."""

    def __init__(self, token: str, host: str, port: int, public_url: str) -> None:
        self.token = token
        self.port = port
        public = urlsplit(public_url)
        self.public_netloc = public.netloc.lower()
        names = {host.lower(), (public.hostname or "").lower()}
        if is_loopback(host) or host in WILDCARD_HOSTS:
            names.update(LOOPBACK_NAMES)
        if host in WILDCARD_HOSTS:
            names.update({socket.gethostname().lower(), socket.getfqdn().lower()})
        names.discard("")
        self.names = names
        self.any_ip = host in WILDCARD_HOSTS  # every address of this machine is served

    def token_ok(self, given: str | None) -> bool:
        return given is not None and secrets.compare_digest(given.encode(), self.token.encode())

    def netloc_ok(self, netloc: str) -> bool:
        """``netloc`` (``name:port`` from a Host or Origin header) names this server."""
        netloc = netloc.lower()
        if netloc == self.public_netloc:
            return True
        try:
            parts = urlsplit("//" + netloc)
            name, port = parts.hostname, parts.port
        except ValueError:
            return False
        if name is None or port != self.port:
            return False
        return name in self.names or (self.any_ip and _is_ip(name))

    def refusal(self, request: web.Request, token: str | None) -> str | None:
        """Why ``request`` may not open a session (None: it may)."""
        if not self.token_ok(token):
            return "this class needs the full address with its token (ask the teacher for the link)"
        if not self.netloc_ok(request.headers.get("Host", "")):
            return "the Host header does not name this server"
        origin = request.headers.get("Origin")
        if origin is not None:
            parts = urlsplit(origin)
            if parts.scheme not in ("http", "https") or not self.netloc_ok(parts.netloc):
                return "pages from another site cannot open sessions here"
        return None


class ClassroomServer(Server):
    """textual-serve's Server with the token, Host/Origin checks, a session cap and clean endings."""

    def __init__(self, argv: Sequence[str], *, host: str, port: int, public_url: str, token: str,
                 max_sessions: int, title: str, quit_grace: float = QUIT_GRACE,
                 env: dict[str, str] | None = None, prefork: str | None = None) -> None:
        super().__init__(" ".join(argv), host=host, port=port, title=title, public_url=public_url)
        self.argv = list(argv)
        self.doorman = Doorman(token, host, port, self.public_url)
        self.max_sessions = max_sessions
        self.quit_grace = quit_grace
        self.sessions: set[Session] = set()
        self.cookie = COOKIE.format(port=port)
        self.env = dict(env or {})
        self.prefork = prefork  # the SOURCE to fork sessions of (classroom_zygote.py), or None
        self.zygote: Any = None

    @property
    def url(self) -> str:
        """The address to hand out: the public URL with the token."""
        return f"{self.public_url}/?token={self.doorman.token}"

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        app.router.add_get("/ws/{token}", self.handle_session_websocket)
        return app

    async def on_startup(self, app: web.Application) -> None:
        """Start the session starter when sessions are forked (tapeviz prints its own lines)."""
        if self.prefork is not None:
            from types import SimpleNamespace

            from textual_serve.app_service import AppService

            from .classroom_zygote import Zygote

            # what textual-serve sets for its apps (Textual reads some of it when it is imported)
            made = AppService._build_environment(SimpleNamespace(debug=False))  # type: ignore[arg-type]
            web_env = {key: value for key, value in made.items() if key.startswith(("TEXTUAL", "TERM_PROGRAM"))}
            self.zygote = Zygote(self.prefork, {**web_env, **self.env})
            try:
                await self.zygote.start()
            except (OSError, RuntimeError, asyncio.TimeoutError) as exc:
                print(f"tapeviz serve: each tab starts its own Python ({exc or 'the session starter did not answer'})",
                      file=sys.stderr, flush=True)
                self.zygote = None
        print("tapeviz: ready", flush=True)

    async def on_shutdown(self, app: web.Application) -> None:
        await asyncio.gather(*(session.stop() for session in list(self.sessions)), return_exceptions=True)
        if self.zygote is not None:
            await self.zygote.stop()

    def _token_of(self, request: web.Request) -> str | None:
        return request.query.get("token") or request.cookies.get(self.cookie)

    async def handle_index(self, request: web.Request) -> web.StreamResponse:  # type: ignore[override]
        refused = self.doorman.refusal(request, self._token_of(request))
        if refused:
            return notice_page(403, "tapeviz: not without the class's link", refused)
        if len(self.sessions) >= self.max_sessions:
            return notice_page(503, "tapeviz: this class is full",
                               f"All {self.max_sessions} sessions are in use. Close a tab you no longer need, "
                               "or ask the teacher to start tapeviz serve with a larger --max-sessions, "
                               "then reload this page.")
        import aiohttp_jinja2

        ws_base = "wss:" if self.public_url.startswith("https") else "ws:"
        context = {
            "font_size": to_int(request.query.get("fontsize", "16"), 16),
            "app_websocket_url": ws_base + self.public_url.split(":", 1)[1] + f"/ws/{self.doorman.token}",
            "config": {"static": {"url": f"{self.public_url}/static/"}},
            "application": {"name": self.title},
        }
        response = aiohttp_jinja2.render_template("app_index.html", request, context)
        response.text = with_downloads_as_links(response.text or "")
        response.set_cookie(self.cookie, self.doorman.token, httponly=True, samesite="Strict", path="/")
        response.headers["Cache-Control"] = "no-store"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        raise web.HTTPForbidden(text="tapeviz: open the page with the class's link")

    async def handle_download(self, request: web.Request) -> web.StreamResponse:
        refused = self.doorman.refusal(request, request.cookies.get(self.cookie))
        if refused:
            raise web.HTTPForbidden(text=f"tapeviz: {refused}")
        return await super().handle_download(request)

    async def handle_session_websocket(self, request: web.Request) -> web.WebSocketResponse:
        refused = self.doorman.refusal(request, request.match_info["token"])
        if refused:
            raise web.HTTPForbidden(text=f"tapeviz: {refused}")
        websocket = web.WebSocketResponse(heartbeat=15)
        await websocket.prepare(request)
        if len(self.sessions) >= self.max_sessions:
            await websocket.send_bytes(terminal_message("This class is full.", [
                f"All {self.max_sessions} sessions are in use.",
                "Close a tab you no longer need, or ask the teacher for a larger --max-sessions,",
                "then reload this page."]))
            await self._read_until_closed(websocket, None)
            return websocket
        session = Session(self.argv, quit_grace=self.quit_grace, env=self.env, zygote=self.zygote, write_bytes=websocket.send_bytes,
                          write_str=websocket.send_str, close=websocket.close,
                          download_manager=self.download_manager)
        self.sessions.add(session)
        reader: asyncio.Task[None] | None = None
        try:
            await session.start(to_int(request.query.get("width", "80"), 80),
                                to_int(request.query.get("height", "24"), 24))
            reader = asyncio.create_task(self._read_until_closed(websocket, session))
            app_done = asyncio.create_task(_first(session.said_exit, session.ended))
            await asyncio.wait({reader, app_done}, return_when=asyncio.FIRST_COMPLETED)
            app_done.cancel()
            if not reader.done():  # the app ended while its tab is open
                await session.stop()
                if session.crashed():
                    sys.stdout.write(session.stderr.getvalue().decode("utf-8", "replace"))
                    sys.stdout.flush()
                    await websocket.send_bytes(terminal_message("This session stopped with an error:",
                                                                session.crash_report()))
                    await reader  # the message stays until the student reloads or closes the tab
                else:
                    await websocket.close()
        except Exception as error:  # a broken session must not take the server down
            print(f"tapeviz serve: a session failed: {error!r}", file=sys.stderr, flush=True)
        finally:
            if reader is not None:
                reader.cancel()
            await asyncio.shield(self._end(session))
        return websocket

    async def _end(self, session: Session) -> None:
        try:
            await session.stop()
        finally:
            self.sessions.discard(session)

    async def _read_until_closed(self, websocket: web.WebSocketResponse, session: Session | None) -> None:
        """Pass the browser's keys, sizes and pings on until the tab goes away."""
        async for message in websocket:
            if message.type != WSMsgType.TEXT:
                continue
            try:
                kind, data = json.loads(message.data)[:2]
            except (ValueError, TypeError):
                continue
            if kind == "ping":
                await websocket.send_json(["pong", data])
            elif session is None or session.ended.is_set():
                continue
            elif kind == "stdin" and isinstance(data, str):
                await session.send_bytes(data.encode("utf-8"))
            elif kind == "resize" and isinstance(data, dict):
                await session.set_terminal_size(to_int(str(data.get("width")), 80), to_int(str(data.get("height")), 24))
            elif kind == "blur":
                await session.blur()
            elif kind == "focus":
                await session.focus()


async def _first(*events: asyncio.Event) -> None:
    waits = [asyncio.create_task(event.wait()) for event in events]
    try:
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for wait in waits:
            wait.cancel()


def with_downloads_as_links(page: str) -> str:
    """The served page, its downloads fetched by a clicked link rather than a pop-up window."""
    head_end = page.find("</head>")
    if head_end < 0:
        raise RuntimeError("textual-serve's page has no </head>: cannot add the download script")
    return page[:head_end] + DOWNLOAD_AS_LINK + page[head_end:]


def notice_page(status: int, title: str, text: str) -> web.Response:
    """A plain, readable page: who may not come in, or that the class is full."""
    body = (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>{t}</title></head>"
        "<body style='background:#000;color:#fff;font:20px/1.5 sans-serif;margin:3em'>"
        "<h1 style='font-size:28px'>{t}</h1><p>{x}</p></body></html>"
    ).format(t=html.escape(title), x=html.escape(text))
    return web.Response(status=status, text=body, content_type="text/html",
                        headers={"Cache-Control": "no-store"})


__all__ = ["QUIT_GRACE", "ClassroomServer", "Doorman", "Session", "default_max_sessions", "is_loopback", "new_token"]
