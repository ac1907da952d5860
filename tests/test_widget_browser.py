"""The in-call widget in headless Chromium against a live server: search, keys, copy, chips, checker, XSS."""

from __future__ import annotations

import shutil
import statistics
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kbbuild.build import build_release
from kbbuild.load import load_kb
from kbbuild.settings import ROOT, Settings
from tests.conftest import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PAYLOAD = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'
SHORT_PAYLOAD = '<img src=x onerror="window.__xss=1">'  # fits the API's 64-character query limit
SCREENSHOTS = Path("/tmp")

# Collect the widget's events, and the time of the last input event (input is composed, so it
# reaches the document from inside the shadow root) to measure keystroke → results.
RECORDER = """
window.__kb = {results: [], checks: [], copies: [], errors: [], lastInput: 0};
document.addEventListener('input', () => { window.__kb.lastInput = performance.now(); }, true);
document.addEventListener('kb-results', (e) => {
  window.__kb.results.push(Object.assign({latency: performance.now() - window.__kb.lastInput}, e.detail));
});
document.addEventListener('kb-check', (e) => { window.__kb.checks.push(e.detail); });
document.addEventListener('kb-copy', (e) => { window.__kb.copies.push(e.detail.text); });
document.addEventListener('kb-error', (e) => { window.__kb.errors.push(e.detail.message); });
"""

LATENCY_QUERIES = ["听不清", "接入语", "投诉", "回访", "等待", "挂机", "上门", "宽带", "营业厅", "致歉",
                   "升级", "时限", "禁语", "故障", "预约", "换机", "挽留", "结束语", "杂音", "jry"]


def open_widget(browser: Any, url: str) -> Any:
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"], locale="zh-CN",
                                  viewport={"width": 1240, "height": 900})
    context.add_init_script(RECORDER)
    page = context.new_page()
    page.goto(f"{url}/widget/")
    page.wait_for_function("() => customElements.get('kb-search') !== undefined")
    return page


@pytest.fixture
def page(browser: Any, live_server: LiveServer) -> Iterator[Any]:
    p = open_widget(browser, live_server.url)
    yield p
    p.context.close()


def search(page: Any, query: str, delay: float = 0) -> dict[str, Any]:
    """Type `query` into an empty box and return the kb-results detail for it."""
    box = page.locator("kb-search input[type=search]")
    box.fill("")
    count = page.evaluate("window.__kb.results.length")
    box.press_sequentially(query, delay=delay)
    page.wait_for_function(
        "([n, q]) => window.__kb.results.length > n && window.__kb.results.at(-1).query === q",
        arg=[count, query])
    return page.evaluate("window.__kb.results.at(-1)")  # type: ignore[no-any-return]


def items(page: Any) -> Any:
    return page.locator("kb-search .results > li.item")


def selected_index(page: Any) -> int:
    flags = items(page).evaluate_all("els => els.map(e => e.getAttribute('aria-selected'))")
    assert flags.count("true") == 1
    return int(flags.index("true"))


def clipboard(page: Any) -> str:
    return page.evaluate("navigator.clipboard.readText()")  # type: ignore[no-any-return]


def test_typing_shows_results(page: Any, live_server: LiveServer) -> None:
    detail = search(page, "听不清")
    assert detail["total"] > 0
    first = items(page).first
    assert "听不清" in first.locator(".title").inner_text() + first.locator(".snippet").inner_text()
    # The mark may cover a longer synonym of the query (听不清楚), never something unrelated.
    assert "听不清" in first.locator(".snippet mark").first.inner_text()
    assert first.locator(".type").inner_text() in {"话术", "流程", "服务禁语", "升级路径", "规则与时限"}
    link = first.locator("a.open")
    assert link.get_attribute("target") == "_blank"
    assert link.get_attribute("href").startswith(f"{live_server.url}/")  # resolved against the api origin
    assert "#" in link.get_attribute("href")
    assert "找到" in page.locator("kb-search .status").first.inner_text()
    page.screenshot(path=str(SCREENSHOTS / "widget-results.png"), full_page=True)


def test_weak_matches_are_offered_as_maybe_related(page: Any) -> None:
    detail = search(page, "华为Mate60参数")
    assert detail["weak"] is True
    assert items(page).count() > 0
    assert items(page).first.locator(".maybe").inner_text() == "可能相关"
    assert "可能相关" in page.locator("kb-search .status").first.inner_text()
    assert "找到" not in page.locator("kb-search .status").first.inner_text()
    detail = search(page, "唱收唱付")
    assert detail["weak"] is False
    assert items(page).first.locator(".maybe").count() == 0


def test_arrow_keys_move_selection_and_enter_copies_words_to_say(page: Any) -> None:
    search(page, "听不清")
    types = items(page).evaluate_all("els => els.map(e => e.dataset.type)")
    assert len(types) >= 2 and "script" in types
    assert selected_index(page) == 0
    box = page.locator("kb-search input[type=search]")
    box.press("ArrowDown")
    assert selected_index(page) == 1
    box.press("ArrowUp")
    assert selected_index(page) == 0
    for _ in range(types.index("script")):
        box.press("ArrowDown")
    chosen = items(page).nth(types.index("script"))
    assert chosen.get_attribute("aria-selected") == "true"
    expected = chosen.locator(".say .line").first.inner_text()
    box.press("Enter")
    page.wait_for_function("() => window.__kb.copies.length > 0")
    assert clipboard(page) == expected
    assert page.evaluate("window.__kb.copies.at(-1)") == expected
    box.press("Escape")
    assert box.input_value() == ""
    assert items(page).count() == 0


def test_copy_button_puts_words_to_say_on_clipboard(page: Any) -> None:
    search(page, "接入语")
    script = page.locator("kb-search li.item[data-type=script]").first
    line = script.locator(".say .line").first.inner_text()
    button = script.locator(".say .copy").first
    button.click()
    page.wait_for_function("() => window.__kb.copies.length > 0")
    assert clipboard(page) == line
    assert button.inner_text() == "已复制"


def test_clipboard_fallback_without_async_clipboard(page: Any) -> None:
    page.evaluate("Object.defineProperty(navigator, 'clipboard', {value: undefined, configurable: true})")
    search(page, "接入语")
    script = page.locator("kb-search li.item[data-type=script]").first
    script.locator(".say .copy").first.click()
    page.wait_for_function("() => window.__kb.copies.length > 0")  # execCommand('copy') succeeded


def test_type_and_channel_chips_filter_results(page: Any) -> None:
    search(page, "接入语")
    assert len(set(items(page).evaluate_all("els => els.map(e => e.dataset.type)"))) > 1
    count = page.evaluate("window.__kb.results.length")
    page.locator("kb-search .chip[data-type=forbidden]").click()
    page.wait_for_function("n => window.__kb.results.length > n", arg=count)
    types = items(page).evaluate_all("els => els.map(e => e.dataset.type)")
    assert types and set(types) == {"forbidden"}
    assert page.locator("kb-search .chip[data-type=forbidden]").get_attribute("aria-pressed") == "true"
    page.screenshot(path=str(SCREENSHOTS / "widget-chip.png"), full_page=True)

    page.locator("kb-search .chip[data-type='']").click()
    search(page, "投诉")
    count = page.evaluate("window.__kb.results.length")
    page.locator("kb-search .chip[data-channel=hall]").click()
    page.wait_for_function("n => window.__kb.results.length > n", arg=count)
    channels = items(page).evaluate_all("els => els.map(e => e.dataset.channels.split(' '))")
    assert channels and all("hall" in c for c in channels)


def test_checker_highlights_forbidden_phrase_and_replaces_it(page: Any) -> None:
    draft = page.locator("kb-search .draft textarea")
    draft.fill("你等一会儿，我帮你查")
    page.wait_for_function("() => window.__kb.checks.some(c => c.hits.length > 0)")
    mark = page.locator("kb-search .mirror mark").first
    assert mark.inner_text().startswith("你等一会")
    hit = page.locator("kb-search .hits .hit").first
    assert hit.locator(".sev").inner_text() in {"高压线", "严重", "不提倡"}
    assert hit.locator("mark").inner_text().startswith("你等一会")
    page.screenshot(path=str(SCREENSHOTS / "widget-checker.png"), full_page=True)

    alternative = hit.locator("button.alt").first
    alt_text = alternative.inner_text().removeprefix("替换为").strip()
    checks = page.evaluate("window.__kb.checks.length")
    alternative.click()
    page.wait_for_function("n => window.__kb.checks.length > n", arg=checks)
    value = draft.input_value()
    assert "你等一会" not in value
    assert value.startswith(alt_text) and value.endswith("，我帮你查")
    after = page.evaluate("window.__kb.checks.at(-1)")
    assert after["text"] == value
    assert all(not h["text"].startswith("你等一会") for h in after["hits"])


def _check(page: Any, text: str) -> dict[str, Any]:
    draft = page.locator("kb-search .draft textarea")
    count = page.evaluate("window.__kb.checks.length")
    draft.fill(text)
    page.wait_for_function("([n, t]) => window.__kb.checks.slice(n).some(c => c.text === t)", arg=[count, text])
    return page.evaluate("t => window.__kb.checks.filter(c => c.text === t).at(-1)", text)  # type: ignore[no-any-return]


def test_paraphrased_rudeness_is_suspected_and_nothing_is_certified_clean(page: Any) -> None:
    detail = _check(page, "你听不懂吗？我都说了三遍了")
    assert detail["hits"] and detail["hits"][0]["tier"] == 2
    hit = page.locator("kb-search .hits .hit").first
    assert hit.locator(".tier").inner_text() == "疑似"
    assert "相近" in hit.locator(".why").inner_text()
    assert page.locator("kb-search .mirror mark.suspect").count() >= 1
    status = page.locator("kb-search .check .status").inner_text()
    assert "疑似" in status
    page.screenshot(path=str(SCREENSHOTS / "widget-suspect.png"), full_page=True)

    detail = _check(page, "不好意思，刚才没听清，麻烦您再说一遍好吗？")
    assert detail["hits"] == []
    assert page.locator("kb-search .hits .hit").count() == 0
    status = page.locator("kb-search .check .status").inner_text()
    assert "未命中禁语库" in status
    widget_text = page.locator("kb-search").evaluate("e => e.shadowRoot.textContent")
    assert "✓" not in widget_text and "未发现" not in widget_text


def test_query_payload_never_executes(page: Any) -> None:
    detail = search(page, SHORT_PAYLOAD)
    assert detail["query"] == SHORT_PAYLOAD
    # Too long for the API (64 characters): the 422 is shown as a message, not swallowed.
    box = page.locator("kb-search input[type=search]")
    box.fill(PAYLOAD)
    page.wait_for_function("() => window.__kb.errors.length > 0")
    status = page.locator("kb-search .status.error")
    assert "422" in status.inner_text()
    page.wait_for_timeout(200)
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert page.locator("kb-search img, kb-search script").count() == 0


def test_network_error_keeps_the_last_results(page: Any) -> None:
    search(page, "听不清")
    shown = items(page).count()
    assert shown > 0
    page.route("**/api/search?*", lambda route: route.abort())
    page.locator("kb-search input[type=search]").fill("接入语")
    page.wait_for_function("() => window.__kb.errors.length > 0")
    status = page.locator("kb-search .status.error").inner_text()
    assert "连接中断" in status and "上一次的结果" in status
    assert items(page).count() == shown  # the script being read is not cleared


def test_one_character_offers_words_and_total_is_real(page: Any) -> None:
    search(page, "投")
    chip = page.locator("kb-search .suggest button.sug").filter(has_text="投诉").first
    chip.wait_for(timeout=5000)
    chip.click()
    page.wait_for_function("() => window.__kb.results.at(-1).query === '投诉'")
    detail = page.evaluate("window.__kb.results.at(-1)")
    assert detail["total"] > items(page).count() >= 1
    status = page.locator("kb-search .status").first.inner_text()
    assert f"找到 {detail['total']} 条，显示前 {items(page).count()} 条" in status


def test_script_snippet_does_not_repeat_the_words_to_say(page: Any) -> None:
    search(page, "接入语")
    for item in items(page).all():
        if item.get_attribute("data-type") != "script":
            continue
        snippet = item.locator(".snippet").inner_text()
        for line in item.locator(".say .line").all_inner_texts():
            assert line not in snippet


def test_narrow_pane_keeps_titles_readable(browser: Any, live_server: LiveServer) -> None:
    page = open_widget(browser, live_server.url)
    page.set_viewport_size({"width": 380, "height": 800})
    search(page, "客户要求销户怎么办")
    for item in items(page).all()[:5]:
        title, row = item.locator(".title").bounding_box(), item.bounding_box()
        assert title["width"] > 0.6 * row["width"]  # a line of its own, not a column of 5 characters
    page.screenshot(path=str(SCREENSHOTS / "widget-narrow.png"), full_page=True)
    page.context.close()


def tiny_kb_with_payload(root: Path) -> Path:
    kb = root / "kb"
    (kb / "scripts").mkdir(parents=True)
    for name in ("sources.yaml", "vocabulary.yaml"):
        shutil.copy(ROOT / "kb" / name, kb / name)
    (kb / "scripts" / "xss.yaml").write_text(f"""\
- id: xss-probe
  type: script
  title: '注入测试 {PAYLOAD}'
  channels: [hotline]
  tags: [注入测试]
  when: 注入测试时使用。
  say:
    - '注入测试 {PAYLOAD} &amp; 完'
  sources:
    - doc: 001_8fb4601525646902.txt
      quote: 您好
""", "utf-8")
    return kb


def test_payload_in_kb_entry_is_shown_as_text(browser: Any, tmp_path: Path) -> None:
    out = tmp_path / "build"
    settings = Settings(build_dir=out, seeds_dir=tmp_path / "no-seeds", reload_interval_s=0.05)
    build_release(load_kb(tiny_kb_with_payload(tmp_path)), out, settings,
                  stages=("data", "index", "checker", "widget"), partial_ok=True)
    with LiveServer(out) as server:
        page = open_widget(browser, server.url)
        try:
            detail = search(page, "注入测试")
            assert detail["total"] == 1
            item = items(page).first
            assert item.locator(".title").inner_text() == f"注入测试 {PAYLOAD}"
            assert item.locator(".say .line").inner_text() == f"注入测试 {PAYLOAD} &amp; 完"
            assert "注入测试" in item.locator(".snippet").inner_text()
            item.locator(".say .copy").click()
            page.wait_for_function("() => window.__kb.copies.length > 0")
            assert clipboard(page) == f"注入测试 {PAYLOAD} &amp; 完"
            page.wait_for_timeout(200)
            assert page.evaluate("typeof window.__xss") == "undefined"
            assert page.locator("kb-search img, kb-search script").count() == 0
            page.screenshot(path=str(SCREENSHOTS / "widget-xss.png"), full_page=True)
        finally:
            page.context.close()


def measure_latency(page: Any, queries: list[str], delay: float = 40) -> list[float]:
    """Milliseconds from the last keystroke of each query to its results in the DOM (debounce included)."""
    return [float(search(page, q, delay=delay)["latency"]) for q in queries]


def test_keystroke_to_results_latency(page: Any) -> None:
    search(page, "热身")  # first request pays for connection set-up
    times = sorted(measure_latency(page, LATENCY_QUERIES))
    p50 = statistics.median(times)
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    print(f"\nwidget keystroke→results over {len(times)} queries: p50 {p50:.0f} ms, p95 {p95:.0f} ms "
          "(includes the ~50 ms debounce)")
    assert len(times) == len(LATENCY_QUERIES)


def test_embedded_in_another_origin_uses_the_script_origin(browser: Any, live_server: LiveServer) -> None:
    host_page = f"http://localhost:{live_server.port}/agent-desktop.html"  # another origin, allowed by CORS
    html = (f'<!doctype html><meta charset="utf-8"><h1>宿主页面</h1>'
            f'<script src="{live_server.url}/widget.js"></script><kb-search></kb-search>')
    # A routed page is not in the loopback address space: Chromium's Local Network Access needs this grant.
    context = browser.new_context(permissions=["local-network-access"])
    context.add_init_script(RECORDER)
    try:
        page = context.new_page()
        page.route(host_page, lambda route: route.fulfill(body=html, content_type="text/html; charset=utf-8"))
        page.goto(host_page)
        with page.expect_request(lambda r: r.url.startswith(f"{live_server.url}/api/search?")):
            detail = search(page, "听不清")
        assert detail["total"] > 0
        href = items(page).first.locator("a.open").get_attribute("href")
        assert href.startswith(f"{live_server.url}/")
        assert page.locator("h1").evaluate("h => getComputedStyle(h).fontWeight") == "700"  # host untouched
    finally:
        context.close()


def test_widget_reports_a_copy_and_marks_updated_entries(browser: Any, live_server: LiveServer,
                                                         data_dir: Path) -> None:
    """The widget searches with origin=widget, POSTs /api/events on a copy, and shows 更新 from /api/changes."""
    import json
    import time

    page = open_widget(browser, live_server.url)
    try:
        first = page.evaluate(f"fetch('{live_server.url}/api/search?q=接入语').then(r => r.json())")
        script_id = next(r["id"] for r in first["results"] if r["type"] == "script")
        history = {"changes": [{"id": script_id, "change": "changed", "fields": ["say"], "build_id": "b",
                                "created": "2026-12-01T00:00:00+00:00"}]}
        page.route("**/api/changes?*", lambda route: route.fulfill(json={"build_id": "b", "since": None,
                                                                         "builds": 1, **history}))
        page.goto(f"{live_server.url}/widget/")
        page.wait_for_function("() => customElements.get('kb-search') !== undefined")
        search(page, "接入语")
        item = page.locator(f"kb-search li.item[data-id={script_id}]")
        assert item.locator(".upd").inner_text() == "更新"
        assert page.locator("kb-search li.item .upd").count() == 1
        item.locator(".say .copy").first.click()
        page.wait_for_function("() => window.__kb.copies.length > 0")
        deadline = time.monotonic() + 30
        found: list[dict[str, Any]] = []
        while not found and time.monotonic() < deadline:
            lines = [json.loads(x) for p in (data_dir / "searchlog").glob("*.jsonl")
                     for x in p.read_text("utf-8").splitlines()]
            found = [x for x in lines if x["kind"] == "event" and x["id"] == script_id and x["query"] == "接入语"]
            time.sleep(0.05)
        assert found and found[0]["event"] == "copy" and found[0]["origin"] == "widget"
        assert any(x["kind"] == "search" and x["origin"] == "widget" and x["query"] == "接入语" for x in lines)
    finally:
        page.context.close()
