"""The printable handbook: pure HTML rendering, the PDF of the real KB, and `kb handbook`."""

from __future__ import annotations

import re
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pydantic import TypeAdapter

from kbbuild import handbook
from kbbuild.cli_handbook import handbook as handbook_cmd
from kbbuild.handbook import (
    HandbookError,
    HandbookResult,
    build_handbook,
    chapters_of,
    limit_text,
    make_handbook,
    render_handbook_html,
)
from kbbuild.load import KB
from kbbuild.model import TYPE_LABELS, TYPES, Entry, Limit, ScriptEntry, SourceRegistry

SOURCES = SourceRegistry.model_validate({"sources": [{"doc": "tiny.txt", "title": "测试规范"}]})
TOC_CHAPTER = re.compile(r'<li class="toc-chapter"><a href="#([^"]+)">([^<]+)</a>')
CHAPTER_TITLE = re.compile(r'<h1 class="chapter-title" id="([^"]+)">([^<]+)</h1>')


def script(id_: str, channels: list[str], title: str = "问候", say: str = "您好，很高兴为您服务！") -> Any:
    return ScriptEntry.model_validate({
        "id": id_, "type": "script", "title": title, "channels": channels, "when": "接通后",
        "say": [say], "sources": [{"doc": "tiny.txt", "quote": "您好"}],
    })


def squash(text: str) -> str:
    """pdftotext breaks lines and spaces table cells; compare text with all whitespace removed."""
    return re.sub(r"\s+", "", text)


def pdftotext(pdf: Path, first: int | None = None, last: int | None = None) -> str:
    pages = [*(["-f", str(first)] if first else []), *(["-l", str(last)] if last else [])]
    return subprocess.run(["pdftotext", *pages, str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout


def page_count(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))  # type: ignore[union-attr]


@pytest.fixture(scope="session")
def entries(repo_kb: KB) -> list[Any]:
    return [loc.entry for loc in repo_kb.entries]


@pytest.fixture(scope="session")
def full_handbook(repo_kb: KB, entries: list[Any],
                  tmp_path_factory: pytest.TempPathFactory) -> HandbookResult:
    out = tmp_path_factory.mktemp("handbook")
    return make_handbook(entries, repo_kb.sources, out, kb_version="test", build_date=date(2024, 5, 1))


@pytest.fixture(scope="session")
def hall_handbook(repo_kb: KB, entries: list[Any],
                  tmp_path_factory: pytest.TempPathFactory) -> HandbookResult:
    out = tmp_path_factory.mktemp("handbook-hall")
    return make_handbook(entries, repo_kb.sources, out, kb_version="test", channel="hall",
                         basename="handbook-hall")


# ---- the pure half -------------------------------------------------------------------------------------

def test_title_is_escaped() -> None:
    html = render_handbook_html([script("evil", ["hotline"], title="<script>alert(1)</script>")], SOURCES,
                                kb_version="v1", build_date=date(2024, 5, 1))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>" not in html


def test_css_is_inlined_unescaped() -> None:
    # An escaped stylesheet (&#34;Noto Sans CJK SC&#34;) silently falls back to a serif JP font.
    html = render_handbook_html([script("a", ["hotline"])], SOURCES, kb_version="v1",
                                build_date=date(2024, 5, 1))
    assert 'font-family: "Noto Sans CJK SC"' in html


def test_cover_shows_filter_date_and_version() -> None:
    html = render_handbook_html([script("a", ["hall"])], SOURCES, kb_version="abc123",
                                build_date=date(2024, 5, 1), channel="hall", type_="script")
    assert "电信客服服务规范手册" in html
    assert "渠道：营业厅 · 类型：话术" in html
    assert "2024-05-01" in html and "abc123" in html


def test_entry_appears_under_first_channel_only_and_lists_the_others() -> None:
    html = render_handbook_html([script("both", ["hall", "hotline"])], SOURCES, kb_version="v1",
                                build_date=date(2024, 5, 1))
    assert html.count('id="both"') == 1
    assert 'id="chapter-script-hall"' in html and 'id="chapter-script-hotline"' not in html
    assert "亦适用：热线" in html


def test_every_type_renders_its_fields() -> None:
    src = [{"doc": "tiny.txt", "quote": "您好"}]
    entries = [script("greet", ["hotline"]), *(TypeAdapter(Entry).validate_python(d) for d in [
        {"id": "p", "type": "process", "title": "流程", "channels": ["hall"], "sources": src,
         "steps": [{"what": "等待", "who": "坐席", "say": "请稍等", "within": "2 秒"}]},
        {"id": "f", "type": "forbidden", "title": "禁语", "channels": ["hotline"], "sources": src,
         "phrases": ["喂，什么事"], "instead_scripts": ["greet"], "why": "生硬", "severity": "red-line"},
        {"id": "e", "type": "escalation", "title": "升级", "channels": ["hall"], "sources": src,
         "trigger": "客户要求", "path": [{"from": "坐席", "to": "值班长", "within": "30 分钟"}],
         "authorised": "补偿", "ticket": {"name": "投诉单", "fields": ["号码"], "template": "客户<号码>"}},
        {"id": "r", "type": "rule", "title": "规则", "channels": ["online"], "sources": src,
         "statement": "不得夜间营销", "limits": [{"value": 20, "unit": "秒", "what": "接通"}],
         "windows": [{"what": "禁发营销短信", "start": "22:00", "end": "07:00"}]},
    ])]
    html = render_handbook_html(entries, SOURCES, kb_version="v1", build_date=date(2024, 5, 1))
    for text in ["请稍等", "时限：不超过 2 秒", "高压线", "喂，什么事", 'href="#greet"', "值班长",
                 "不超过 30 分钟", "投诉单", "客户&lt;号码&gt;", "22:00–07:00", "不超过", "《测试规范》"]:
        assert text in html, text
    assert [c.type for c in chapters_of(entries)] == list(TYPES)


def test_chapters_follow_type_order_and_skip_empty_types(entries: list[Any]) -> None:
    chapters = chapters_of(entries)
    present = [t for t in TYPES if any(e.type == t for e in entries)]
    assert [c.type for c in chapters] == present
    assert sum(c.count for c in chapters) == len(entries)


def test_limit_wording() -> None:
    assert limit_text(Limit.model_validate("15 秒")) == "不超过 15 秒"
    assert limit_text(Limit(value=2, unit="秒", bound="exact")) == "2 秒"
    assert limit_text(Limit(value=75, unit="%", bound="min")) == "不少于 75%"


def test_toc_lists_the_chapters(entries: list[Any], repo_kb: KB) -> None:
    html = render_handbook_html(entries, repo_kb.sources, kb_version="v1", build_date=date(2024, 5, 1))
    toc = TOC_CHAPTER.findall(html)
    assert toc == CHAPTER_TITLE.findall(html)
    present = [t for t in TYPES if any(e.type == t for e in entries)]
    assert [text.split(" 章 ")[1] for _, text in toc] == [TYPE_LABELS[t] for t in present]


# ---- the edge: fonts and files -------------------------------------------------------------------------

def test_no_cjk_font_raises_and_writes_nothing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(handbook, "find_cjk_font", lambda: None)
    with pytest.raises(HandbookError, match="apt-get install fonts-noto-cjk"):
        build_handbook([script("a", ["hotline"])], SOURCES, tmp_path / "out", kb_version="v1")
    assert not (tmp_path / "out").exists()


def test_no_fontconfig_means_no_font(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(handbook.shutil, "which", lambda name: None)
    assert handbook.find_cjk_font() is None


def test_nothing_to_print_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(HandbookError, match="no entries match"):
        build_handbook([script("a", ["hotline"])], SOURCES, tmp_path, kb_version="v1", channel="field")


@pytest.mark.slow
def test_pdf_embeds_noto_sans_cjk_sc(full_handbook: HandbookResult) -> None:
    fonts = subprocess.run(["pdffonts", str(full_handbook.pdf)], capture_output=True, text=True,
                           check=True).stdout
    cjk = [line.split() for line in fonts.splitlines() if "Noto-Sans-CJK-SC" in line]
    assert cjk, fonts
    # The last columns are emb, sub, uni, object and ID: emb is the 5th from the end.
    assert all(cols[-5] == "yes" for cols in cjk), fonts


@pytest.mark.slow
def test_pdf_has_more_pages_than_chapters(full_handbook: HandbookResult, entries: list[Any]) -> None:
    chapters = len(chapters_of(entries))
    assert page_count(full_handbook.pdf) == full_handbook.pages > chapters + 2  # + cover and contents


@pytest.mark.slow
def test_pdf_contents_page_lists_each_chapter_with_a_page(full_handbook: HandbookResult,
                                                          entries: list[Any]) -> None:
    toc = pdftotext(full_handbook.pdf, 2, 2)
    for chapter in chapters_of(entries):
        assert re.search(rf"第 {chapter.number} 章 {chapter.label}[ .]*\d+", toc), toc


@pytest.mark.slow
def test_pdf_contains_known_phrases(full_handbook: HandbookResult, entries: list[Any]) -> None:
    text = squash(pdftotext(full_handbook.pdf))
    assert "很高兴为您服务" in text
    forbidden = next(e for e in entries if e.type == "forbidden" and e.phrases)
    assert squash(forbidden.phrases[0]) in text
    assert f"第3页/共{full_handbook.pages}页" in text  # the cover (page 1) has no footer


@pytest.mark.slow
def test_html_is_written_beside_the_pdf(full_handbook: HandbookResult, entries: list[Any]) -> None:
    assert full_handbook.html == full_handbook.pdf.with_suffix(".html")
    html = full_handbook.html.read_text("utf-8")
    assert all(f'id="{e.id}"' in html for e in entries)


@pytest.mark.slow
def test_hall_handbook_has_only_hall_entries(hall_handbook: HandbookResult, entries: list[Any]) -> None:
    html = hall_handbook.html.read_text("utf-8")
    hall = [e for e in entries if "hall" in e.channels]
    hotline_only = [e for e in entries if e.channels == ["hotline"]]
    assert hall and hotline_only
    assert all(f'id="{e.id}"' in html for e in hall)
    assert not any(f'id="{e.id}"' in html for e in hotline_only)
    text = squash(pdftotext(hall_handbook.pdf))
    assert squash(hall[0].title) in text
    assert "渠道：营业厅" in text


# ---- the command line ----------------------------------------------------------------------------------

TINY_SCRIPTS = """\
- id: hall-greeting
  type: script
  title: 营业厅问候
  channels: [hall]
  when: 客户走近柜台时。
  say: 您好，请问您需要办理什么业务？
  sources: [{doc: tiny.txt, quote: 您好，请问您需要办理什么业务？}]
- id: hotline-greeting
  type: script
  title: 热线问候
  channels: [hotline]
  when: 热线接通后。
  say: 您好，很高兴为您服务！
  sources: [{doc: tiny.txt, quote: 您好，很高兴为您服务！}]
"""


@pytest.fixture
def tiny_kb(tmp_path: Path) -> Path:
    kb = tmp_path / "kb"
    (kb / "scripts").mkdir(parents=True)
    (kb / "sources.yaml").write_text("sources:\n  - doc: tiny.txt\n    title: 测试规范\n", "utf-8")
    (kb / "scripts" / "greetings.yaml").write_text(TINY_SCRIPTS, "utf-8")
    return kb


def test_cli_rejects_an_unknown_channel(tiny_kb: Path) -> None:
    result = CliRunner().invoke(handbook_cmd, ["--channel", "moon", str(tiny_kb)])
    assert result.exit_code == 2
    assert "Invalid value for '--channel'" in result.output


def test_cli_rejects_an_unknown_type(tiny_kb: Path) -> None:
    result = CliRunner().invoke(handbook_cmd, ["--type", "poem", str(tiny_kb)])
    assert result.exit_code == 2


def test_cli_reports_kb_problems(tiny_kb: Path, tmp_path: Path) -> None:
    (tiny_kb / "scripts" / "broken.yaml").write_text("- id: Bad Id\n  type: script\n", "utf-8")
    result = CliRunner().invoke(handbook_cmd, ["--out", str(tmp_path / "h.pdf"), str(tiny_kb)])
    assert result.exit_code == 1
    assert "kb/scripts/broken.yaml:1: id:" in result.output
    assert not (tmp_path / "h.pdf").exists()


def test_cli_reports_a_missing_font_without_traceback(tiny_kb: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(handbook, "find_cjk_font", lambda: None)
    result = CliRunner().invoke(handbook_cmd, ["--out", str(tmp_path / "h.pdf"), str(tiny_kb)])
    assert result.exit_code == 1
    assert "No CJK font found" in result.output and "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_quotes_are_not_doubled() -> None:
    from kbbuild.handbook import quoted

    assert quoted("“您好，请坐！”") == quoted("您好，请坐！") == "“您好，请坐！”"


@pytest.mark.slow
@pytest.mark.parametrize("channel", ["hall", "营业厅"])
def test_cli_writes_the_channel_handbook(tiny_kb: Path, tmp_path: Path, channel: str) -> None:
    out = tmp_path / "out" / "hall.pdf"
    result = CliRunner().invoke(handbook_cmd, ["--channel", channel, "--out", str(out), str(tiny_kb)])
    assert result.exit_code == 0, result.output
    assert re.fullmatch(rf"{re.escape(str(out))}: \d+ pages, 1 entries in \d+\.\d s\n", result.stdout)
    text = squash(pdftotext(out))
    assert "营业厅问候" in text and "热线问候" not in text
    assert out.with_suffix(".html").is_file()
    assert "““" not in out.with_suffix(".html").read_text("utf-8")
