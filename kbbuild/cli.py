"""The `kb` command line: the only place that prints and sets exit codes."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .load import KB, load_kb
from .settings import get_settings
from .stats import format_stats, kb_stats
from .validate import check_kb

KB_DIR = click.Path(file_okay=False, path_type=Path)


def _load_checked(kb_dir: Path | None) -> tuple[KB, list[str]]:
    settings = get_settings()
    kb_dir = kb_dir or settings.kb_dir
    if not kb_dir.is_dir():
        raise click.UsageError(f"no KB folder at {kb_dir}")
    kb = load_kb(kb_dir)
    seeds = settings.seeds_dir if settings.seeds_dir.is_dir() else None
    problems = check_kb(kb, seeds, vocab_file=f"{kb_dir.name}/vocabulary.yaml")
    return kb, [str(p) for p in problems]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Telecom service-norm knowledge base: check, build, serve."""


@main.command()
@click.argument("kb_dir", required=False, type=KB_DIR)
def check(kb_dir: Path | None) -> None:
    """Validate every YAML file of the KB; exit 1 if anything is wrong."""
    kb, problems = _load_checked(kb_dir)
    for line in problems:
        click.echo(line)
    if problems:
        click.echo(f"{len(problems)} problem(s) in {kb_dir or get_settings().kb_dir}", err=True)
        sys.exit(1)
    click.echo(f"ok: {len(kb.entries)} entries, no problems", err=True)


@main.command()
@click.argument("kb_dir", required=False, type=KB_DIR)
def stats(kb_dir: Path | None) -> None:
    """Print counts by type, channel and source document."""
    kb, problems = _load_checked(kb_dir)
    entries = [loc.entry for loc in kb.entries]
    click.echo(format_stats(kb_stats(entries), len(entries)))
    if problems:
        click.echo(f"note: {len(problems)} problem(s); run `kb check`", err=True)


if __name__ == "__main__":  # pragma: no cover
    main()
