"""Which code is tapeviz's own (or the standard library's) and which is the learner's.

The site recorder walks out of tapeviz's frames to the learner's line; this module tells the two
apart by the module, never by where a file sits in general.
"""

from __future__ import annotations

import sys
import sysconfig
from collections.abc import Callable
from pathlib import Path
from types import CodeType
from typing import Any, TypeVar

_F = TypeVar("_F", bound=Callable[..., Any])

__all__ = ["is_library_code", "is_tapeviz_code", "leaves_the_program", "program_edges"]

# What is tapeviz's own code is told by the module (its ``__name__``, or a file in the package's
# real folder), never by where a file sits in general: a wheel installs tapeviz and the learner's
# programs alike under site-packages, a notebook cell or a temporary file is the learner's too.
# The built-in examples (``tapeviz.examples``) and the lessons and examples a wheel bundles
# (``tapeviz/_bundled``) are programs, the learner's code.
_PACKAGE_NAME = __name__.split(".")[0]  # tapeviz
_PACKAGE = str(Path(__file__).resolve().parent.parent) + "/"
_PROGRAM_MODULES = (f"{_PACKAGE_NAME}.examples", f"{_PACKAGE_NAME}._bundled")
_PROGRAM_FOLDERS = tuple(_PACKAGE + m.split(".", 1)[1] + "/" for m in _PROGRAM_MODULES)


def _install_folders(*keys: str) -> tuple[str, ...]:
    paths = sysconfig.get_paths()
    return tuple({str(Path(p).resolve()) + "/" for key in keys if (p := paths.get(key))})


# The standard library is library code; installed packages' folders are not excluded wholesale
# (a program copied there is still a program), but they lie inside the standard library's
# folder in some layouts (prefix/lib/python3.X/site-packages), so they are told apart first.
_STDLIB = _install_folders("stdlib", "platstdlib")
_SITE = _install_folders("purelib", "platlib") + tuple(
    str(Path(p).resolve()) + "/" for p in sys.path if p.endswith(("site-packages", "dist-packages")))


def is_tapeviz_code(module: object, file: str) -> bool:
    """True for tapeviz's own modules (not its examples or bundled programs)."""
    if isinstance(module, str) and (module == _PACKAGE_NAME or module.startswith(_PACKAGE_NAME + ".")):
        return not module.startswith(_PROGRAM_MODULES)
    return file.startswith(_PACKAGE) and not file.startswith(_PROGRAM_FOLDERS)


def is_library_code(module: object, file: str) -> bool:
    """tapeviz's own code or the standard library's (``file`` resolved); everything else, wherever
    it sits, is the learner's: programs, notebooks, tests, lessons."""
    if is_tapeviz_code(module, file):
        return True
    if file.startswith("<"):
        return file.startswith("<frozen")
    return file.startswith(_STDLIB) and not file.startswith(_SITE)


# Code objects of tapeviz functions that run the program's code from outside it; see below.
program_edges: dict[int, CodeType] = {}


def leaves_the_program(function: _F) -> _F:
    """Mark a tapeviz function that runs a step of the program from outside the program (the
    UI's ``t`` trains one more step): the frames that called it are never the program's line,
    even where they belong to an installed package (the UI's worker thread, textual/worker.py)."""
    code = function.__code__  # type: ignore[attr-defined]
    program_edges[id(code)] = code
    return function
