"""The files the developer documents name exist: a renamed or moved file fails here, not in a
reader's hands (README.md, ARCHITECTURE.md, CONTRIBUTING.md, lessons/README.md)."""

from __future__ import annotations

import re

import pytest

from tests.support.paths import REPO

DOCS = ["README.md", "ARCHITECTURE.md", "CONTRIBUTING.md", "lessons/README.md"]
BUILT = {"tapeviz/_bundled/"}  # made by setup.py inside a wheel, never in the repository
PATH = re.compile(r"`((?:tapeviz|tests|lessons|examples|bench|assets|scripts)/[\w./*-]+)`")


@pytest.mark.parametrize("doc", DOCS)
def test_every_path_a_doc_names_exists(doc: str) -> None:
    text = (REPO / doc).read_text(encoding="utf-8")
    named = set(PATH.findall(text))
    missing = sorted(p for p in named if "NN-" not in p and p not in BUILT and not any(REPO.glob(p.rstrip("/"))))
    assert not missing, f"{doc} names files that do not exist: {missing}"


def test_short_paths_in_the_package_paragraphs_exist() -> None:
    """``engine/ops/`` style names (relative to tapeviz/) in ARCHITECTURE.md."""
    text = (REPO / "ARCHITECTURE.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`((?:engine|keras|tf|trace|view|render|ui|cli|jupyter)/[\w./-]+)`", text))
    missing = sorted(p for p in named if not (REPO / "tapeviz" / p).exists())
    assert not missing, f"ARCHITECTURE.md names files that do not exist under tapeviz/: {missing}"
