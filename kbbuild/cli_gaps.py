"""`kb gaps`: what agents searched for and did not find, from the server's search log."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from .gaps import format_csv, format_text, gap_report, log_paths, parse_since, read_lines, render_html
from .settings import get_settings


def _entries(kb_dir: Path | None) -> dict[str, dict[str, str]]:
    """id → title and file:line, so the report says where to add a question; empty if the KB cannot load."""
    from .load import load_kb

    root = kb_dir or get_settings().kb_dir
    if not root.is_dir():
        return {}
    kb = load_kb(root, cwd=Path.cwd())
    return {loc.entry.id: {"title": loc.entry.title, "place": f"{loc.file}:{loc.line}"} for loc in kb.entries}


@click.command()
@click.option("--since", default="7d", show_default=True, help="7d, 24h, 30m, 2w or a date (2026-11-01).")
@click.option("--format", "fmt", type=click.Choice(["text", "csv", "html"]), default="text", help="Output format.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the report to this file instead of printing it (e.g. gaps.html, to open in a browser).")
@click.option("--log", "log_dir", type=click.Path(exists=True, path_type=Path), default=None,
              help="A log file or folder (default: the server's, KB_DATA_DIR/searchlog).")
@click.option("--top", type=click.IntRange(1, 1000), default=20, show_default=True, help="How many top queries.")
@click.option("--kb", "kb_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="KB folder, for entry titles and files (default kb/).")
def gaps(since: str, fmt: str, out: Path | None, log_dir: Path | None, top: int, kb_dir: Path | None) -> None:
    """Group logged searches: zero results, weak results, nothing used, top queries; with the closest entries."""
    try:
        start = parse_since(since, datetime.now().astimezone())
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--since") from None
    paths = log_paths(log_dir or get_settings().data_dir / "searchlog")
    if not paths:
        click.echo(f"没有搜索日志：{log_dir or get_settings().data_dir / 'searchlog'}", err=True)
    report = gap_report(read_lines(paths), start, _entries(kb_dir), top)
    text = {"text": format_text, "csv": format_csv, "html": render_html}[fmt](report)
    if out is None:
        click.echo(text.rstrip("\n"))
        return
    out.write_text(text, "utf-8")
    click.echo(f"已写入 {out}", err=True)
