"""The static site: pure page renderers, then one real build of kb/ checked page by page."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import jieba
import pytest

from kbbuild.load import load_kb
from kbbuild.model import ENTRY_MODELS, TYPES
from kbbuild.pages import generated_pages, md_heading, render_entry, render_type_page
from kbbuild.settings import Settings
from kbbuild.site import SiteError, build_site, jieba_user_dict, run_mkdocs
from kbbuild.urls import TYPE_PAGES

EVIL = "<script>alert(1)</script>"
SOURCE = [{"doc": "001_8fb4601525646902.txt", "quote": "原文摘录"}]


def make(type_: str, **fields):
    base = {"id": f"x-{type_}", "type": type_, "title": "标题", "channels": ["hotline"], "sources": SOURCE}
    return ENTRY_MODELS[type_].model_validate({**base, **fields})


def evil_entries():
    return [
        make("script", title=f"标题{EVIL}", when=EVIL, say=[f"您好{EVIL}", "第二种说法"], tags=[EVIL]),
        make("forbidden", phrases=[EVIL], instead=[f"请{EVIL}"], why=EVIL, severity="red-line",
             allow=[EVIL]),
        make("process", steps=[{"what": EVIL, "who": EVIL, "say": EVIL, "within": "2 小时"}]),
        make("escalation", trigger=EVIL, path=[{"from": EVIL, "to": "值班长", "within": "30 分钟"}],
             ticket={"name": EVIL, "fields": [EVIL], "template": EVIL}),
        make("rule", statement=EVIL, limits=[{"value": 15, "unit": "秒", "what": EVIL}],
             windows=[{"what": EVIL, "start": "22:00", "end": "07:00"}]),
    ]


# --- pure renderers -------------------------------------------------------------------------

@pytest.mark.parametrize("entry", evil_entries(), ids=lambda e: e.type)
def test_render_entry_escapes_yaml_text(entry):
    text = render_entry(entry, {entry.id: entry}, None)
    assert "<script" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert f"{{#{entry.id}}}" in text.splitlines()[0]


def test_heading_escapes_markdown_syntax():
    assert md_heading("a*b*_c_ {#x} [l](u)") == r"a\*b\*\_c\_ \{\#x\} \[l\]\(u\)"


def test_script_page_shows_each_variant_in_its_own_copy_block():
    entries = evil_entries()
    page = render_type_page("script", entries, {e.id: e for e in entries}, None)
    assert page.count("data-kb-copy") == 2
    assert "第二种说法" in page and "说法 2" in page
    assert "## 热线 {#channel_hotline}" in page


def test_forbidden_shows_both_columns_and_severity():
    entry = evil_entries()[1]
    text = render_entry(entry, {entry.id: entry}, None)
    assert 'class="kb-bad"' in text and 'class="kb-good"' in text
    assert "kb-red-line" in text and "高压线" in text


def test_rule_limit_badge():
    entry = evil_entries()[4]
    assert '<span class="kb-limit">15 秒</span>' in render_entry(entry, {}, None)


def test_multi_channel_entries_are_grouped_once():
    entry = make("rule", statement="规则", channels=["hotline", "hall"])
    page = render_type_page("rule", [entry], {entry.id: entry}, None)
    assert page.count("{#x-rule}") == 1 and "多渠道通用" in page


def test_generated_pages_cover_the_nav():
    nav = Path(Settings().mkdocs_yml).read_text("utf-8")
    for path in generated_pages([], None):
        assert f": {path}" in nav, path


def test_jieba_user_dict_has_words_roles_and_synonyms():
    kb = load_kb(Settings().kb_dir)
    lines = jieba_user_dict(kb).splitlines()
    words = {line.split()[0] for line in lines}
    assert set(kb.vocabulary.words) <= words and set(kb.vocabulary.roles) <= words
    assert len(words) == len(lines)


def test_mkdocs_failure_is_reported(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "index.md").write_text("[broken](missing.md)\n", "utf-8")
    with pytest.raises(SiteError, match="missing.md"):
        run_mkdocs(Settings().mkdocs_yml, docs, tmp_path / "site", tmp_path / "dict.txt")


# --- one real build --------------------------------------------------------------------------

@pytest.fixture(scope="session")
def kb():
    return load_kb(Settings().kb_dir)


@pytest.fixture(scope="session")
def built(kb, tmp_path_factory):
    site = tmp_path_factory.mktemp("site") / "site"
    count = build_site(kb, site, Settings())
    return site, count


@pytest.fixture(scope="session")
def site(built):
    return built[0]


class _Doc(HTMLParser):
    """Collects ids, links and loaded resources of one HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.resources: list[str] = []
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        for attr in ("src", "srcset", "data", "poster"):
            if a.get(attr):
                self.resources.append(a[attr])
        if tag == "link" and a.get("href"):
            self.resources.append(a["href"])
        if a.get("style"):
            self.styles.append(a["style"])
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.styles.append(data)


def parse(path: Path) -> _Doc:
    doc = _Doc()
    doc.feed(path.read_text("utf-8"))
    return doc


def page_of(site: Path, type_: str) -> Path:
    return site / TYPE_PAGES[type_] / "index.html"


def test_build_counts_pages(built):
    site, count = built
    assert count == len(list(site.rglob("*.html"))) >= 14


@pytest.mark.parametrize("type_", TYPES)
def test_every_entry_has_its_anchor_on_its_type_page(site, kb, type_):
    ids = parse(page_of(site, type_)).ids
    expected = {loc.entry.id for loc in kb.entries if loc.entry.type == type_}
    assert expected <= ids, sorted(expected - ids)


def test_script_page_shows_words_to_say(site, kb):
    html = page_of(site, "script").read_text("utf-8")
    scripts = [loc.entry for loc in kb.entries if loc.entry.type == "script"]
    assert scripts
    for entry in scripts:
        assert re.sub(r"\s+", " ", entry.say[0].replace("&", "&amp;"))[:20] in html


def test_forbidden_page_shows_phrases_and_instead(site, kb):
    import html as h

    page = page_of(site, "forbidden").read_text("utf-8")
    for entry in (loc.entry for loc in kb.entries if loc.entry.type == "forbidden"):
        for text in [*entry.phrases, *entry.instead]:
            assert h.escape(text) in page, (entry.id, text)


def test_search_segments_domain_words(site, kb):
    index = json.loads((site / "search" / "search_index.json").read_text("utf-8"))
    separator = re.compile(index["config"]["separator"])
    tokens = {tok for doc in index["docs"] for tok in separator.split(re.sub(r"<[^>]+>", " ", doc["text"]))}
    plain = jieba.Tokenizer()  # jieba without the KB's dictionary
    split_by_default = [w for w in kb.vocabulary.words if len(list(plain.cut(w))) > 1]
    assert split_by_default, "expected some domain words that jieba splits without the user dictionary"
    assert set(split_by_default) & tokens, "no domain word is indexed as one token: user dictionary unused?"
    assert "接入语" in tokens
    greeting = next(d for d in index["docs"] if d["location"] == "scripts/#hotline-greeting")
    assert greeting["title"].replace("\u200b", "") == "热线通用接入语"


EXTERNAL = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:)?//", re.I)
CSS_URL = re.compile(r"""(?:url\(\s*['"]?|@import\s+['"])([^'")\s]+)""", re.I)


def test_no_external_resources(site):
    bad = []
    for path in site.rglob("*.html"):
        doc = parse(path)
        refs = doc.resources + [u for s in doc.styles for u in CSS_URL.findall(s)]
        bad += [(path.relative_to(site).as_posix(), r) for r in refs if EXTERNAL.match(r)]
    for path in site.rglob("*.css"):
        bad += [(path.relative_to(site).as_posix(), u) for u in CSS_URL.findall(path.read_text("utf-8"))
                if EXTERNAL.match(u)]
    assert not bad


def test_internal_links_resolve(site):
    docs = {p: parse(p) for p in site.rglob("*.html")}
    broken = []
    for path, doc in docs.items():
        page_url = "http://site/" + path.relative_to(site).as_posix()
        for href in doc.links:
            if EXTERNAL.match(href) or href.startswith(("/", "mailto:")):
                continue  # /widget/ and /handbook.pdf are served beside the site by the API
            parts = urlsplit(urljoin(page_url, href))
            target = site / unquote(parts.path).lstrip("/")
            if target.is_dir() or parts.path.endswith("/"):
                target = target / "index.html"
            anchor = unquote(parts.fragment)
            ids = docs[target].ids if target.suffix == ".html" and target.exists() else set()
            if not target.exists() or (anchor and ids and anchor not in ids):
                broken.append((path.relative_to(site).as_posix(), href))
    assert not broken


def test_editors_notes_are_marked_for_editors(repo_kb):
    entries = repo_kb.by_id()
    entry = entries["forbidden-deny-attitude-business-is-so"]
    text = render_entry(entry, entries, None)
    assert "编辑备注" in text and "原表该格被打散" in text
