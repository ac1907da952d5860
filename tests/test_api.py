"""The search API over a real build: routes, shapes, escaping and clear 4xx errors."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient


def test_health_names_the_build(client: TestClient, fast_build) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/api/health")
    assert r.status_code == 200
    body = r.json()
    assert body["build_id"] == fast_build.build_id
    assert body["entry_count"] == fast_build.entry_count > 0


def test_search_shape_and_words_to_say(client: TestClient) -> None:
    r = client.get("/api/search", params={"q": "接入语"})
    assert r.status_code == 200
    body = r.json()
    assert body["query"] == "接入语" and body["normalized"] == "接入语"
    assert body["took_ms"] >= 0
    top = body["results"][0]
    assert top["id"] == "hotline-greeting"
    assert set(top) >= {"id", "type", "title", "snippet", "url", "channels", "score", "say"}
    assert top["url"] == "/scripts/#hotline-greeting"
    assert "很高兴为您服务" in top["say"][0]
    assert "<mark>" in top["snippet"]


def test_filters_restrict_type_and_channel(client: TestClient) -> None:
    body = client.get("/api/search", params={"q": "客户", "type": "rule", "channel": "hall", "limit": 50}).json()
    assert body["results"]
    assert all(r["type"] == "rule" and "hall" in r["channels"] for r in body["results"])


def test_limit_is_respected(client: TestClient) -> None:
    assert len(client.get("/api/search", params={"q": "客户", "limit": 3}).json()["results"]) == 3


def test_snippets_escape_everything_but_mark(client: TestClient) -> None:
    body = client.get("/api/search", params={"q": "<b>服务</b>"}).json()
    for result in body["results"]:
        without_marks = result["snippet"].replace("<mark>", "").replace("</mark>", "")
        assert "<" not in without_marks and ">" not in without_marks


def test_traditional_and_fullwidth_queries_are_folded(client: TestClient) -> None:
    body = client.get("/api/search", params={"q": "接入語"}).json()
    assert body["normalized"] == "接入语"
    assert body["results"][0]["id"] == "hotline-greeting"
    assert client.get("/api/search", params={"q": "ＶＩＰ"}).json()["normalized"] == "vip"


def test_entry_route_returns_the_whole_entry(client: TestClient) -> None:
    r = client.get("/api/entries/hotline-greeting")
    assert r.status_code == 200
    entry = r.json()
    assert entry["type"] == "script" and entry["sources"][0]["doc"].startswith("001_")


def test_unknown_entry_is_a_404_json(client: TestClient) -> None:
    r = client.get("/api/entries/no-such-entry")
    assert r.status_code == 404
    assert r.json() == {"error": "no entry with id 'no-such-entry'"}


@pytest.mark.parametrize("params, needle", [
    ({"q": ""}, "q"),
    ({"q": "   "}, "q: must not be empty"),
    ({"q": "长" * 65}, "q"),
    ({}, "q"),
    ({"q": "接入语", "type": "poem"}, "type"),
    ({"q": "接入语", "channel": "moon"}, "channel"),
    ({"q": "接入语", "limit": 0}, "limit"),
    ({"q": "接入语", "limit": 51}, "limit"),
    ({"q": "接入语", "limit": "ten"}, "limit"),
])
def test_bad_search_input_is_a_clear_422(client: TestClient, params: dict[str, object], needle: str) -> None:
    r = client.get("/api/search", params=params)
    assert r.status_code == 422
    body = r.json()
    assert needle in body["error"]
    assert "Traceback" not in r.text


def test_unknown_api_route_is_json_404(client: TestClient) -> None:
    r = client.get("/api/nothing-here")
    assert r.status_code == 404 and r.json()["error"] == "no API route /api/nothing-here"


def test_suggest_completes_titles_and_pinyin(client: TestClient) -> None:
    texts = [s["text"] for s in client.get("/api/suggest", params={"q": "绿色"}).json()["suggestions"]]
    assert "绿色通道" in texts
    by_initials = [s["text"] for s in client.get("/api/suggest", params={"q": "lstd"}).json()["suggestions"]]
    assert "绿色通道" in by_initials


def test_check_finds_forbidden_phrase_with_alternative(client: TestClient) -> None:
    text = "喂，什么事情？"
    r = client.post("/api/check", json={"text": text})
    assert r.status_code == 200
    hit = r.json()["hits"][0]
    assert hit["entry_id"] == "forbidden-hello-what-matter"
    assert text[hit["start"]:hit["end"]] == hit["text"]
    assert any("很高兴为您服务" in alt for alt in hit["instead"])


def test_check_returns_both_tiers_and_never_certifies(client: TestClient) -> None:
    body = client.post("/api/check", json={"text": "我都讲了多少遍了。你听不懂吗？"}).json()
    tiers = [(h["tier"], h["label"]) for h in body["hits"]]
    assert (1, "禁语") in tiers and (2, "疑似") in tiers
    for h in body["hits"]:
        assert {"tier", "score", "entry_id", "start", "end", "severity", "instead", "advice", "why"} <= set(h)
        assert 0 <= h["score"] <= 1 and len(h["instead"]) <= 3
    suspect = next(h for h in body["hits"] if h["tier"] == 2)
    assert suspect["score"] >= suspect["threshold"] and suspect["phrase"] is None
    assert body["message"].startswith("命中禁语 1 处，疑似")
    clean = client.post("/api/check", json={"text": "请您稍等，我马上为您查询。"}).json()
    assert clean["hits"] == [] and clean["message"].startswith("未命中禁语库")


def test_check_limits_text_size(client: TestClient) -> None:
    r = client.post("/api/check", json={"text": "好" * 10_001})
    assert r.status_code == 422 and "text" in r.json()["error"]


def test_request_body_size_is_limited(client: TestClient) -> None:
    r = client.post("/api/check", content=b"{" + b" " * 130_000 + b"}", headers={"content-type": "application/json"})
    assert r.status_code == 413


def test_malformed_json_body_is_422(client: TestClient) -> None:
    r = client.post("/api/check", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422
    assert r.json()["error"].startswith("body: is not valid JSON") and '{"text"' in r.json()["error"]


def test_cors_is_an_allow_list(client: TestClient) -> None:
    allowed = client.get("/api/health", headers={"Origin": "http://127.0.0.1:8000"})
    assert allowed.headers.get("access-control-allow-origin") == "http://127.0.0.1:8000"
    denied = client.get("/api/health", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in denied.headers


def test_security_headers(client: TestClient) -> None:
    r = client.get("/api/health")
    assert r.headers["x-content-type-options"] == "nosniff"


def test_openapi_and_docs(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert {"/api/search", "/api/health", "/api/entries/{entry_id}", "/api/suggest", "/api/check"} <= set(spec["paths"])
    assert client.get("/docs").status_code == 200


def test_every_api_route_is_documented_in_the_readme(client: TestClient) -> None:
    from kbbuild.settings import ROOT

    readme = (ROOT / "README.md").read_text("utf-8")
    for path in client.get("/openapi.json").json()["paths"]:
        assert re.sub(r"\{.*\}", "{id}", path) in readme, path


def test_editors_notes_never_reach_a_snippet(client: TestClient) -> None:
    body = client.get("/api/search", params={"q": "原表该格被打散", "limit": 50}).json()
    assert all("打散" not in r["snippet"] for r in body["results"])
    body = client.get("/api/search", params={"q": "我哪里态度", "limit": 5}).json()
    [hit] = [r for r in body["results"] if r["id"] == "forbidden-deny-attitude-business-is-so"]
    assert "原表" not in hit["snippet"]
