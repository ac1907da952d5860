"""`kb qa`: check call transcripts (files or folders, text / JSON / JSONL, many calls) for forbidden speech."""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import click

from .check import Checker
from .cli_common import load_checked
from .qa import (
    CallResult,
    check_call,
    collect,
    format_text,
    red_line,
    violations_csv,
    violations_json,
    write_report,
)
from .settings import get_settings
from .transcripts import Call, SpeakerRules, TranscriptError, parse_file

_worker: dict[str, Any] = {}


def _checker(records: list[dict[str, Any]], suspect: Any, threads: int) -> Checker:
    from .search.embedder import load_embedder, pin_threads

    if suspect is None:
        return Checker(records)
    pin_threads(threads)
    return Checker(records, suspect, load_embedder(get_settings().embedder), max_windows=10_000)


def _init_worker(records: list[dict[str, Any]], suspect: Any) -> None:
    _worker["checker"] = _checker(records, suspect, 1)  # one core per process
    _worker["tier2"] = suspect is not None


def _check_calls(calls: list[Call]) -> list[CallResult]:
    return [check_call(c, _worker["checker"], _worker["tier2"]) for c in calls]


def _train(kb: Any, records: list[dict[str, Any]]) -> Any:
    """Tier 2 trained on the KB as it is (vectors come from the build's cache when they are there)."""
    from .check.suspect import SuspectModel, training_set
    from .search.embedder import CachedEmbedder, load_embedder, pin_threads

    settings = get_settings()
    data = training_set(records, kb.lookalikes)
    if len(set(data.labels)) < 2:
        return None
    pin_threads(settings.build_threads)
    embedder = CachedEmbedder(load_embedder(settings.embedder), settings.cache_dir)
    model = SuspectModel.train(data, embedder, settings.check_threshold)
    embedder.save()
    return model


def _run(calls: list[Call], records: list[dict[str, Any]], suspect: Any, jobs: int) -> list[CallResult]:
    label = "检查通话"
    if jobs <= 1:
        _init_worker(records, suspect)
        with click.progressbar(calls, label=label, file=sys.stderr) as bar:
            return [r for c in bar for r in _check_calls([c])]
    chunks = [calls[i : i + 20] for i in range(0, len(calls), 20)]
    results: list[CallResult] = []
    with ProcessPoolExecutor(jobs, initializer=_init_worker, initargs=(records, suspect)) as pool, \
            click.progressbar(length=len(calls), label=label, file=sys.stderr) as bar:
        for done in pool.map(_check_calls, chunks):
            results += done
            bar.update(len(done))
    return results


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json", "csv"]), default="text",
              help="Report format on stdout (text: per call, in Chinese).")
@click.option("--report", "report_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Also write violations.csv, agents.csv, entries.csv and report.html here.")
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=1, help="Processes (one core each).")
@click.option("--tier1-only", is_flag=True, help="Only listed forbidden wordings (no 疑似; much faster).")
@click.option("--agent-pattern", default=None, help="Regex (full match) of speaker labels that are the agent.")
@click.option("--customer-pattern", default=None, help="Regex (full match) of labels that are the customer.")
@click.option("--agent-role", "agent_roles", multiple=True,
              help="Role value of an ASR export that means the agent (e.g. 1, A, spk0); repeatable.")
@click.option("--customer-role", "customer_roles", multiple=True, help="Role value that means the customer.")
@click.option("--kb", "kb_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="KB folder (default kb/).")
def qa(paths: Sequence[Path], fmt: str, report_dir: Path | None, jobs: int, tier1_only: bool,
       agent_pattern: str | None, customer_pattern: str | None, agent_roles: tuple[str, ...],
       customer_roles: tuple[str, ...], kb_dir: Path | None) -> None:
    """Check call transcripts for forbidden speech (禁语 certain, 疑似 to review); exit 1 on a red line."""
    from .build import entry_record

    try:
        rules = SpeakerRules(re.compile(agent_pattern) if agent_pattern else None,
                             re.compile(customer_pattern) if customer_pattern else None,
                             agent_roles, customer_roles)
    except re.error as exc:
        raise click.BadParameter(f"正则表达式有误：{exc}") from exc
    kb, problems = load_checked(kb_dir)
    if problems:
        click.echo(f"注意：知识库有 {len(problems)} 个问题，请运行 kb check", err=True)
    records = [entry_record(loc.entry) for loc in kb.entries]
    calls: list[Call] = []
    for path in collect(paths):
        try:
            calls += parse_file(path, rules)
        except TranscriptError as exc:
            click.echo(f"{path}: {exc}", err=True)
    if not calls:
        raise click.UsageError("没有可检查的通话记录（.txt / .json / .jsonl）")
    suspect = None if tier1_only else _train(kb, records)
    results = _run(calls, records, suspect, jobs)
    if fmt == "text":
        for result in results:
            click.echo(format_text(result))
    else:
        click.echo(violations_json(results) if fmt == "json" else violations_csv(results).rstrip("\n"))
    if report_dir is not None:
        for written in write_report(results, report_dir):
            click.echo(f"已写入 {written}", err=True)
    if red_line(results):
        sys.exit(1)
