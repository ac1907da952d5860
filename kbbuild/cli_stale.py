"""`kb stale`: entries whose review is due or that were never reviewed, by owner."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from .cli_common import load_checked
from .review import format_csv, format_text, red_line_overdue, stale_entries
from .settings import get_settings


@click.command()
@click.option("--owner", default=None, help="Only this owner's entries (the `owner` field).")
@click.option("--format", "fmt", type=click.Choice(["text", "csv"]), default="text", help="Output format.")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), default=None, hidden=True,
              help="Count as of this day (tests).")
@click.argument("kb_dir", required=False, type=click.Path(file_okay=False, path_type=Path))
def stale(owner: str | None, fmt: str, today: dt.datetime | None, kb_dir: Path | None) -> None:
    """List overdue and never-reviewed entries by owner; exit 1 when a red-line entry is overdue."""
    kb, problems = load_checked(kb_dir)
    if problems:
        click.echo(f"注意：知识库有 {len(problems)} 个问题，请运行 kb check", err=True)
    day = today.date() if today else dt.date.today()
    reviews = stale_entries((loc.entry for loc in kb.entries), day, get_settings().review_days, owner)
    click.echo(format_text(reviews) if fmt == "text" else format_csv(reviews).rstrip("\n"))
    if red := red_line_overdue(reviews):
        click.echo(f"{len(red)} 条高压线禁语逾期未复核：{'、'.join(r.id for r in red)}", err=True)
        sys.exit(1)
