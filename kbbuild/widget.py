"""The in-call widget's static files (widget.js and its demo page), copied into each build."""

from __future__ import annotations

import shutil
from pathlib import Path

ASSETS = Path(__file__).parent / "assets" / "widget"


def copy_assets(out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    copied = []
    for src in sorted(ASSETS.iterdir()):
        if src.is_file():
            copied.append(Path(shutil.copy2(src, out_dir / src.name)))
    return copied
