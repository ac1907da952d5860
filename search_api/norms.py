"""Routes about the norms themselves: operator profiles and the deadline calculator."""
# No `from __future__ import annotations`: FastAPI must resolve the local Annotated aliases at runtime.

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import FastAPI, HTTPException, Query

from kbbuild.deadline import DeadlineError, conditions, coverage_note, due_times, in_zone, time_limits
from kbbuild.settings import Settings

from .release import Release
from .schemas import DeadlineResponse, Operators

ALL = "全部"  # operator=全部: every operator's norms, whatever the deployment's default


def chosen_operator(release: Release, asked: str | None, default: str | None) -> str | None:
    """The profile a request sees: the one it asks for, else the deployment's (KB_OPERATOR); None: all."""
    name = default if asked is None else asked
    if name in (None, "", ALL):
        return None
    if name not in release.profiles:  # 404: this build has no norms of that operator
        raise HTTPException(404, f"operator: no norms of operator {name!r} in this build; choose one of "
                                 f"{', '.join([*release.profiles, ALL])}")
    return name


def register(app: FastAPI, current: Callable[[], Release], settings: Settings, errors: dict[int | str, Any]) -> None:
    @app.get("/api/operators", response_model=Operators, responses=errors, tags=["entries"])
    async def operators() -> dict[str, Any]:
        """The operator profiles of this build and the deployment's default (KB_OPERATOR)."""
        release = current()
        return {"default": settings.operator, "profiles": release.profiles, "all": ALL}

    @app.get("/api/deadline", response_model=DeadlineResponse, responses=errors, tags=["entries"])
    async def deadline(
        entry: Annotated[str, Query(description="Entry id (an escalation, process or rule)", max_length=80)],
        start: Annotated[dt.datetime, Query(description="When the clock starts, ISO 8601 (2026-12-04T17:30; "
                                                        "no offset: the calendar's, +08:00)")],
        condition: Annotated[str | None, Query(description="Only the limits of this condition (紧急, 一般 …)",
                                               max_length=40)] = None,
    ) -> dict[str, Any]:
        """Due time of each time limit of an entry: clock units by the clock, 个工作小时 and 工作日 by the
        working calendar (kb/calendar.yaml: working hours, lunch, weekends, holidays, make-up days)."""
        release = current()
        record = release.entry(entry)
        if record is None:
            raise HTTPException(404, f"no entry with id {entry!r}")
        calendar = release.calendar
        if condition is not None and condition not in (known := conditions(record)):
            raise HTTPException(404, f"condition: no limit of {record['id']!r} applies when {condition!r}; "
                                     f"its conditions: {', '.join(known) or 'none'}")
        begin = in_zone(start, calendar.tz)
        try:
            dues = due_times(record, begin, calendar, condition)
        except DeadlineError as exc:
            raise HTTPException(422, str(exc)) from None
        note = coverage_note(calendar.calendar, begin, dues)
        if not time_limits(record):
            note = "这个条目没有结构化的时限"
        return {"entry": record["id"], "title": record["title"], "start": begin.isoformat(timespec="minutes"),
                "condition": condition, "deadlines": [d.as_json() for d in dues], "note": note,
                "now": dt.datetime.now(calendar.tz).isoformat(timespec="minutes")}
