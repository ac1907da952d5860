"""`kb gaps` on a log it did not write: a hand-made fixture (tests/data/searchlog/), exact groups and output."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from kbbuild.gaps import gap_report, log_paths, parse_since, read_lines, render_html

from .conftest import DATA
from .test_validate import small_kb

LOG = DATA / "searchlog"
SINCE = datetime(2026, 11, 1, tzinfo=timezone(timedelta(hours=8)))


def _groups(report: dict[str, object]) -> dict[str, list[tuple[str, int]]]:
    return {name: [(q["query"], q["count"]) for q in found]  # type: ignore[index]
            for name, found in report["groups"].items()}  # type: ignore[attr-defined]


def test_groups_of_the_fixture_log() -> None:
    report = gap_report(read_lines(log_paths(LOG)), SINCE)
    assert report["searches"] == 9 and report["counted"] == 7  # 应答, 应答时 were typing
    assert _groups(report) == {
        "zero": [("火星移民签证", 2), ("*********** 停机", 1)],
        "weak": [("携号转网要多久", 1)],
        "unused": [("开场白", 1)],  # the widget's; 应答时限 was opened
        "top": [("开场白", 2), ("火星移民签证", 2), ("*********** 停机", 1), ("应答时限", 1), ("携号转网要多久", 1)],
    }
    mars = report["groups"]["zero"][0]
    assert mars["examples"] == ["火星移民签证", "火星移民签证 "]
    assert [(c["id"], c["shown"]) for c in mars["closest"]] == [("r-answer", 2), ("f-repeat", 2), ("s-greet", 1)]
    assert report["groups"]["top"][3]["used"] == ["r-answer"]


def test_since_parses_durations_and_dates() -> None:
    now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    assert parse_since("7d", now) == now - timedelta(days=7)
    assert parse_since("24h", now) == now - timedelta(hours=24)
    assert parse_since("2026-11-01", now).date().isoformat() == "2026-11-01"
    with pytest.raises(ValueError, match="7d"):
        parse_since("last week", now)


def test_html_report_escapes_logged_queries() -> None:
    report = gap_report([{"time": "2026-11-20T09:00:00+08:00", "kind": "search", "query": "<script>x</script>",
                          "normalized": "<script>x</script>", "results": [], "matched": 0}], SINCE)
    html = render_html(report)
    assert "<script>x" not in html and "&lt;script&gt;x&lt;/script&gt;" in html
    assert html.startswith("<!doctype html>")


def _kb(root: Path) -> None:
    kb = small_kb(root)
    (kb / "r.yaml").write_text("id: r-answer\ntype: rule\ntitle: 应答时限\nchannels: [hotline]\nstatement: s\n"
                               "sources: [{doc: doc-a.txt, quote: 應在15秒內應答}]\n", "utf-8")


def test_kb_gaps_csv_names_the_closest_entries_and_where_they_are(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _kb(tmp_path)
    result = run("gaps", "--log", str(LOG), "--since", "2026-11-01", "--format", "csv", "--kb", "kb", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "group,query,count,last,examples,closest,closest_titles,closest_places,used"
    assert lines[1] == ("zero,火星移民签证,2,2026-11-20T09:05:00+08:00,火星移民签证 | 火星移民签证 ,"
                        "r-answer f-repeat s-greet,应答时限 |  | ,kb/r.yaml:1 |  | ,")
    assert [line.split(",")[:3] for line in lines[2:5]] == [
        ["zero", "*********** 停机", "1"], ["weak", "携号转网要多久", "1"], ["unused", "开场白", "1"]]


def test_kb_gaps_html_to_a_file(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = run("gaps", "--log", str(LOG), "--since", "2026-11-01", "--format", "html",
                 "--out", "gaps.html", "--kb", "nokb", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    html = (tmp_path / "gaps.html").read_text("utf-8")
    assert "零结果" in html and "火星移民签证" in html


def test_kb_gaps_rejects_a_bad_since(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = run("gaps", "--log", str(LOG), "--since", "yesterday", cwd=tmp_path)
    assert result.exit_code == 2
    assert "--since" in result.output
