"""``tapeviz serve [SOURCE] [--lesson ID] [--port N] [--host H]``: the terminal UI in a browser.

textual-serve runs one ``tapeviz open SOURCE`` (or ``tapeviz lesson ID``) process per browser tab
and streams its screen to the page (``classroom.py`` guards it: a token in the URL, Host and Origin
checks, a session cap, processes ended with their tabs). It listens on 127.0.0.1 unless ``--host``
says otherwise, so only this computer can connect until a lecturer asks for more.
"""

from __future__ import annotations

import argparse
import shlex
import socket
import sys
from collections.abc import Callable

from .common import UsageError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
WILDCARD_HOSTS = ("0.0.0.0", "::", "")


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``tapeviz serve``."""
    p = sub.add_parser("serve", help="serve the terminal UI to a web browser (a class on a projector)")
    p.add_argument("source", nargs="?", default=None, help="what to open (default: the article's network)")
    p.add_argument("--lesson", default=None, metavar="ID", help="open this guided lesson instead of a source")
    p.add_argument("--dir", default=None, help="lessons folder for --lesson")
    p.add_argument("--port", type=_port, default=DEFAULT_PORT, help=f"TCP port (default {DEFAULT_PORT})")
    p.add_argument("--host", default=DEFAULT_HOST,
                   help="address to listen on (default 127.0.0.1: this computer only; 0.0.0.0: every network)")
    p.add_argument("--public-url", default=None, metavar="URL",
                   help="the address browsers use to reach this server, when it is not http://HOST:PORT")
    p.add_argument("--max-sessions", type=_sessions, default=None, metavar="N",
                   help="most browser tabs served at once (default: what half of the free memory holds, ~100 MB each)")
    p.add_argument("--theme", type=_theme, default="projector",
                   help="colours of the served UI (default projector: high contrast; any Textual theme name, e.g. textual-dark)")
    p.add_argument("--out", default=None, metavar="DIR",
                   help="also keep what students export or save (e, s) in DIR, one folder per session "
                        "(default: nothing is written on the server; the files go to the students' browsers)")
    p.add_argument("--no-prefork", dest="prefork", action="store_false",
                   help="start a new Python for every tab (by default tabs of a SOURCE are forked from one process "
                        "that has imported tapeviz and recorded SOURCE once: a class opens several times faster)")
    p.add_argument("--quit-grace", type=float, default=None, help=argparse.SUPPRESS)
    p.set_defaults(run=run_serve)


def _theme(text: str) -> str:
    from ..ui.palette import theme_names

    if text not in theme_names():
        raise argparse.ArgumentTypeError(f"invalid --theme {text!r}: give projector or a Textual theme ({', '.join(theme_names()[:6])}, ...)")
    return text


def _number_in(what: str, low: int, high: int | None, wanted: str) -> Callable[[str], int]:
    """An argparse type: a whole number from ``low`` to ``high`` (no upper end: None), else one line
    ``invalid WHAT 'TEXT': give WANTED``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < low or (high is not None and value > high):
            raise argparse.ArgumentTypeError(f"invalid {what} {text!r}: give {wanted}")
        return value

    return parse


_sessions = _number_in("--max-sessions", 1, None, "a whole number of at least 1")
_port = _number_in("port", 1, 65535, "a number 1..65535")


def app_argv(source: str | None, lesson: str | None = None, lessons_dir: str | None = None) -> list[str]:
    """The command started for each browser tab (this Python, this tapeviz)."""
    if source and lesson:
        raise UsageError("give a SOURCE or --lesson ID, not both")
    argv = [sys.executable, "-m", "tapeviz"]
    if lesson:
        argv += ["lesson", lesson] + (["--dir", lessons_dir] if lessons_dir else [])
    else:
        from .browse import default_source

        argv += ["open", source or default_source()]
    return argv


def app_command(source: str | None, lesson: str | None = None, lessons_dir: str | None = None) -> str:
    """:func:`app_argv` as one shell-quoted line (what the server's log shows)."""
    return shlex.join(app_argv(source, lesson, lessons_dir))


def public_url(host: str, port: int) -> str:
    """How a browser reaches the server: a wildcard address is replaced by this machine's name."""
    name = socket.gethostname() if host in WILDCARD_HOSTS else host
    name = f"[{name}]" if ":" in name else name
    return f"http://{name}:{port}"


def check_source(source: str | None, lesson: str | None, lessons_dir: str | None) -> None:
    """Fail in the terminal, in one line, before serving something every tab would fail to open."""
    if lesson:
        from ..lessons.loader import discover, find_entry
        from ..sources import lessons_folder

        find_entry(discover(lessons_folder(lessons_dir)), lesson)
    elif source:
        from ..sources import load_source

        load_source(source)


def out_folder(path: str) -> str:
    """``--out DIR`` as an absolute folder, created now: a folder that cannot be is one line before serving."""
    import os
    from pathlib import Path

    folder = Path(path).expanduser().absolute()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"--out {path}: cannot create the folder: {exc.strerror or exc}") from None
    if not os.access(folder, os.W_OK):
        raise UsageError(f"--out {path}: the folder is not writable")
    return str(folder)


def check_address(host: str, port: int) -> None:
    """Fail in one line when ``host:port`` cannot be listened on (port taken, unknown host)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server itself does
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc} (choose another --port or --host)") from None


def run_serve(args: argparse.Namespace) -> int:
    try:
        from textual_serve.server import Server  # noqa: F401  (the extra is installed)
    except ImportError:
        raise UsageError("tapeviz serve needs the textual-serve package: pip install 'tapeviz[serve]'") from None
    from . import classroom

    argv = app_argv(args.source, args.lesson, args.dir)
    check_source(args.source, args.lesson, args.dir)
    host = args.host
    check_address(host, args.port)
    max_sessions = args.max_sessions or classroom.default_max_sessions()
    server = classroom.ClassroomServer(
        argv, host=host, port=args.port, public_url=args.public_url or public_url(host, args.port),
        token=classroom.new_token(), max_sessions=max_sessions,
        title=f"tapeviz {args.lesson or args.source or ''}".strip(),
        quit_grace=classroom.QUIT_GRACE if args.quit_grace is None else args.quit_grace,
        prefork=argv[-1] if args.prefork and not args.lesson else None,  # (a lesson's tabs start one by one)
        env={"TAPEVIZ_THEME": args.theme, **({"TAPEVIZ_SERVE_OUT": out_folder(args.out)} if args.out else {})},
    )
    if classroom.is_loopback(host):
        print(f"tapeviz: serving on {server.url} to this computer only ({host}); "
              "--host 0.0.0.0 lets other computers connect", flush=True)
    else:
        print(f"tapeviz: WARNING: listening on {host}: every computer that can reach this one can try to connect. "
              "Only people given the link below (its token) get in; share it with the class only.", flush=True)
        print(f"tapeviz: serving on {server.url}", flush=True)
    print(f"tapeviz: at most {max_sessions} sessions at once (--max-sessions); Ctrl+C stops the server", flush=True)
    server.serve()
    return 0


__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "app_argv", "app_command", "public_url", "register", "run_serve"]
