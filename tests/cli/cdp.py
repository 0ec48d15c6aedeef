"""A tiny Chrome DevTools Protocol client over aiohttp (which textual-serve brings): enough to open
a page in headless Chromium, read what its websockets received, and take a screenshot.

Everything stays on the loopback interface; every wait is bounded.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import re
import subprocess
import time
from pathlib import Path
from typing import Any

import aiohttp

# Installed before any page script runs: keeps the text of every binary websocket message.
RECORD_WEBSOCKETS = """
(() => {
  const Native = window.WebSocket;
  const decoder = new TextDecoder();
  window.__received = "";
  function Recording(url, protocols) {
    const ws = protocols === undefined ? new Native(url) : new Native(url, protocols);
    ws.addEventListener("message", (e) => {
      if (typeof e.data !== "string") window.__received += decoder.decode(new Uint8Array(e.data), {stream: true});
    });
    return ws;
  }
  Recording.prototype = Native.prototype;
  Object.assign(Recording, {CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3});
  window.WebSocket = Recording;
})();
"""
ANSI = re.compile(r"\x1b(\[[0-9;:?<>=]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[PX^_][^\x1b]*\x1b\\|[()][0-9A-Za-z]|[=>78])")


def screen_text(raw: str) -> str:
    """Terminal output with its escape sequences removed: the words that were drawn."""
    return ANSI.sub("", raw)


class Browser:
    """Headless Chromium on a loopback debugging port, driven through one page."""

    def __init__(self, chromium: str, profile: Path, size: tuple[int, int] = (1280, 800)) -> None:
        self.process = subprocess.Popen(
            [chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-extensions", "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
             f"--user-data-dir={profile}", f"--window-size={size[0]},{size[1]}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )
        self.endpoint = self._wait_for_endpoint(timeout=60)
        self._ids = itertools.count(1)
        self._session: aiohttp.ClientSession | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None

    def _wait_for_endpoint(self, timeout: float) -> str:
        """The ``ws://127.0.0.1:PORT/devtools/browser/...`` line Chromium prints on stderr."""
        assert self.process.stderr is not None
        deadline = time.monotonic() + timeout
        seen: list[str] = []
        while time.monotonic() < deadline:
            line = self.process.stderr.readline()
            if not line and self.process.poll() is not None:
                break
            seen.append(line)
            found = re.search(r"(ws://127\.0\.0\.1:\d+/devtools/browser/\S+)", line)
            if found:
                return found.group(1)
        self.close()
        raise RuntimeError("chromium did not open its debugging port:\n" + "".join(seen[-20:]))

    async def open_page(self) -> None:
        port = re.search(r":(\d+)/", self.endpoint).group(1)  # type: ignore[union-attr]
        self._session = aiohttp.ClientSession()
        async with self._session.get(f"http://127.0.0.1:{port}/json/list") as response:
            pages = [t for t in await response.json(content_type=None) if t.get("type") == "page"]
        self._ws = await self._session.ws_connect(pages[0]["webSocketDebuggerUrl"], max_msg_size=0)
        await self.call("Page.enable")
        await self.call("Page.addScriptToEvaluateOnNewDocument", source=RECORD_WEBSOCKETS)

    async def call(self, method: str, timeout: float = 30, **params: Any) -> dict[str, Any]:
        """Send one command and wait (bounded) for its answer, skipping the events in between."""
        assert self._ws is not None
        ident = next(self._ids)
        ws = self._ws
        await ws.send_str(json.dumps({"id": ident, "method": method, "params": params}))

        async def answer() -> dict[str, Any]:
            while True:
                message = await ws.receive()
                if message.type != aiohttp.WSMsgType.TEXT:
                    raise RuntimeError(f"the browser closed the debugging connection ({message.type})")
                data = json.loads(message.data)
                if data.get("id") == ident:
                    if "error" in data:
                        raise RuntimeError(f"{method}: {data['error']}")
                    return data.get("result", {})

        return await asyncio.wait_for(answer(), timeout)

    async def evaluate(self, expression: str) -> Any:
        result = await self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result.get("result", {}).get("value")

    async def received_text(self) -> str:
        return screen_text(await self.evaluate("window.__received || ''") or "")

    async def press(self, key: str) -> None:
        """Type one printable key into the page's terminal (xterm.js reads its hidden textarea)."""
        await self.evaluate("document.querySelector('.xterm-helper-textarea')?.focus()")
        code = f"Key{key.upper()}" if key.isalpha() else ""
        for kind in ("keyDown", "keyUp"):
            await self.call("Input.dispatchKeyEvent", type=kind, key=key, code=code, windowsVirtualKeyCode=ord(key.upper()),
                            **({"text": key} if kind == "keyDown" else {}))

    async def allow_downloads(self, folder: Path) -> None:
        await self.call("Browser.setDownloadBehavior", behavior="allow", downloadPath=str(folder))

    async def screenshot(self, path: Path) -> Path:
        shot = await self.call("Page.captureScreenshot", format="png")
        path.write_bytes(base64.b64decode(shot["data"]))
        return path

    async def aclose(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._session is not None:
            await self._session.close()
        self.close()

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
