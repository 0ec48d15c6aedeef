"""Writing files atomically: a temporary file in the target's folder, renamed into place."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .errors import RenderError


def check_writable(path: str | os.PathLike[str]) -> Path:
    """Fail early, with one line, when ``path`` cannot be written (before any slow work)."""
    target = Path(path)
    parent = target.parent if str(target.parent) else Path(".")
    if target.is_dir():
        raise RenderError(f"cannot write {target}: it is a directory")
    if not parent.is_dir():
        raise RenderError(f"cannot write {target}: the folder {parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise RenderError(f"cannot write {target}: the folder {parent} is not writable")
    if target.exists() and not os.access(target, os.W_OK):
        raise RenderError(f"cannot write {target}: the file is read-only")
    return target


def atomic_write(path: str | os.PathLike[str], data: bytes | str) -> Path:
    """Write ``data`` to ``path`` all at once: readers see the old file or the new one, never half."""
    target = check_writable(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise RenderError(f"cannot write {target}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise RenderError(f"cannot write {target}: {exc.strerror or exc}") from None
        raise
    return target


__all__ = ["atomic_write", "check_writable"]
