"""Keeping the KB alive over the API: the search log from a real server, widget events, /api/changes."""

from __future__ import annotations

import json
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from kbbuild.build import build_release, current_release
from kbbuild.changes import changes_since, diff, summarize
from kbbuild.cli import main
from kbbuild.load import load_kb
from kbbuild.settings import Settings, get_settings
from search_api.searchlog import log_files

from .conftest import LiveServer, get_json


def _logged(folder: Path) -> list[dict[str, object]]:
    return [json.loads(line) for p in log_files(folder) for line in p.read_text("utf-8").splitlines()]


def test_a_search_is_logged_with_its_origin_and_results(client: TestClient, data_dir: Path) -> None:
    body = client.get("/api/search", params={"q": "销户 13812345678", "origin": "widget"}).json()
    client.app.state.search_log.flush()  # type: ignore[attr-defined]
    [line] = [x for x in _logged(data_dir / "searchlog") if x.get("query") == "销户 ***********"]
    assert line["kind"] == "search" and line["origin"] == "widget"
    assert line["results"] == [r["id"] for r in body["results"][:5]]
    assert line["weak"] == body["weak"] and line["total"] == body["total"]
    assert isinstance(line["top"], float) and isinstance(line["took_ms"], float)
    assert "13812345678" not in json.dumps(_logged(data_dir / "searchlog"), ensure_ascii=False)
    assert client.get("/api/search", params={"q": "销户", "origin": "phone"}).status_code == 422


def test_events_are_schema_checked_and_size_limited(client: TestClient, data_dir: Path) -> None:
    some_id = client.get("/api/search", params={"q": "销户"}).json()["results"][0]["id"]
    ok = client.post("/api/events", json={"event": "copy", "id": some_id, "query": "销户 138 1234 5678"})
    assert ok.status_code == 202 and ok.json() == {"status": "accepted"}
    client.app.state.search_log.flush()  # type: ignore[attr-defined]
    [line] = [x for x in _logged(data_dir / "searchlog") if x.get("kind") == "event" and x.get("id") == some_id]
    assert line["query"] == "销户 *************" and line["event"] == "copy" and line["origin"] == "widget"
    bad = [
        ({"event": "print", "id": some_id}, 422),
        ({"event": "copy", "id": some_id, "extra": 1}, 422),
        ({"event": "copy", "id": "Not An Id"}, 422),
        ({"event": "copy", "id": some_id, "query": "长" * 65}, 422),
        ({"event": "copy"}, 422),
        ({"event": "open", "id": "no-such-entry"}, 404),
        ({"event": "copy", "id": some_id, "query": "x" * 3000}, 413),
    ]
    for payload, status in bad:
        r = client.post("/api/events", json=payload)
        assert r.status_code == status, (payload, r.text)
        assert "error" in r.json()
    assert client.post("/api/events", content=b"{not json", headers={"content-type": "application/json"}
                       ).status_code == 422



def test_an_event_for_a_merged_id_counts_for_the_entry_it_was_merged_into(client: TestClient, data_dir: Path) -> None:
    release = client.app.state.holder.release  # type: ignore[attr-defined]
    if not release.aliases:
        pytest.skip("this KB merged no entries")
    alias, target = next(iter(sorted(release.aliases.items())))
    assert client.post("/api/events", json={"event": "open", "id": alias, "query": "别名"}).status_code == 202
    client.app.state.search_log.flush()  # type: ignore[attr-defined]
    assert [x["id"] for x in _logged(data_dir / "searchlog") if x.get("query") == "别名"] == [target]


HISTORY = {"build_id": "20261201-000000-000000-c", "baseline": "20261101-000000-000000-a", "builds": [
    {"build_id": "20261201-000000-000000-c", "created": "2026-12-01T00:00:00+00:00",
     "previous": "20261120-000000-000000-b", "added": ["new-one"], "changed": {"x": ["say"]}, "removed": ["gone"],
     "titles": {"new-one": "新条目", "x": "X", "gone": "旧条目"}},
    {"build_id": "20261120-000000-000000-b", "created": "2026-11-20T00:00:00+00:00",
     "previous": "20261101-000000-000000-a", "added": [], "changed": {"x": ["title"], "y": ["questions"]},
     "removed": [], "titles": {"x": "X", "y": "Y"}},
]}


def test_api_changes_since_a_build_or_a_date(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    release = client.app.state.holder.release  # type: ignore[attr-defined]
    monkeypatch.setattr(release, "changes", HISTORY)
    whole = client.get("/api/changes").json()
    assert whole["builds"] == 2 and whole["build_id"] == release.build_id
    assert [(c["id"], c["change"], c["fields"]) for c in whole["changes"]] == [
        ("new-one", "added", []), ("x", "changed", ["say", "title"]), ("gone", "removed", []),
        ("y", "changed", ["questions"])]
    after_b = client.get("/api/changes", params={"since": "20261120-000000-000000-b"}).json()
    assert [c["id"] for c in after_b["changes"]] == ["new-one", "x", "gone"]
    assert client.get("/api/changes", params={"since": "2026-11-15"}).json()["builds"] == 2
    assert client.get("/api/changes", params={"since": "2026-11-25"}).json()["builds"] == 1
    r = client.get("/api/changes", params={"since": "last tuesday"})
    assert r.status_code == 422 and r.json()["error"].startswith("since:")
    assert client.get("/api/changes", params={"since": "2026-02-31"}).status_code == 404  # shaped like a date


def test_each_build_records_what_changed_since_the_previous_one(kb_copy: Path) -> None:
    out = kb_copy.parent / "build"
    settings = Settings(build_dir=out, kb_dir=kb_copy)

    def build() -> dict[str, object]:
        result = build_release(load_kb(kb_copy), out, settings, stages=("data",), partial_ok=True)
        assert current_release(out) == result.path
        return json.loads((result.path / "changes.json").read_text("utf-8"))  # type: ignore[no-any-return]

    first = build()
    assert first["builds"] == [] and first["baseline"] == first["build_id"]  # a baseline, not N new entries
    rule = next(kb_copy.glob("rules/*.yaml"))
    text = rule.read_text("utf-8")
    assert "\ntitle: " in text or "  title: " in text
    rule.write_text(text.replace("title: ", "title: 改过的", 1), "utf-8")
    second = build()
    [latest] = second["builds"]  # type: ignore[misc]
    assert latest["previous"] == first["build_id"] and latest["added"] == [] and latest["removed"] == []
    [(changed_id, fields)] = latest["changed"].items()
    assert fields == ["title"] and latest["titles"][changed_id].startswith("改过的")
    third = build()  # nothing changed: the history is carried, nothing is added
    assert third["builds"] == second["builds"] and third["baseline"] == first["build_id"]


def test_diff_and_summary_are_pure() -> None:
    old = [{"id": "a", "title": "A", "say": ["x"]}, {"id": "b", "title": "B"}]
    new = [{"id": "a", "title": "A", "say": ["y"], "tags": ["t"]}, {"id": "c", "title": "C"}]
    assert diff(old, new) == {"added": ["c"], "changed": {"a": ["say", "tags"]}, "removed": ["b"]}
    assert list(summarize(changes_since(HISTORY, "2026-11-01"))) == ["new-one", "x", "gone", "y"]


def test_a_search_that_finds_nothing_in_the_widget_shows_up_in_kb_gaps(fast_build, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Done-when of issue 15: made through the widget's API call, in `kb gaps` within a minute, masked."""
    data = tmp_path / "data"
    query = "火星移民签证办理 13812345678"
    with LiveServer(fast_build.path.parent.parent, data_dir=data) as server:
        params = urllib.parse.urlencode({"q": query, "limit": 8, "origin": "widget"})
        with urllib.request.urlopen(f"{server.url}/api/search?{params}", timeout=10) as r:
            shown = [x["id"] for x in json.loads(r.read())["results"]]
        deadline = time.monotonic() + 60
        while not log_files(data / "searchlog") and time.monotonic() < deadline:
            time.sleep(0.05)
        assert get_json(server.url + "/api/health")[1]["log_dropped"] == 0
    monkeypatch.setenv("KB_DATA_DIR", str(data))
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(main, ["gaps", "--since", "1h", "--format", "csv"], catch_exceptions=False)
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    rows = [line.split(",") for line in result.stdout.splitlines()[1:]]
    zero = [r for r in rows if r[0] == "zero"]
    assert [r[1] for r in zero] == ["火星移民签证办理 ***********"]
    assert zero[0][5].split() == shown[:3]  # the entries that came closest
    assert "13812345678" not in result.stdout


def test_site_badges_review_and_recent_changes(repo_kb) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt

    from kbbuild.freshness import entry_badges, render_changes_page
    from kbbuild.model import ENTRY_MODELS

    base = repo_kb.entries[0].entry
    old = ENTRY_MODELS[base.type].model_validate(
        {**base.model_dump(by_alias=True), "id": "x", "reviewed": "2026-01-01", "owner": "<b>张三</b>"})
    never = ENTRY_MODELS[base.type].model_validate({**base.model_dump(by_alias=True), "id": "y"})
    recent = {"x": {"change": "changed", "fields": ["say", "title"], "created": "2026-11-30T00:00:00+00:00"}}
    badges = entry_badges([old, never], dt.date(2026, 12, 1), {base.type: 180}, recent)
    assert "最后复核：2026-01-01" in badges["x"] and "待复核" in badges["x"] and "更新" in badges["x"]
    assert "修改于 2026-11-30：话术、标题" in badges["x"]
    assert "&lt;b&gt;张三&lt;/b&gt;" in badges["x"] and "<b>" not in badges["x"]
    assert "最后复核：未记录" in badges["y"] and "待复核" not in badges["y"] and "更新" not in badges["y"]
    page = render_changes_page(HISTORY, [old], 14)
    assert page.startswith("# 最近更新")
    assert page.index("新条目") < page.index("旧条目")  # added before removed, newest build first
    assert '<a href="../' in page and "标题" in page and "相似问法" in page


def test_handbook_cover_lists_the_changes(repo_kb, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from datetime import date

    from kbbuild.changes import latest_changes
    from kbbuild.handbook import render_handbook_html

    path = tmp_path / "changes.json"
    path.write_text(json.dumps(HISTORY, ensure_ascii=False), "utf-8")
    changes = latest_changes(path)
    assert [(c["id"], c["change"], c["fields"]) for c in changes] == [
        ("new-one", "added", []), ("x", "changed", ["话术"]), ("gone", "removed", [])]
    entries = [loc.entry for loc in repo_kb.entries[:3]]
    html = render_handbook_html(entries, repo_kb.sources, kb_version="abc123", build_date=date(2026, 12, 1),
                                changes=changes)
    cover = html[html.index('<section class="cover">'):html.index("</section>")]
    assert "abc123" in cover and "2026-12-01" in cover
    assert "新增：新条目" in cover and "修改：X（话术）" in cover and "删除：旧条目" in cover
