"""When is it due? The due time of each time limit of an entry, from a start time and a calendar.

Natural units (秒, 分钟, 小时, 天) run by the clock; 个工作小时 count only working periods of working
days, and N 工作日 end when the N-th working day after the start day closes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .workcalendar import WorkCalendar

CLOCK_UNITS = {"秒": dt.timedelta(seconds=1), "分钟": dt.timedelta(minutes=1),
               "小时": dt.timedelta(hours=1), "天": dt.timedelta(days=1)}
WORKING_UNITS = ("个工作小时", "工作日")
MAX_VALUE = {"秒": 86_400 * 366, "分钟": 1440 * 366, "小时": 24 * 366, "天": 366,
             "个工作小时": 8 * 366, "工作日": 366}
_SEARCH_DAYS = 800  # a calendar with no working day would otherwise loop for ever


class DeadlineError(ValueError):
    """A start time or condition the calculator cannot use; the message says why, in Chinese."""


class WorkingTime:
    """Working days and periods of one calendar, with the arithmetic on them."""

    def __init__(self, calendar: WorkCalendar) -> None:
        self.calendar = calendar
        self.tz = calendar.tz()
        self._holidays = calendar.holiday_dates()
        self._workdays = calendar.workday_dates()
        self._weekend = set(calendar.weekend)
        self._periods = calendar.periods()

    def is_working_day(self, day: dt.date) -> bool:
        if day in self._workdays:
            return True
        return day not in self._holidays and day.isoweekday() not in self._weekend

    def _periods_of(self, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
        if not self.is_working_day(day):
            return []
        return [(dt.datetime.combine(day, a, self.tz), dt.datetime.combine(day, b, self.tz))
                for a, b in self._periods]

    def add_working_hours(self, start: dt.datetime, hours: float) -> dt.datetime:
        left = dt.timedelta(hours=hours)
        day = start.date()
        for _ in range(_SEARCH_DAYS):
            for a, b in self._periods_of(day):
                begin = max(a, start)
                if begin >= b:
                    continue
                if begin + left <= b:
                    # Exactly at a period's end counts as that day (due 12:00, not 13:00 after lunch).
                    return begin + left
                left -= b - begin
            day += dt.timedelta(days=1)
        raise DeadlineError("日历在两年内没有工作时段：检查 kb/calendar.yaml")

    def add_working_days(self, start: dt.datetime, days: int) -> dt.datetime:
        day, counted = start.date(), 0
        for _ in range(_SEARCH_DAYS):
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                counted += 1
                if counted >= days:
                    return dt.datetime.combine(day, self._periods[-1][1], self.tz)
        raise DeadlineError("日历在两年内没有足够的工作日：检查 kb/calendar.yaml")


def in_zone(start: dt.datetime, tz: dt.tzinfo) -> dt.datetime:
    """A start time in the calendar's zone; without an offset it already is the calendar's local time."""
    if start.tzinfo is None:
        return start.replace(tzinfo=tz)
    try:
        return start.astimezone(tz)
    except OverflowError:  # 0001-01-01 or 9999-12-31 with an offset: keep the time as given
        return start


def parse_start(text: str, tz: dt.tzinfo) -> dt.datetime:
    """An ISO 8601 time; without an offset it is the calendar's local time."""
    try:
        start = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise DeadlineError(f"开始时间 {text[:40]!r} 不是 ISO 8601 格式，例如 2026-12-04T17:30 或 "
                            "2026-12-04T17:30+08:00") from None
    return in_zone(start, tz)


@dataclass(frozen=True)
class Due:
    where: str  # path[2] / steps[5] / limits[0]
    label: str  # 地市客响 → 当地营业厅, a step's who, or the limit's what
    what: str | None
    condition: str | None
    limit: str  # 4 个工作小时
    due: dt.datetime | None  # None: not a deadline (a minimum or an exact pause)
    working_time: bool

    def as_json(self) -> dict[str, Any]:
        return {"where": self.where, "label": self.label, "what": self.what, "condition": self.condition,
                "limit": self.limit, "working_time": self.working_time,
                "due": self.due.isoformat(timespec="minutes") if self.due else None}


def limit_label(limit: Mapping[str, Any]) -> str:
    """4 个工作小时: a limit of an entry record (entries.json form)."""
    value = limit["value"]
    value = int(value) if value == int(value) else value
    return f"{value} {limit['unit']}"


def time_limits(record: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(where, label, limit) for every time limit of an entry record (entries.json form)."""
    out = []
    for i, hop in enumerate(record.get("path", [])):
        out += [(f"path[{i}]", f"{hop['from']} → {hop['to']}", lim) for lim in hop.get("within", [])]
    for i, step in enumerate(record.get("steps", [])):
        label = step.get("who") or f"第 {i + 1} 步"
        out += [(f"steps[{i}]", label, lim) for lim in step.get("within", [])]
    out += [(f"limits[{i}]", lim.get("what") or "时限", lim) for i, lim in enumerate(record.get("limits", []))]
    return [(w, label, lim) for w, label, lim in out if lim["unit"] in CLOCK_UNITS or lim["unit"] in WORKING_UNITS]


def conditions(record: dict[str, Any]) -> list[str]:
    return list(dict.fromkeys(lim["condition"] for _, _, lim in time_limits(record) if lim.get("condition")))


def due_times(record: dict[str, Any], start: dt.datetime, calendar: WorkingTime,
              condition: str | None = None) -> list[Due]:
    """The due time of each time limit of the entry; with a condition, only limits that apply to it."""
    known = conditions(record)
    if condition is not None and condition not in known:
        choices = "、".join(known) if known else "（这个条目的时限没有前提）"
        raise DeadlineError(f"没有前提为 {condition!r} 的时限；可选：{choices}")
    out = []
    for where, label, lim in time_limits(record):
        cond = lim.get("condition")
        if condition is not None and cond is not None and cond != condition:
            continue
        unit, value = lim["unit"], float(lim["value"])
        due = None
        if lim.get("bound", "max") == "max" and value <= MAX_VALUE[unit]:
            try:
                if unit == "个工作小时":
                    due = calendar.add_working_hours(start, value)
                elif unit == "工作日":
                    due = calendar.add_working_days(start, max(1, round(value)))
                else:
                    due = start + CLOCK_UNITS[unit] * value
            except OverflowError:  # past 9999-12-31: there is no such due time
                due = None
        out.append(Due(where, label, lim.get("what"), cond, limit_label(lim), due, unit in WORKING_UNITS))
    return out


def coverage_note(calendar: WorkCalendar, start: dt.datetime, dues: list[Due]) -> str | None:
    """A warning when a working-time deadline reaches a year whose holidays are not entered."""
    years = {start.year} | {d.due.year for d in dues if d.due and d.working_time}
    missing = sorted(y for y in years if y not in calendar.years)
    if not missing or not any(d.working_time for d in dues):
        return None
    return (f"工作日历没有录入 {'、'.join(map(str, missing))} 年的节假日和调休：按普通周末计算，"
            "请在 kb/calendar.yaml 里补上")
