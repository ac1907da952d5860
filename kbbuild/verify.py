"""Is a release intact? Checksums of its files (recorded by the build) and canary queries."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

MANIFEST = "manifest.json"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def checksums(folder: Path) -> dict[str, str]:
    """sha256 of every file of a release (but its manifest), by path relative to the release."""
    return {p.relative_to(folder).as_posix(): _sha256(p)
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != MANIFEST}


def damaged(folder: Path, manifest: dict[str, Any]) -> list[str]:
    """What differs from the build's record: missing, changed or truncated files (empty: intact)."""
    expected: dict[str, str] = manifest.get("files") or {}
    problems = []
    for rel, digest in expected.items():
        path = folder / rel
        try:
            if _sha256(path) != digest:
                problems.append(f"{rel} changed since the build")
        except OSError as exc:
            problems.append(f"{rel}: {exc.strerror or exc}")
    return problems
