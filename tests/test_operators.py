"""Operator profiles: inheritance from sources, filtering everywhere, linked conflicts; times as data."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from kbbuild.handbook import select_entries
from kbbuild.lint_links import check_links
from kbbuild.lint_times import chinese_number, times_in
from kbbuild.load import load_kb
from kbbuild.operators import GENERAL, doc_operators, entry_operators, profiles, visible

# The audit's conflict clusters (issue 14): different organisations' guidance for one situation.
CONFLICTS = {
    "dialect": ["field-language-mandarin-or-dialect", "redline-dialect-in-office", "rule-mandarin-clear-speech"],
    "silent caller": ["hotline-no-answer-prompt", "remote-silent-caller"],
    "bad line": ["hotline-bad-line-noise-hangup", "remote-bad-line-callback"],
    "argument": ["forbidden-argue-blame-customer", "redline-deliberate-argument"],
}


def operators_of(repo_kb) -> dict[str, tuple[str, ...]]:  # type: ignore[no-untyped-def]
    by_doc = doc_operators(repo_kb.sources)
    return {loc.entry.id: entry_operators(loc.entry, by_doc) for loc in repo_kb.entries}


def test_entries_inherit_their_sources_operator(repo_kb) -> None:  # type: ignore[no-untyped-def]
    ops = operators_of(repo_kb)
    assert ops["hotline-no-answer-prompt"] == (GENERAL,)  # 001: a generic call-center SOP
    assert ops["remote-silent-caller"] == ("中国电信",)  # 002
    assert ops["cmcc-green-channel-front-line-to-city-response"] == ("中国移动",)
    assert profiles(doc_operators(repo_kb.sources)) == ["中国电信", "中国移动", "中国联通"]
    # Every profile sees its own norms and the general ones, and at least a hundred of them.
    for profile in ("中国电信", "中国移动", "中国联通"):
        shown = [i for i, o in ops.items() if visible(o, profile)]
        assert len(shown) >= 90 and all(visible(ops[i], profile) for i in shown)


def test_visible() -> None:
    assert visible(("中国移动",), "中国移动") and visible((GENERAL,), "中国联通") and visible(("中国移动",), None)
    assert not visible(("中国移动",), "中国联通")
    assert visible(("中国移动", "中国电信"), "中国电信")


def conflicts_of(repo_kb) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    """The four named clusters plus the closing-line one, found by its two wordings."""
    clusters = dict(CONFLICTS)
    closing = [loc.entry.id for loc in repo_kb.entries if loc.entry.type == "script"
               and any("谢谢您拨打服务热线" in s or "祝您生活愉快！再见" in s for s in loc.entry.say)]
    clusters["closing line"] = closing
    return clusters


def test_no_conflict_stays_unlinked_in_any_profile(repo_kb) -> None:  # type: ignore[no-untyped-def]
    by_id = repo_kb.by_id()
    ops = operators_of(repo_kb)
    clusters = conflicts_of(repo_kb)
    assert len(clusters["closing line"]) >= 2
    for name, ids in clusters.items():
        assert all(i in by_id for i in ids), (name, [i for i in ids if i not in by_id])
        for profile in (None, "中国电信", "中国移动", "中国联通"):
            shown = [i for i in ids if visible(ops[i], profile)]
            for a in shown:
                for b in shown:
                    assert a == b or b in by_id[a].see_also, f"{name}: {a} does not link {b} ({profile})"


def test_links_and_profile_conflicts_are_checked(tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    kb.mkdir()
    (kb / "sources.yaml").write_text(
        "sources: [{doc: a.txt, title: A, operator: 中国移动}, {doc: g.txt, title: G, operator: 通用}]\n", "utf-8")
    entry = """- id: {id}
  type: forbidden
  title: {id}
  channels: [hotline]
  tags: [{tag}, 投诉]
  behaviour: 与客户争执
  instead: [耐心解释]
  why: 规范
  severity: {sev}
  sources: [{{doc: {doc}, quote: 与客户争执}}]
"""
    text = (entry.format(id="argue-a", tag="争执", sev="serious", doc="a.txt")
            + entry.format(id="argue-b", tag="争执", sev="red-line", doc="g.txt")
            + entry.format(id="third", tag="其他", sev="red-line", doc="g.txt")
            + "  see_also: [argue-a, ghost]\n  operator: 中国铁通\n")
    (kb / "f.yaml").write_text(text, "utf-8")
    found = [str(p) for p in check_links(load_kb(kb, cwd=tmp_path))]
    assert found == [
        "kb/f.yaml:31: see_also[0]: 'argue-a'（kb/f.yaml:1）的 see_also 里没有 'third'："
        "其他单位的做法要互相链接，请在那边也加上",
        "kb/f.yaml:31: see_also[1]: 没有 id 为 'ghost' 的条目",
        "kb/f.yaml:32: operator[0]: 未知的单位 '中国铁通'；可选：中国移动、通用",
        "kb/f.yaml:9: severity: warning: 与 'argue-b'（kb/f.yaml:11）同属“争执”，在 中国移动 的规范里严重程度却不同"
        "（serious / red-line）：统一严重程度，或用 see_also 互相链接说明两者的区别",
    ]


@pytest.mark.parametrize(("written", "value"), [("两", 2), ("三十", 30), ("十五", 15), ("半", 0.5), ("24", 24)])
def test_chinese_numbers(written: str, value: float) -> None:
    assert chinese_number(written) == value


def test_times_in_text() -> None:
    found = times_in("客户表述完后3秒内回应；两个工作日内联系；7*24小时服务；设置 24 小时服务区；7.48小时回复")
    assert [(t.written, t.values, t.unit) for t in found] == [
        ("3秒", (3.0,), "秒"), ("两个工作日", (2.0,), "工作日"), ("7.48小时", (7.48, 48.0), "小时")]


def test_operator_filters_search_and_check(client: TestClient, repo_kb) -> None:  # type: ignore[no-untyped-def]
    everything = client.get("/api/search", params={"q": "绿色通道", "limit": 50, "operator": "全部"}).json()
    assert any(r["operators"] == ["中国移动"] for r in everything["results"])
    unicom = client.get("/api/search", params={"q": "绿色通道", "limit": 50, "operator": "中国联通"}).json()
    assert unicom["results"] and all(set(r["operators"]) & {"中国联通", GENERAL} for r in unicom["results"])
    bad = client.get("/api/search", params={"q": "绿色通道", "operator": "中国铁通"})
    assert bad.status_code == 404 and "中国联通" in bad.json()["error"]
    assert client.get("/api/operators").json()["profiles"] == ["中国电信", "中国移动", "中国联通"]
    # A forbidden wording only 中国移动's norms list binds 中国移动's agents, not 中国联通's.
    ops = operators_of(repo_kb)
    phrase, owner = next((p, loc.entry.id) for loc in repo_kb.entries if loc.entry.type == "forbidden"
                         and ops[loc.entry.id] == ("中国移动",) and loc.entry.match == "anywhere"
                         for p in loc.entry.phrases if len(p) >= 4)
    hits = client.post("/api/check", json={"text": phrase}).json()["hits"]
    assert owner in {h["entry_id"] for h in hits}
    hits = client.post("/api/check", params={"operator": "中国联通"}, json={"text": phrase}).json()["hits"]
    assert owner not in {h["entry_id"] for h in hits}


def test_handbook_selects_one_operator(repo_kb) -> None:  # type: ignore[no-untyped-def]
    entries = [loc.entry for loc in repo_kb.entries]
    ops = operators_of(repo_kb)
    unicom = select_entries(entries, operator="中国联通", sources=repo_kb.sources)
    assert {e.id for e in unicom} == {i for i, o in ops.items() if visible(o, "中国联通")}
    assert len(unicom) < len(entries)
