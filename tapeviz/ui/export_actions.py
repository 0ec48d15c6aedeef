"""``e`` (export the view as a PNG) and ``s`` (save the trace): files reach the person who asked.

In a terminal they are written to ``./tapeviz-out/`` (or the app's folder) and the toast says
where. In a browser (``tapeviz serve``) the file is delivered to the student's browser as a
download, and nothing is left on the server: the file is made in a private temporary folder
and removed once read, unless the server was started with ``--out DIR``; then a copy stays in a
folder of this session's own (``DIR/session-1a2b3c/``), so sessions never write over each other.

A mixin of :class:`~tapeviz.ui.app.TapevizApp` (slow work in thread workers, results as messages).
"""

from __future__ import annotations

import io
import os
import secrets
import shutil
import tempfile
from pathlib import Path

from textual import work

from . import jobs
from .messages import Exported, Saved

SERVE_OUT_ENV = "TAPEVIZ_SERVE_OUT"  # set by ``tapeviz serve --out DIR`` for its sessions
MIME = {".png": "image/png", ".gif": "image/gif", ".tapeviz": "application/zip"}


class ExportActions:
    """``action_export``/``action_save`` and their results, for the TapevizApp."""

    _session_folder: Path | None = None

    def _to_browser(self) -> bool:
        """In a browser: files go to this session's own folder (set once), then to the browser."""
        if not self.is_web:  # type: ignore[attr-defined]
            return False
        if self._session_folder is None:
            kept = os.environ.get(SERVE_OUT_ENV, "").strip()
            if kept:
                folder = Path(kept) / f"session-{secrets.token_hex(3)}"
                folder.mkdir(parents=True, exist_ok=True)
            else:
                folder = Path(tempfile.mkdtemp(prefix="tapeviz-session-"))
            self._session_folder = folder
            self.session.out_dir = folder  # type: ignore[attr-defined]  (never ./tapeviz-out/ on the server)
        return True

    def _deliver(self, path: Path, what: str) -> None:
        """Send ``path`` to the browser as a download; keep it only in a ``--out`` folder."""
        data = path.read_bytes()
        kept = bool(os.environ.get(SERVE_OUT_ENV, "").strip())
        if not kept:
            path.unlink(missing_ok=True)
        self.deliver_binary(io.BytesIO(data), save_filename=path.name,  # type: ignore[attr-defined]
                            mime_type=MIME.get(path.suffix, "application/octet-stream"), name=path.name)
        where = f"; a copy is kept on the server in {path}" if kept else ""
        self.notify(f"{what} {path.name}: your browser downloads it{where}", title="sent to your browser",  # type: ignore[attr-defined]
                    timeout=6)

    def on_unmount(self) -> None:
        """A private temporary folder goes with the session."""
        folder = self._session_folder
        if folder is not None and not os.environ.get(SERVE_OUT_ENV, "").strip():
            shutil.rmtree(folder, ignore_errors=True)

    # ---- export (e) --------------------------------------------------------------------------
    def action_export(self) -> None:
        if self._training:  # type: ignore[attr-defined]
            self.notify("wait for training to finish, then export", severity="warning", timeout=3)  # type: ignore[attr-defined]
            return
        self._exporting = True
        self.busy = "exporting…"
        self._to_browser()
        path = self.session.export_path()  # type: ignore[attr-defined]
        self._export_worker(path, self.index, sorted(self.collapsed))  # type: ignore[attr-defined]

    @work(thread=True, group="export", exit_on_error=False)
    def _export_worker(self, path: Path, index: int, collapsed: list[str]) -> None:
        self.post_message(Exported(*jobs.export_image(self.trace, path, index, collapsed)))  # type: ignore[attr-defined]

    def on_exported(self, message: Exported) -> None:
        self._exporting = False
        if message.error:
            self.notify(f"export failed: {message.error}", severity="error", timeout=8)  # type: ignore[attr-defined]
        elif self.is_web:  # type: ignore[attr-defined]
            self.last_export = message.path
            self._deliver(message.path, "exported")
        else:
            self.last_export = message.path
            self.notify(f"exported {message.path}", title="image written", timeout=6)  # type: ignore[attr-defined]
        self.busy = ""
        self._start_training()  # type: ignore[attr-defined]

    # ---- the iteration as frames (E) ---------------------------------------------------------
    def action_export_iteration(self) -> None:
        """Every event of the cursor's iteration: an animated GIF (with Pillow), else numbered PNGs."""
        if self._training or self._exporting:  # type: ignore[attr-defined]
            self.notify("wait for training or the export to finish", severity="warning", timeout=3)  # type: ignore[attr-defined]
            return
        web = self._to_browser()
        iteration = self.trace.iteration(self.index)  # type: ignore[attr-defined]
        gif = _have_pillow()
        if web and not gif:
            self.notify("sending an iteration needs Pillow on the server: pip install 'tapeviz[gif]'",  # type: ignore[attr-defined]
                        severity="error", timeout=8)
            return
        name = f"{self.session.slug()}-iteration{iteration + 1}"  # type: ignore[attr-defined]
        path = self.session.export_path().with_name(name + (".gif" if gif else ""))  # type: ignore[attr-defined]
        self._exporting = True
        self.busy = f"drawing iteration {iteration + 1}…"
        self._frames_worker(path, list(self.trace.iteration_range(iteration)), sorted(self.collapsed))  # type: ignore[attr-defined]

    @work(thread=True, group="export", exit_on_error=False)
    def _frames_worker(self, path: Path, events: list[int], collapsed: list[str]) -> None:
        from ..engine.errors import TapevizError
        from ..render.frames import write_frames, write_gif

        error = ""
        try:
            if path.suffix == ".gif":
                write_gif(self.trace, path, events, collapsed)  # type: ignore[attr-defined]
            else:
                write_frames(self.trace, path, events, collapsed)  # type: ignore[attr-defined]
        except (TapevizError, OSError, RuntimeError, ValueError) as exc:
            error = str(exc)
        self.post_message(Exported(path, error))  # type: ignore[attr-defined]

    # ---- save (s) ----------------------------------------------------------------------------
    def action_save(self) -> None:
        if self._training:  # type: ignore[attr-defined]
            self.notify("wait for training to finish, then save", severity="warning", timeout=3)  # type: ignore[attr-defined]
            return
        self._to_browser()
        self._save_worker(self.session.save_path())  # type: ignore[attr-defined]

    @work(thread=True, group="save", exit_on_error=False)
    def _save_worker(self, path: Path) -> None:
        self.post_message(Saved(path, jobs.save_trace(self.trace, path)))  # type: ignore[attr-defined]

    def on_saved(self, message: Saved) -> None:
        if message.error:
            self.notify(f"save failed: {message.error}", severity="error", timeout=8)  # type: ignore[attr-defined]
        elif self.is_web:  # type: ignore[attr-defined]
            self.last_save = message.path
            self._deliver(message.path, "saved the trace")
        else:
            self.last_save = message.path
            self.notify(f"saved the trace to {message.path}", title="trace saved", timeout=6)  # type: ignore[attr-defined]


def _have_pillow() -> bool:
    try:
        import PIL.Image  # noqa: F401
    except ImportError:
        return False
    return True
