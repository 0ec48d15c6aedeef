"""Build step that pyproject.toml cannot express alone: copy the repository's top-level folders
named in ``[tool.tapeviz.bundle]`` (lessons/, examples/) into the package as ``tapeviz/_bundled/``,
so a wheel carries them while the clone keeps them at the top level. Everything else about the
package lives in pyproject.toml. An editable install reads the clone's folders directly.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

if sys.version_info >= (3, 11):
    import tomllib
else:  # pyproject's build-system requires tomli there
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent
SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", ".*")


def bundle_map() -> dict[str, str]:
    """``{folder in the repository: folder inside tapeviz/_bundled}`` from pyproject.toml."""
    with open(ROOT / "pyproject.toml", "rb") as fh:
        return dict(tomllib.load(fh)["tool"]["tapeviz"]["bundle"])


class BuildWithBundle(build_py):
    """build_py that also copies the bundled folders into the built package."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        for source, target in bundle_map().items():
            dest = Path(self.build_lib) / "tapeviz" / "_bundled" / target
            if dest.exists():
                shutil.rmtree(dest)
            shutil.copytree(ROOT / source, dest, ignore=SKIP)


setup(cmdclass={"build_py": BuildWithBundle})
