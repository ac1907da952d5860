"""`kb deadline`: when each time limit of an entry falls due, from a start time."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import click

from .cli_common import require_clean
from .deadline import DeadlineError, WorkingTime, coverage_note, due_times, parse_start, time_limits


@click.command()
@click.argument("entry_id")
@click.option("--start", default=None, help="When the clock starts, ISO 8601: 2026-12-04T17:30 (no offset: "
                                            "the calendar's, +08:00). Default: now.")
@click.option("--condition", default=None, help="Only the limits of this condition (紧急, 一般 …).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.option("--kb", "kb_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="KB folder (default kb/); its calendar.yaml is the working calendar.")
def deadline(entry_id: str, start: str | None, condition: str | None, fmt: str, kb_dir: Path | None) -> None:
    """Due time of each time limit of ENTRY_ID: 个工作小时 and 工作日 by kb/calendar.yaml."""
    from .build import entry_record
    from .operators import doc_operators

    kb = require_clean(kb_dir, "no_deadline")
    # The entry by its id, or by an id it had before a merge (aliases); only its record is made.
    entry = next((loc.entry for loc in kb.entries if entry_id == loc.entry.id or entry_id in loc.entry.aliases), None)
    if entry is None:
        raise click.BadParameter(f"no entry with id {entry_id!r}", param_hint="ENTRY_ID")
    record = entry_record(entry, by_doc=doc_operators(kb.sources))
    calendar = WorkingTime(kb.calendar)
    try:
        begin = parse_start(start, calendar.tz) if start else dt.datetime.now(calendar.tz)
        dues = due_times(record, begin, calendar, condition)
    except DeadlineError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    note = coverage_note(kb.calendar, begin, dues)
    if fmt == "json":
        click.echo(json.dumps({"entry": record["id"], "start": begin.isoformat(timespec="minutes"),
                               "deadlines": [d.as_json() for d in dues], "note": note}, ensure_ascii=False))
        return
    click.echo(f"{record['id']}  {record['title']}")
    click.echo(f"开始 {begin:%Y-%m-%d %H:%M} ({kb.calendar.utc_offset})")
    if not time_limits(record):
        click.echo("这个条目没有结构化的时限")
    for d in dues:
        cond = f"[{d.condition}] " if d.condition else ""
        due = f"截止 {d.due:%Y-%m-%d %H:%M} （周{'一二三四五六日'[d.due.weekday()]}）" if d.due else "（不是截止时限）"
        click.echo(f"  {d.where:<10} {cond}{d.label}：{d.limit}  {due}")
    if note:
        click.echo(f"注意：{note}", err=True)
