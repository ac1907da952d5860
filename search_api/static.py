"""Files of the current build (site, handbook, widget), resolved safely inside the release folder."""

from __future__ import annotations

from pathlib import Path

from starlette.responses import FileResponse, Response


def resolve(base: Path, rel: str) -> Path | None:
    """The file for URL path `rel` under `base`, or None; never escapes `base`."""
    base = base.resolve()
    try:
        target = (base / rel.lstrip("/")).resolve()
    except (OSError, ValueError):
        return None
    if not target.is_relative_to(base):
        return None
    if target.is_dir():
        target = target / "index.html"
    return target if target.is_file() else None


def file_response(path: Path) -> Response:
    media = "text/html; charset=utf-8" if path.suffix == ".html" else None
    return FileResponse(path, media_type=media, headers={"Cache-Control": "no-cache"})
