"""The working calendar (kb/calendar.yaml) that 个工作小时 and 工作日 limits are counted in."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from .messages import model_error
from .model import CLOCK_PATTERN

ClockTime = Annotated[str, StringConstraints(pattern=CLOCK_PATTERN)]
OFFSET_PATTERN = r"^[+-](?:0\d|1[0-4]):[0-5]\d$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def clock(text: str) -> dt.time:
    return dt.time.fromisoformat(text)


class Period(_Strict):
    """One working period of a day, e.g. 09:00–12:00."""

    start: ClockTime
    end: ClockTime

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if clock(self.end) <= clock(self.start):
            raise model_error("period_order", start=self.start, end=self.end)
        return self


class Days(_Strict):
    """A day or a run of days (a holiday of several days), with its name."""

    date: dt.date
    to: dt.date | None = None  # last day, inclusive
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]

    @model_validator(mode="after")
    def _ordered(self) -> Days:
        if self.to is not None and self.to < self.date:
            raise model_error("days_order", to=str(self.to), date=str(self.date))
        return self

    def dates(self) -> list[dt.date]:
        last = self.to or self.date
        return [self.date + dt.timedelta(days=i) for i in range((last - self.date).days + 1)]


# Documented in docs/editing.md (工作日历); keep in step.
DEFAULT_HOURS = (Period(start="09:00", end="12:00"), Period(start="13:00", end="18:00"))


class WorkCalendar(_Strict):
    # China has one time zone and no daylight saving: a fixed UTC offset is exact.
    utc_offset: Annotated[str, StringConstraints(pattern=OFFSET_PATTERN)] = "+08:00"
    hours: Annotated[list[Period], Field(min_length=1)] = list(DEFAULT_HOURS)
    weekend: list[Literal[1, 2, 3, 4, 5, 6, 7]] = [6, 7]  # ISO weekdays: 6 Saturday, 7 Sunday
    # Years whose public holidays and make-up days are entered; a deadline outside them says so.
    years: list[int] = []
    holidays: list[Days] = []
    workdays: list[Days] = []  # make-up working days (调休上班), weekends that are working days

    @model_validator(mode="after")
    def _consistent(self) -> WorkCalendar:
        periods = sorted(self.hours, key=lambda p: p.start)
        for a, b in zip(periods, periods[1:], strict=False):
            if clock(b.start) < clock(a.end):
                raise model_error("periods_overlap", a=f"{a.start}–{a.end}", b=f"{b.start}–{b.end}")
        both = self.holiday_dates() & self.workday_dates()
        if both:
            raise model_error("holiday_and_workday", day=str(min(both)))
        return self

    def tz(self) -> dt.timezone:
        sign = -1 if self.utc_offset[0] == "-" else 1
        hours, minutes = map(int, self.utc_offset[1:].split(":"))
        return dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))

    def holiday_dates(self) -> set[dt.date]:
        return {d for days in self.holidays for d in days.dates()}

    def workday_dates(self) -> set[dt.date]:
        return {d for days in self.workdays for d in days.dates()}

    def periods(self) -> list[tuple[dt.time, dt.time]]:
        return sorted((clock(p.start), clock(p.end)) for p in self.hours)
