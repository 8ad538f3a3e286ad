"""Docstrings name only versions that exist: nothing is added in a release to come."""

from __future__ import annotations

import re
from pathlib import Path

from packaging.version import Version

import slrt_core

ROOT = Path(__file__).resolve().parents[1]
DIRECTIVE = re.compile(r"\.\. (versionadded|versionchanged|deprecated):: *([0-9][0-9a-z.]*)")


def test_no_docstring_names_a_version_after_the_package() -> None:
    """Every ``versionadded`` (and ``versionchanged``, ``deprecated``) is <= __version__."""
    current = Version(slrt_core.__version__)
    late = [
        f"{path.relative_to(ROOT)}:{text[: m.start()].count(chr(10)) + 1}: {m.group(0)}"
        for folder in ("src", "docs")
        for path in sorted((ROOT / folder).rglob("*.[pm][yd]"))
        for text in [path.read_text(encoding="utf-8")]
        for m in DIRECTIVE.finditer(text)
        if Version(m.group(2)) > current
    ]
    assert not late, f"versions after {current}: {late}"
