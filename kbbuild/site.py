"""Build the static site: copy docs/, add the pages generated from the KB, run MkDocs in strict mode."""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import warnings
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .changes import recent
from .freshness import CHANGES_PAGE, entry_badges, render_changes_page
from .load import KB
from .operators import doc_operators, profiles
from .pages import generated_pages, render_sources_list
from .settings import Settings

VENDOR = Path(__file__).parent / "assets" / "vendor"

SEARCH_PLUGIN = "material/search"
# Frequency given to domain words; keep in step with analysis.init_jieba so the site search and the
# API segment the same way.
JIEBA_FREQ = 200_000


class SiteError(Exception):
    """MkDocs failed; the message carries its warnings and errors."""


def jieba_user_dict(kb: KB) -> str:
    """jieba user dictionary text ("word freq" per line) from the vocabulary: words, roles, synonyms."""
    words = (w.strip() for w in kb.vocabulary.segmentation_words())
    return "".join(f"{w} {JIEBA_FREQ}\n" for w in words if w and " " not in w)


def write_docs(kb: KB, docs_src: Path, docs_out: Path, operator: str | None = None,
               freshness: tuple[dict[str, str], str] | None = None) -> None:
    """Copy the hand-written docs and write the generated pages next to them.

    `freshness`: the badges per entry and the 最近更新 page (kbbuild/freshness.py), when the build has them.
    """
    shutil.copytree(docs_src, docs_out)
    entries = [loc.entry for loc in kb.entries]
    badges, changes_page = freshness or ({}, "# 最近更新\n\n本次构建没有更新记录。\n")
    (docs_out / CHANGES_PAGE).write_text(changes_page, "utf-8")
    for rel, text in generated_pages(entries, kb.sources, badges).items():
        path = docs_out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
    config = {"operators": profiles(doc_operators(kb.sources)), "defaultOperator": operator}
    (docs_out / "assets" / "kb-config.js").write_text(f"window.KB_CONFIG = {json.dumps(config, ensure_ascii=False)};\n",
                                                      "utf-8")
    sources_md = docs_out / "sources.md"
    intro = sources_md.read_text("utf-8") if sources_md.exists() else "# 来源文件\n"
    sources_md.write_text(intro.rstrip() + "\n" + render_sources_list(kb.sources, entries), "utf-8")


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(f"{record.levelname}: {record.getMessage()}")


@contextmanager
def _mkdocs_messages() -> Iterator[_Collect]:
    handler = _Collect()
    logger = logging.getLogger("mkdocs")
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


def run_mkdocs(config_file: Path, docs_dir: Path, site_dir: Path, jieba_dict: Path, offline: bool = False) -> None:
    """Run MkDocs with strict=True (any warning fails); raise SiteError with the messages.

    offline: the copy that works from file:// (Material's offline plugin, no directory URLs).
    """
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")  # silences the end-of-life banner
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    with _mkdocs_messages() as log:
        try:
            extra: dict[str, Any] = {}
            if offline:  # the Web Worker shim from our copy, not unpkg.com (the plugin's default)
                extra = {"use_directory_urls": False, "plugins": [{"search": {"lang": "zh"}}, "offline"],
                         "extra": {"polyfills": [SHIM]}}
            cfg = load_config(config_file=str(config_file), docs_dir=str(docs_dir),
                              site_dir=str(site_dir), strict=True, **extra)
            # The dictionary is generated per build, so it cannot be named in mkdocs.yml.
            cfg.plugins[SEARCH_PLUGIN].config.jieba_dict_user = str(jieba_dict)
            with warnings.catch_warnings():
                # jieba.load_userdict never closes the file it opens; not ours to fix, and harmless.
                warnings.filterwarnings("ignore", r"unclosed file .*jieba", ResourceWarning)
                build(cfg)
        except (MkDocsException, SystemExit) as exc:
            details = "\n".join(log.messages) or str(exc)
            raise SiteError(f"mkdocs build failed ({type(exc).__name__}: {exc}):\n{details}") from exc


OFFLINE_ZIP = "site-offline.zip"
SHIM = "assets/vendor/iframe-worker-shim.js"  # copied into the docs from kbbuild/assets/vendor/
LINKED = ("handbook.pdf", "widget/index.html", OFFLINE_ZIP)  # keep in step with the links in docs/index.md


def zip_folder(folder: Path, zip_path: Path) -> None:
    """The folder's files, in a stable order under one top folder (so unpacking makes no mess)."""
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as z:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            z.write(path, Path("知识库离线版") / path.relative_to(folder))


def freshness_of(kb: KB, settings: Settings, changes: Path | None, built: str | None) -> tuple[dict[str, str], str]:
    """Badges per entry and the 最近更新 page, as of the build's time (the site is static)."""
    history = json.loads(changes.read_text("utf-8")) if changes and changes.is_file() else {}
    now = datetime.fromisoformat(built) if built else datetime.now(UTC)
    entries = [loc.entry for loc in kb.entries]
    fresh = recent(history, now, settings.changed_badge_days)
    return (entry_badges(entries, now.date(), settings.review_days, fresh),
            render_changes_page(history, entries, settings.changed_badge_days))


def build_site(kb: KB, site_dir: Path, settings: Settings, extras: dict[str, Path] | None = None,
               changes: Path | None = None, built: str | None = None) -> int:
    """Generate the entry pages and build the site into site_dir; return the number of HTML pages.

    `extras` (the handbook PDF, the widget) are copied in, so the site folder served by any static
    server links to them; the same goes into site-offline.zip, the copy that opens from disk.
    """
    with tempfile.TemporaryDirectory(prefix="kb-site-") as tmp:
        docs = Path(tmp) / "docs"
        write_docs(kb, settings.docs_dir, docs, settings.operator, freshness_of(kb, settings, changes, built))
        shutil.copytree(VENDOR, docs / "assets" / "vendor")
        for name, path in (extras or {}).items():
            if path.is_dir():
                shutil.copytree(path, docs / name)
            elif path.is_file():
                shutil.copy2(path, docs / name)
        # The home page links these; a build without one (a test's) still gets a page that says so.
        for name in LINKED:
            if not (docs / name).exists():
                (docs / name).parent.mkdir(parents=True, exist_ok=True)
                (docs / name).write_text("本次构建未包含此文件。\n", "utf-8")
        jieba_dict = Path(tmp) / "jieba_user.txt"  # outside docs/, so it is not published
        jieba_dict.write_text(jieba_user_dict(kb), "utf-8")
        run_mkdocs(settings.mkdocs_yml, docs, site_dir.resolve(), jieba_dict)
        offline = Path(tmp) / "offline"
        run_mkdocs(settings.mkdocs_yml, docs, offline, jieba_dict, offline=True)
        (offline / OFFLINE_ZIP).unlink()  # the offline copy does not carry itself
        zip_folder(offline, site_dir / OFFLINE_ZIP)
    return sum(1 for _ in site_dir.rglob("*.html"))
