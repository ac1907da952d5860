"""The deadline calculator: clock units by the clock, working hours and days by kb/calendar.yaml."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from pydantic import ValidationError

from kbbuild.cli import main
from kbbuild.deadline import DeadlineError, WorkingTime, coverage_note, due_times, parse_start
from kbbuild.load import load_kb
from kbbuild.settings import ROOT, get_settings
from kbbuild.validate import check_kb
from kbbuild.workcalendar import WorkCalendar

CST = dt.timezone(dt.timedelta(hours=8))
GREEN = "cmcc-green-channel-front-line-to-city-response"  # 紧急 1 / 一般 4 个工作小时


@pytest.fixture(scope="module")
def calendar() -> WorkingTime:
    """The repo's calendar: 09:00–12:00 and 13:00–18:00, weekends off, 2026 holidays and make-up days."""
    return WorkingTime(load_kb(ROOT / "kb").calendar)


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=CST)


def hours(n: float) -> dict[str, object]:
    return {"id": "x", "title": "x", "path": [{"from": "a", "to": "b", "within": [
        {"value": n, "unit": "个工作小时", "bound": "max"}]}]}


@pytest.mark.parametrize(("start", "add", "due"), [
    ("2026-12-08T11:30", 1, "2026-12-08T13:30"),   # across lunch (12:00–13:00 does not count)
    ("2026-12-08T17:30", 1, "2026-12-09T09:30"),   # overnight
    ("2026-12-04T17:30", 4, "2026-12-07T13:30"),   # Friday evening: the weekend does not count
    ("2026-09-30T17:00", 2, "2026-10-08T10:00"),   # 国庆 1–7 October are holidays
    ("2026-10-09T17:00", 2, "2026-10-10T10:00"),   # Saturday 10 October is a make-up working day
    ("2026-12-06T10:00", 1, "2026-12-07T10:00"),   # starts on a Sunday
    ("2026-12-08T07:00", 1, "2026-12-08T10:00"),   # starts before opening
    ("2026-12-08T12:20", 1, "2026-12-08T14:00"),   # starts during lunch
    ("2026-12-08T11:00", 1, "2026-12-08T12:00"),   # ends exactly at a period's end: before lunch
])
def test_working_hours(calendar: WorkingTime, start: str, add: float, due: str) -> None:
    [found] = due_times(hours(add), at(start), calendar)
    assert found.due == at(due)
    assert found.working_time


def test_working_days_skip_holidays_and_end_at_closing(calendar: WorkingTime) -> None:
    record = {"path": [{"from": "售后", "to": "客户", "within": [{"value": 2, "unit": "工作日", "bound": "max"}]}]}
    [found] = due_times(record, at("2026-09-30T16:00"), calendar)
    assert found.due == at("2026-10-09T18:00")  # 8 and 9 October; the start day does not count


def test_clock_units_ignore_the_calendar(calendar: WorkingTime) -> None:
    record = {"limits": [{"value": 24, "unit": "小时", "bound": "max"}, {"value": 30, "unit": "秒", "bound": "max"}]}
    a, b = due_times(record, at("2026-09-30T16:00"), calendar)
    assert a.due == at("2026-10-01T16:00") and not a.working_time
    assert b.due == at("2026-09-30T16:00:30")


def test_minimums_and_non_time_limits_are_not_deadlines(calendar: WorkingTime) -> None:
    record = {"limits": [{"value": 5, "unit": "分钟", "bound": "min"}, {"value": 100, "unit": "%", "bound": "min"}]}
    [found] = due_times(record, at("2026-12-08T10:00"), calendar)
    assert found.due is None and found.limit == "5 分钟"


def test_condition_picks_its_limit_and_an_unknown_one_names_the_choices(repo_kb, calendar: WorkingTime) -> None:  # type: ignore[no-untyped-def]
    from kbbuild.build import entry_record

    record = entry_record(repo_kb.by_id()[GREEN])
    both = due_times(record, at("2026-12-04T17:30"), calendar)
    assert {(d.condition, d.due) for d in both} == {("紧急", at("2026-12-07T09:30")), ("一般", at("2026-12-07T13:30"))}
    [urgent] = due_times(record, at("2026-12-04T17:30"), calendar, "紧急")
    assert urgent.limit == "1 个工作小时"
    with pytest.raises(DeadlineError, match="紧急、一般"):
        due_times(record, at("2026-12-04T17:30"), calendar, "特急")


def test_start_times(calendar: WorkingTime) -> None:
    assert parse_start("2026-12-08T01:00Z", calendar.tz) == at("2026-12-08T09:00")
    assert parse_start("2026-12-08 09:00", calendar.tz) == at("2026-12-08T09:00")
    with pytest.raises(DeadlineError, match="ISO 8601"):
        parse_start("明天上午", calendar.tz)


def test_a_year_without_holidays_is_named(calendar: WorkingTime) -> None:
    dues = due_times(hours(1), at("2026-12-31T17:30"), calendar)
    assert "2027" in (coverage_note(calendar.calendar, at("2026-12-31T17:30"), dues) or "")
    assert coverage_note(calendar.calendar, at("2026-12-08T10:00"), due_times(hours(1), at("2026-12-08T10:00"),
                                                                              calendar)) is None


def test_calendar_rules() -> None:
    with pytest.raises(ValidationError, match="overlap"):
        WorkCalendar.model_validate({"hours": [{"start": "09:00", "end": "12:00"}, {"start": "11:00", "end": "18:00"}]})
    with pytest.raises(ValidationError, match="both a holiday and a make-up working day"):
        WorkCalendar.model_validate({"holidays": [{"date": "2026-10-01", "to": "2026-10-07", "name": "国庆节"}],
                                     "workdays": [{"date": "2026-10-03", "name": "错"}]})
    with pytest.raises(ValidationError):
        WorkCalendar.model_validate({"hours": [{"start": "18:00", "end": "09:00"}]})


def test_kb_check_names_a_bad_calendar_line(kb_copy: Path) -> None:
    text = (kb_copy / "calendar.yaml").read_text("utf-8").replace('{start: "13:00", end: "18:00"}',
                                                                  '{start: "13:00", end: "25:00"}')
    (kb_copy / "calendar.yaml").write_text(text, "utf-8")
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "25:00" in t)
    problems = check_kb(load_kb(kb_copy, cwd=kb_copy.parent))
    assert [(p.file, p.line) for p in problems if not p.warning] == [("kb/calendar.yaml", line)]
    overlapping = text.replace("25:00", "18:00").replace('{start: "13:00"', '{start: "11:30"')
    (kb_copy / "calendar.yaml").write_text(overlapping, "utf-8")
    [problem] = [p for p in check_kb(load_kb(kb_copy, cwd=kb_copy.parent)) if not p.warning]
    assert "工作时段 09:00–12:00 与 11:30–18:00 重叠" in problem.render("zh")
    assert "overlap" in problem.render("en")


def test_every_time_in_the_kb_texts_has_a_structured_limit(repo_kb) -> None:  # type: ignore[no-untyped-def]
    from kbbuild.lint_times import check_times

    assert [str(p) for p in check_times(repo_kb.entries)] == []


def test_api_deadline(client: TestClient) -> None:
    r = client.get("/api/deadline", params={"entry": GREEN, "start": "2026-12-04T17:30", "condition": "紧急"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["start"] == "2026-12-04T17:30+08:00"
    assert [(d["condition"], d["due"]) for d in body["deadlines"]] == [("紧急", "2026-12-07T09:30+08:00")]
    assert client.get("/api/deadline", params={"entry": "no-such", "start": "2026-12-04T17:30"}).status_code == 404
    bad = client.get("/api/deadline", params={"entry": GREEN, "start": "tomorrow"})
    assert bad.status_code == 422 and bad.json()["error"].startswith("start:")
    naive_z = client.get("/api/deadline", params={"entry": GREEN, "start": "2026-12-04T09:30Z"}).json()
    assert naive_z["start"] == "2026-12-04T17:30+08:00"  # UTC converted to the calendar's zone
    unknown = client.get("/api/deadline", params={"entry": GREEN, "start": "2026-12-04T17:30", "condition": "特急"})
    assert unknown.status_code == 404 and "紧急, 一般" in unknown.json()["error"]
    far = client.get("/api/deadline", params={"entry": GREEN, "start": "9999-12-31T17:30"})
    assert far.status_code == 200 and all(d["due"] is None for d in far.json()["deadlines"])
    assert client.get("/api/deadline", params={"entry": GREEN}).status_code == 422  # start is required


def test_cli_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    get_settings.cache_clear()
    result = CliRunner().invoke(main, ["deadline", GREEN, "--start", "2026-12-04T17:30", "--format", "json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert [d["due"] for d in body["deadlines"]] == ["2026-12-07T09:30+08:00", "2026-12-07T13:30+08:00"]
    text = CliRunner().invoke(main, ["deadline", GREEN, "--start", "2026-12-04T17:30", "--condition", "一般"])
    assert "截止 2026-12-07 13:30 （周一）" in text.stdout and "09:30" not in text.stdout
    missing = CliRunner().invoke(main, ["deadline", "no-such-entry", "--start", "2026-12-04T17:30"])
    assert missing.exit_code == 2 and "no entry with id 'no-such-entry'" in missing.output


def test_cli_deadline_on_a_broken_kb_says_what_was_not_done(kb_copy: Path) -> None:
    (kb_copy / "broken.yaml").write_text("id: x\ntype: script\n", "utf-8")
    result = CliRunner().invoke(main, ["deadline", GREEN, "--start", "2026-12-04T17:30", "--kb", str(kb_copy)])
    assert result.exit_code == 1 and "未计算截止时间" in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)
