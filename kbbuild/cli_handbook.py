"""`kb handbook`: print the KB (or one channel or type of it) as an A4 PDF."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from .cli_common import require_clean
from .model import CHANNELS, TYPES
from .settings import get_settings


@click.command()
@click.option("--channel", type=click.Choice(CHANNELS), default=None,
              help="Only entries for this channel (default: all channels).")
@click.option("--type", "type_", type=click.Choice(TYPES), default=None,
              help="Only entries of this type (default: all types).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="PDF to write (default build/handbook-<channel or all>.pdf); the HTML goes beside it.")
@click.argument("kb_dir", required=False, type=click.Path(file_okay=False, path_type=Path))
def handbook(channel: str | None, type_: str | None, out: Path | None, kb_dir: Path | None) -> None:
    """Render the printable handbook (PDF with cover, contents and page numbers)."""
    from .build import kb_hash
    from .handbook import HandbookError, make_handbook

    settings = get_settings()
    kb = require_clean(kb_dir, "handbook not made")
    if out is None:
        name = f"handbook-{channel or 'all'}" + (f"-{type_}" if type_ else "")
        out = settings.build_dir / f"{name}.pdf"
    start = time.perf_counter()
    try:
        result = make_handbook([loc.entry for loc in kb.entries], kb.sources, out.parent,
                               kb_version=kb_hash(kb), channel=channel, type_=type_, basename=out.stem)
    except HandbookError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    click.echo(f"{result.pdf}: {result.pages} pages, {result.entries} entries "
               f"in {time.perf_counter() - start:.1f} s")
