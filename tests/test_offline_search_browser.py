"""Search inside site-offline.zip, opened from file:// as an agent without the server opens it."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_search_in_the_offline_copy_answers_from_disk(browser, full_build, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with zipfile.ZipFile(full_build.path / "site" / "site-offline.zip") as z:
        z.extractall(tmp_path)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(("file:", "about:", "data:")) else None)
    try:
        page.goto((tmp_path / "知识库离线版" / "index.html").as_uri())
        box = page.locator("input.md-search__input")
        box.click()
        # As a person types: the IME commits the words, then a key goes up (Material searches on keyup;
        # Playwright's fill() sends neither, so it is not used here).
        page.keyboard.type("服务禁语")
        page.keyboard.press("End")
        results = page.locator(".md-search-result__item")
        results.first.wait_for(state="visible", timeout=30_000)
        assert results.count() > 0
        assert "符合条件的结果" in page.locator(".md-search-result__meta").inner_text()
        page.locator(".md-search-result__link").first.click()
        page.wait_for_load_state()
        assert page.url.startswith("file://") and ".html" in page.url
        assert page.locator("h1").first.inner_text() != "Index of"
        # Pasted with the mouse: an input event and no key (docs/assets/search-input.js passes it on).
        box = page.locator("input.md-search__input")
        box.click()
        page.locator(".md-search-result__meta", has_text="键入以开始搜索").wait_for(timeout=30_000)  # ready
        box.fill("投诉")
        page.locator(".md-search-result__meta", has_text="符合条件的结果").wait_for(timeout=30_000)
        assert "投诉" in page.locator(".md-search-result__item").first.inner_text()
        assert outside == []  # the worker shim, lunr and the index all come from the zip
    finally:
        context.close()
