"""Review dates: `kb stale` lists overdue and never-reviewed entries by owner; a red line overdue exits 1."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from kbbuild.load import load_kb
from kbbuild.review import red_line_overdue, stale_entries
from kbbuild.settings import get_settings

from .test_validate import small_kb

SOURCE = "sources: [{doc: doc-a.txt, quote: 應在15秒內應答}]\n"
DEFAULTS = {"script": 180, "process": 180, "forbidden": 180, "escalation": 180, "rule": 90}


def _kb(root: Path) -> Path:
    kb = small_kb(root)
    (kb / "rules.yaml").write_text(
        "- {id: r-old, type: rule, title: 旧规则, channels: [hotline], statement: s, owner: 张三,"
        " reviewed: 2026-01-01}\n"
        "- {id: r-fresh, type: rule, title: 新规则, channels: [hotline], statement: s, owner: 张三,"
        " reviewed: 2026-11-20}\n"
        "- {id: r-never, type: rule, title: 未复核规则, channels: [hotline], statement: s, owner: 李四}\n"
        "- {id: r-short, type: rule, title: 短周期, channels: [hotline], statement: s, reviewed: 2026-11-20,"
        " review_every: 7}\n"
        .replace("statement: s", "statement: s, " + SOURCE.strip().removesuffix("\n")), "utf-8")
    (kb / "forbidden.yaml").write_text(
        "id: f-red\ntype: forbidden\ntitle: 红线\nchannels: [hotline]\nphrases: [你再说一遍]\ninstead: [请您再说一遍]\n"
        "why: w\nseverity: red-line\nowner: 李四\nreviewed: 2026-03-01\n" + SOURCE, "utf-8")
    return kb


def test_stale_entries_by_owner_most_overdue_first(tmp_path: Path) -> None:
    kb = load_kb(_kb(tmp_path))
    assert not kb.problems
    found = stale_entries((loc.entry for loc in kb.entries), dt.date(2026, 12, 1), DEFAULTS)
    assert [(r.owner, r.id, r.overdue_days) for r in found] == [
        ("张三", "r-old", 244),       # 2026-01-01 + 90 days = 2026-04-01
        ("李四", "f-red", 95),        # 2026-03-01 + 180 days = 2026-08-28
        ("李四", "r-never", None),    # never reviewed: reported, after the overdue ones
        (None, "r-short", 4),         # its own interval: 7 days
    ]
    assert [r.id for r in red_line_overdue(found)] == ["f-red"]
    assert [r.id for r in stale_entries((loc.entry for loc in kb.entries), dt.date(2026, 12, 1), DEFAULTS,
                                        owner="张三")] == ["r-old"]


@pytest.fixture
def run(run, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """conftest's `kb` runner, with review intervals per type."""
    monkeypatch.setenv("KB_REVIEW_DAYS", '{"rule": 90, "forbidden": 180}')
    get_settings.cache_clear()
    return run


def test_kb_stale_exits_1_on_an_overdue_red_line(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _kb(tmp_path)
    result = run("stale", "--today", "2026-12-01", "kb", cwd=tmp_path)
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "张三（1 条）",
        "  r-old  规则与时限  旧规则  逾期 244 天（2026-01-01 复核，每 90 天）",
        "李四（2 条）",
        "  f-red  服务禁语  红线 [高压线]  逾期 95 天（2026-03-01 复核，每 180 天）",
        "  r-never  规则与时限  未复核规则  从未复核",
        "（无负责人）（1 条）",
        "  r-short  规则与时限  短周期  逾期 4 天（2026-11-20 复核，每 7 天）",
        "共 4 条待复核：逾期 3 条，从未复核 1 条",
    ]
    assert "1 条高压线禁语逾期未复核：f-red" in result.stderr


def test_kb_stale_owner_filter_and_csv(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _kb(tmp_path)
    result = run("stale", "--today", "2026-12-01", "--owner", "张三", "--format", "csv", "kb", cwd=tmp_path)
    assert result.exit_code == 0  # 张三 has no red line
    assert result.stdout.splitlines() == [
        "owner,id,type,title,red_line,reviewed,review_every,due,overdue_days",
        "张三,r-old,rule,旧规则,,2026-01-01,90,2026-04-01,244",
    ]


def test_kb_stale_on_time_exits_0(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _kb(tmp_path)
    result = run("stale", "--today", "2026-01-02", "--owner", "张三", "kb", cwd=tmp_path)
    assert result.exit_code == 0
    assert result.stdout == "没有待复核的条目\n"
