"""The printable handbook: entries → one HTML document (pure) → an A4 PDF with WeasyPrint (edge)."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from .model import CHANNEL_LABELS, CHANNELS, SEVERITY_LABELS, TYPE_LABELS, TYPES, Limit, SourceRegistry
from .operators import doc_operators, entry_operators, visible
from .text import unquoted

TEMPLATES = Path(__file__).parent / "templates"
TITLE = "电信客服服务规范手册"
# The CSS names this family first; keep in step with handbook.css.
CJK_FAMILY = "Noto Sans CJK SC"
NO_FONT = "No CJK font found: install the Debian package fonts-noto-cjk (apt-get install fonts-noto-cjk)"
BOUND_LABELS = {"max": "不超过", "min": "不少于", "exact": ""}
COVER_CHANGES = 12  # changes listed on the cover; more are counted
CHANGE_LABELS = {"added": "新增", "changed": "修改", "removed": "删除"}


class HandbookError(Exception):
    """The handbook cannot be made (no CJK font, nothing to print); the message says what to do."""


@dataclass(frozen=True)
class CjkFont:
    family: str
    file: str


@dataclass
class Group:
    channel: str
    label: str
    anchor: str
    entries: list[Any] = field(default_factory=list)


@dataclass
class Chapter:
    type: str
    label: str
    number: int
    anchor: str
    groups: list[Group] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(len(g.entries) for g in self.groups)


def find_cjk_font() -> CjkFont | None:
    """A Chinese-capable font known to fontconfig, preferring Noto Sans CJK SC; None if there is none."""
    if shutil.which("fc-list") is None:
        return None
    try:
        out = subprocess.run(["fc-list", ":lang=zh", "-f", "%{family[0]}\t%{file}\n"],
                             capture_output=True, text=True, timeout=30, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    fonts = [CjkFont(*line.split("\t", 1)) for line in out.splitlines() if "\t" in line]
    if not fonts:
        return None
    # fc-list lists a .ttc once per face; the SC face of Noto Sans CJK may not be family[0].
    for font in fonts:
        if font.family == CJK_FAMILY:
            return font
    for font in fonts:
        if "Sans CJK" in font.family:
            return CjkFont(CJK_FAMILY, font.file)
    return sorted(fonts, key=lambda f: ("Sans" not in f.family, f.family))[0]


def limit_text(limit: Limit) -> str:
    """'等待 不超过 15 秒' style wording of a limit, without its `what` when absent."""
    bound = BOUND_LABELS[limit.bound]
    return " ".join(p for p in (bound, limit.label()) if p)


def select_entries(entries: Iterable[Any], channel: str | None = None, type_: str | None = None,
                   operator: str | None = None, sources: SourceRegistry | None = None) -> list[Any]:
    by_doc = doc_operators(sources)
    return [e for e in entries
            if (channel is None or channel in e.channels) and (type_ is None or e.type == type_)
            and (operator is None or visible(entry_operators(e, by_doc), operator))]


def chapters_of(entries: Sequence[Any], channel: str | None = None) -> list[Chapter]:
    """One chapter per type in TYPES order, grouped by channel (an entry under its first channel only)."""
    chapters: list[Chapter] = []
    for type_ in TYPES:
        of_type = [e for e in entries if e.type == type_]
        if not of_type:
            continue
        chapter = Chapter(type_, TYPE_LABELS[type_], len(chapters) + 1, f"chapter-{type_}")
        for ch in CHANNELS:
            # With a channel filter every entry belongs under that channel, whatever its first one is.
            members = [e for e in of_type if (channel or e.channels[0]) == ch]
            if members:
                chapter.groups.append(Group(ch, CHANNEL_LABELS[ch], f"chapter-{type_}-{ch}", members))
        chapters.append(chapter)
    return chapters


def quoted(text: str) -> str:
    """“text”, once: a quote that already carries its own quotation marks is not wrapped again."""
    return f"“{unquoted(text)}”"


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["limit"] = limit_text
    env.filters["bound_label"] = BOUND_LABELS.get
    env.filters["channel_label"] = lambda c: CHANNEL_LABELS.get(c, c)
    env.filters["q"] = quoted
    return env


def subtitle(channel: str | None, type_: str | None, operator: str | None = None) -> str:
    parts = [f"单位：{operator}（含通用规范）"] if operator else []
    if channel:
        parts.append(f"渠道：{CHANNEL_LABELS[channel]}")
    if type_:
        parts.append(f"类型：{TYPE_LABELS[type_]}")
    return " · ".join(parts) or "全部渠道 · 全部类型"


def render_handbook_html(entries: Iterable[Any], sources: SourceRegistry | None, *, kb_version: str,
                         build_date: date, channel: str | None = None, type_: str | None = None,
                         font_family: str = CJK_FAMILY, operator: str | None = None,
                         changes: Sequence[Mapping[str, Any]] = ()) -> str:
    """The whole handbook as one self-contained HTML document (CSS inlined)."""
    entries = list(entries)
    selected = select_entries(entries, channel, type_, operator, sources)
    chapters = chapters_of(selected, channel)
    by_id = {e.id: e for e in entries}
    present = {e.id for e in selected}
    titles = {s.doc: s.title for s in sources.sources} if sources else {}
    css = (TEMPLATES / "handbook.css").read_text("utf-8")
    if font_family != CJK_FAMILY:
        css = css.replace(f'"{CJK_FAMILY}",', f'"{CJK_FAMILY}", "{font_family}",', 1)
    return _environment().get_template("handbook.html.j2").render(
        title=TITLE,
        subtitle=subtitle(channel, type_, operator),
        filtered=bool(channel or type_ or operator),
        channel=channel,
        chapters=chapters,
        entry_count=len(selected),
        kb_version=kb_version,
        build_date=build_date.isoformat(),
        css=css,
        by_id=by_id,
        present=present,
        source_title=lambda doc: titles.get(doc, doc),
        severity_labels=SEVERITY_LABELS,
        channel_labels=CHANNEL_LABELS,
        changes=changes[:COVER_CHANGES],
        more_changes=max(0, len(changes) - COVER_CHANGES),
        change_labels=CHANGE_LABELS,
    ).lstrip()  # the macro definitions leave blank lines before <!DOCTYPE>


@dataclass(frozen=True)
class HandbookResult:
    pdf: Path
    html: Path
    pages: int
    entries: int


def make_handbook(entries: Sequence[Any], sources: SourceRegistry | None, out_dir: Path, *,
                  kb_version: str, channel: str | None = None, type_: str | None = None,
                  build_date: date | None = None, basename: str = "handbook",
                  operator: str | None = None, changes: Sequence[Mapping[str, Any]] = ()) -> HandbookResult:
    """Write out_dir/<basename>.html and .pdf; raise HandbookError before writing anything if it can't."""
    entries = list(entries)
    font = find_cjk_font()
    if font is None:
        # Without one WeasyPrint happily draws empty boxes, and pdftotext would still look right.
        raise HandbookError(NO_FONT)
    count = len(select_entries(entries, channel, type_, operator, sources))
    if count == 0:
        raise HandbookError(f"no entries match ({subtitle(channel, type_, operator)}): nothing to print")
    html = render_handbook_html(entries, sources, kb_version=kb_version,
                                build_date=build_date or date.today(), channel=channel, type_=type_,
                                font_family=font.family, operator=operator, changes=changes)
    from weasyprint import HTML  # imported here: loading WeasyPrint costs a second

    document = HTML(string=html, base_url=str(out_dir)).render()
    out_dir.mkdir(parents=True, exist_ok=True)
    html_path, pdf_path = out_dir / f"{basename}.html", out_dir / f"{basename}.pdf"
    html_path.write_text(html, "utf-8")
    document.write_pdf(pdf_path)
    return HandbookResult(pdf_path, html_path, len(document.pages), count)


def build_handbook(entries: Sequence[Any], sources: SourceRegistry | None, out_dir: Path, *,
                   kb_version: str, channel: str | None = None, type_: str | None = None,
                   build_date: date | None = None, basename: str = "handbook",
                   operator: str | None = None, changes: Path | None = None) -> Path:
    """The `handbook` build stage: write the HTML and PDF, return the PDF's path.

    `changes`: this build's changes.json; what changed since the previous release goes on the cover.
    """
    from .changes import latest_changes

    return make_handbook(entries, sources, out_dir, kb_version=kb_version, channel=channel, type_=type_,
                         build_date=build_date, basename=basename, operator=operator,
                         changes=latest_changes(changes)).pdf
