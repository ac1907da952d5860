"""Open the built site in headless Chromium the way an agent would: search, deep links, no outside hosts."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]
LOCAL_HOSTS = {"127.0.0.1"}


@pytest.fixture(scope="module")
def base_url(live_full_server):
    """The full build served by our app, exactly as `kb serve` serves it (site at /)."""
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed")
    return live_full_server.url + "/"


def test_served_artifacts_and_html_security_headers(base_url):
    import urllib.request

    with urllib.request.urlopen(base_url) as r:
        assert r.status == 200 and r.headers["Content-Type"].startswith("text/html")
        assert "default-src 'self'" in r.headers["Content-Security-Policy"]
        assert r.headers["X-Content-Type-Options"] == "nosniff"
    with urllib.request.urlopen(base_url + "scripts/") as r:
        assert 'id="hotline-greeting"' in r.read().decode("utf-8")
    with urllib.request.urlopen(base_url + "handbook.pdf") as r:
        assert r.headers["Content-Type"] == "application/pdf" and r.read(5) == b"%PDF-"
    with urllib.request.urlopen(base_url + "widget/") as r:
        assert "kb-search" in r.read().decode("utf-8")


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.outside = []  # type: ignore[attr-defined]
    page.errors = []  # type: ignore[attr-defined]

    def record(request):
        host = urlsplit(request.url).hostname
        if request.url.startswith(("http:", "https:", "ws:", "wss:")) and host not in LOCAL_HOSTS:
            page.outside.append(request.url)

    page.on("request", record)
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    yield page
    context.close()


def test_search_box_finds_forbidden_phrases(page, base_url):
    page.goto(base_url)
    box = page.locator("input.md-search__input")
    box.click()
    box.fill("服务禁语")
    results = page.locator(".md-search-result__item")
    results.first.wait_for(state="visible", timeout=10_000)
    assert results.count() > 0
    page.screenshot(path="/tmp/site-search.png")
    assert page.outside == [] and page.errors == []


def test_deep_link_shows_words_to_say(page, base_url):
    page.goto(base_url + "scripts/#hotline-greeting")
    heading = page.locator("#hotline-greeting")
    heading.wait_for(state="visible")
    say = page.locator("#hotline-greeting + .kb-entry .kb-say-text").first
    assert say.is_visible()
    assert "很高兴为您服务" in say.inner_text()
    assert page.locator("#hotline-greeting + .kb-entry .kb-copy").first.is_visible()
    box = heading.bounding_box()
    assert box is not None and box["y"] < 900  # scrolled to the entry
    page.screenshot(path="/tmp/site-deeplink.png")
    assert page.outside == [] and page.errors == []


def test_forbidden_page_two_columns(page, base_url):
    page.goto(base_url + "forbidden/")
    bad, good = page.locator(".kb-bad").first, page.locator(".kb-good").first
    bad_box, good_box = bad.bounding_box(), good.bounding_box()
    assert bad_box and good_box and good_box["x"] > bad_box["x"] + bad_box["width"] / 2
    page.screenshot(path="/tmp/site-forbidden.png")
    assert page.outside == [] and page.errors == []


def test_api_docs_render_offline(page, base_url):
    """Swagger UI and ReDoc from the server itself, under its CSP, with no request leaving the host."""
    violations, reached = [], []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("requestfinished", lambda r: reached.append(r.url)
            if r.url.startswith(("http:", "https:")) and urlsplit(r.url).hostname not in LOCAL_HOSTS else None)
    page.goto(base_url + "docs")
    page.locator(".opblock-summary-path").nth(4).wait_for(state="attached", timeout=30000)
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/api/search" in paths and "/api/check" in paths
    page.goto(base_url + "redoc")
    page.locator("h1").first.wait_for(state="attached", timeout=30000)
    assert "电信客服服务规范知识库" in page.locator("h1").first.inner_text()
    assert reached == [] and page.errors == []
    # ReDoc's bundle names its own logo on cdn.redoc.ly: our CSP stops it before it leaves the host.
    assert all(url.startswith("https://cdn.redoc.ly/") for url in page.outside), page.outside


def test_offline_copy_opens_from_disk(page, full_build, tmp_path):
    """site-offline.zip, unpacked and opened from file://: pages (not folder listings), links, no CDN."""
    import zipfile

    with zipfile.ZipFile(full_build.path / "site" / "site-offline.zip") as z:
        z.extractall(tmp_path)
    root = tmp_path / "知识库离线版"
    assert (root / "handbook.pdf").stat().st_size > 10_000 and (root / "widget" / "index.html").is_file()
    page.goto((root / "index.html").as_uri())
    assert "电信客服服务规范知识库" in page.title()
    page.locator("a.md-tabs__link", has_text="按类型").first.click()
    page.wait_for_load_state()
    assert page.url.endswith(".html") and "scripts" in page.url
    assert page.locator("h1").first.inner_text() != "Index of"
    page.goto((root / "forbidden.html").as_uri() + "#redline-mock-sarcasm")
    assert "我都讲了多少遍了" in page.locator("#redline-mock-sarcasm + .kb-entry").inner_text()
    assert page.outside == []  # the Web Worker shim comes from the zip, not unpkg.com


def test_home_page_links_work_on_a_plain_static_server(full_build):
    """The site folder alone (any static server) links to files it carries: handbook, widget, zip."""
    import re

    site = full_build.path / "site"
    home = (site / "index.html").read_text("utf-8")
    for link, file in (("handbook.pdf", "handbook.pdf"), ("widget/", "widget/index.html"),
                       ("site-offline.zip", "site-offline.zip")):
        assert re.search(rf'href="(\./)?{re.escape(link)}"', home), link
        assert (site / file).is_file() and (site / file).stat().st_size > 1000
