"""What every `kb` command that reads the KB shares: load it, check it, name paths as the user typed them."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .load import KB, load_kb, shown_as
from .messages import text
from .problems import Problem
from .settings import get_settings
from .validate import check_kb


def load_checked(kb_dir: Path | None) -> tuple[KB, list[str]]:
    """The KB (default kb/) and every error `kb check` would print; a missing folder is a usage error."""
    kb, problems = load_with_warnings(kb_dir)
    return kb, [p.render(get_settings().lang) for p in problems if not p.warning]


def load_with_warnings(kb_dir: Path | None) -> tuple[KB, list[Problem]]:
    """The KB and every problem, warnings included (only `kb check` shows those)."""
    settings = get_settings()
    kb_dir = kb_dir or settings.kb_dir
    if not kb_dir.is_dir():
        raise click.UsageError(text("no_kb_folder", settings.lang, path=kb_dir))
    kb = load_kb(kb_dir, cwd=Path.cwd())
    seeds = settings.seeds_dir if settings.seeds_dir.is_dir() else None
    vocab_file = shown_as(kb_dir, Path.cwd()) / "vocabulary.yaml"
    return kb, check_kb(kb, seeds, vocab_file=vocab_file.as_posix())


def require_clean(kb_dir: Path | None, refused: str) -> KB:
    """The checked KB, or print its problems and exit 1 with `refused` (the key of the message saying
    what was not done, kbbuild/messages.py)."""
    kb, problems = load_checked(kb_dir)
    if problems:
        for line in problems:
            click.echo(line)
        lang = get_settings().lang
        click.echo(text("refused", lang, what=text(refused, "zh"), what_en=text(refused, "en"),
                        count=len(problems), kb=kb_dir or get_settings().kb_dir), err=True)
        sys.exit(1)
    return kb
