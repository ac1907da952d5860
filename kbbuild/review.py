"""Which entries are due for review: `reviewed` + `review_every` (or the type's default) is past."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .model import SEVERITY_LABELS, TYPE_LABELS

NO_OWNER = "（无负责人）"


@dataclass(frozen=True)
class Review:
    """One entry's review state on a given day."""

    id: str
    type: str
    title: str
    owner: str | None
    reviewed: dt.date | None
    interval_days: int
    due: dt.date | None  # None: never reviewed
    overdue_days: int | None  # days past `due` (0 or more: due); None: never reviewed
    red_line: bool

    @property
    def stale(self) -> bool:
        """Never reviewed, or its review is due."""
        return self.due is None or self.overdue_days is not None and self.overdue_days >= 0

    @property
    def overdue(self) -> bool:
        """Reviewed once and now past its interval (never-reviewed entries are reported apart)."""
        return self.overdue_days is not None and self.overdue_days >= 0


def review_of(entry: Any, today: dt.date, defaults: Mapping[str, int]) -> Review:
    interval = entry.review_every or defaults.get(entry.type, 180)
    due = entry.reviewed + dt.timedelta(days=interval) if entry.reviewed else None
    return Review(entry.id, entry.type, entry.title, entry.owner, entry.reviewed, interval, due,
                  (today - due).days if due else None,
                  entry.type == "forbidden" and entry.severity == "red-line")


def stale_entries(entries: Iterable[Any], today: dt.date, defaults: Mapping[str, int],
                  owner: str | None = None) -> list[Review]:
    """Overdue and never-reviewed entries, by owner, most overdue first (never reviewed last)."""
    found = [r for e in entries if (r := review_of(e, today, defaults)).stale
             and (owner is None or (r.owner or "") == owner)]
    return sorted(found, key=lambda r: (r.owner or "\uffff", r.due is None, -(r.overdue_days or 0), r.id))


def red_line_overdue(reviews: Iterable[Review]) -> list[Review]:
    """Red-line entries whose review is overdue: `kb stale` exits 1 on any."""
    return [r for r in reviews if r.red_line and r.overdue]


def _state(r: Review) -> str:
    if r.due is None:
        return "从未复核"
    return f"逾期 {r.overdue_days} 天（{r.reviewed} 复核，每 {r.interval_days} 天）"


def format_text(reviews: list[Review]) -> str:
    """Grouped by owner, in Chinese, one line per entry."""
    if not reviews:
        return "没有待复核的条目"
    lines: list[str] = []
    owner: object = object()
    for r in reviews:
        if r.owner != owner:
            owner = r.owner
            mine = [x for x in reviews if x.owner == r.owner]
            lines.append(f"{r.owner or NO_OWNER}（{len(mine)} 条）")
        mark = f" [{SEVERITY_LABELS['red-line']}]" if r.red_line else ""
        lines.append(f"  {r.id}  {TYPE_LABELS[r.type]}  {r.title}{mark}  {_state(r)}")
    never = sum(r.due is None for r in reviews)
    lines.append(f"共 {len(reviews)} 条待复核：逾期 {len(reviews) - never} 条，从未复核 {never} 条")
    return "\n".join(lines)


CSV_FIELDS = ("owner", "id", "type", "title", "red_line", "reviewed", "review_every", "due", "overdue_days")


def format_csv(reviews: list[Review]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_FIELDS)
    for r in reviews:
        writer.writerow([r.owner or "", r.id, r.type, r.title, "yes" if r.red_line else "",
                         r.reviewed or "", r.interval_days, r.due or "",
                         "" if r.overdue_days is None else r.overdue_days])
    return out.getvalue()
