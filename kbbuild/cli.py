"""The `kb` command line: the only place that prints and sets exit codes."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from .build import STAGES
from .cli_common import load_checked, load_with_warnings, require_clean
from .messages import LANGS, text
from .settings import cores, get_settings
from .stats import format_stats, kb_stats

KB_DIR = click.Path(file_okay=False, path_type=Path)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Telecom service-norm knowledge base: check, build, serve."""


@main.command()
@click.option("--lang", type=click.Choice(LANGS), default=None,
              help="Language of the messages: zh (default) or en; or set KB_LANG.")
@click.argument("kb_dir", required=False, type=KB_DIR)
def check(lang: str | None, kb_dir: Path | None) -> None:
    """Validate every YAML file of the KB; exit 1 if anything is wrong."""
    lang = lang or get_settings().lang
    kb, problems = load_with_warnings(kb_dir)
    for problem in problems:
        click.echo(problem.render(lang))
    errors = sum(not p.warning for p in problems)
    warnings = len(problems) - errors
    also = {"also": text("summary_warnings", "zh", warnings=warnings) if warnings else "",
            "also_en": text("summary_warnings", "en", warnings=warnings) if warnings else ""}
    if errors:
        click.echo(text("summary_problems", lang, errors=errors, kb=kb_dir or get_settings().kb_dir, **also),
                   err=True)
        sys.exit(1)
    click.echo(text("summary_ok", lang, entries=len(kb.entries), **also), err=True)


@main.command()
@click.argument("kb_dir", required=False, type=KB_DIR)
def stats(kb_dir: Path | None) -> None:
    """Print counts by type, channel and source document."""
    kb, problems = load_checked(kb_dir)
    entries = [loc.entry for loc in kb.entries]
    click.echo(format_stats(kb_stats(entries), len(entries)))
    if problems:
        click.echo(text("stats_note", get_settings().lang, count=len(problems)), err=True)


@main.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Build folder (default build/): releases/<id>/ plus the `current` link.")
@click.option("--only", multiple=True, type=click.Choice(STAGES),
              help="Build only these stages (repeatable); the default is all.")
@click.argument("kb_dir", required=False, type=KB_DIR)
def build(out: Path | None, only: tuple[str, ...], kb_dir: Path | None) -> None:
    """Check the KB, build index, site, handbook and widget, then publish them atomically."""
    from .build import BuildError, build_release

    settings = get_settings()
    kb = require_clean(kb_dir, "build_aborted")
    stages = [s for s in STAGES if not only or s in only or s == "data"]
    start = time.perf_counter()
    try:
        result = build_release(kb, out or settings.build_dir, settings, stages,
                               on_stage=lambda name, secs: click.echo(f"  {name:<9} {secs:6.2f} s", err=True))
    except BuildError as exc:
        click.echo(text("build_failed", settings.lang, detail=exc), err=True)
        sys.exit(1)
    click.echo(text("published", settings.lang, build=result.build_id, entries=result.entry_count,
                    secs=time.perf_counter() - start, path=result.path))


@main.command(name="eval")
@click.option("--split", type=click.Choice(["dev", "test", "both"]), default="both",
              help="Which evaluation split (tests/search_eval/): tune on dev, report test.")
@click.option("--misses", is_flag=True, help="List the queries whose answer is not in the top 3 (fused).")
@click.argument("kb_dir", required=False, type=KB_DIR)
def eval_(split: str, misses: bool, kb_dir: Path | None) -> None:
    """Search quality of the KB as it is now: hit@1, hit@3 and MRR by style, keyword vs meaning vs fused."""
    import tempfile

    from .build import build_release
    from .search.embedder import load_embedder
    from .search.evaluate import run_report

    settings = get_settings()
    kb = require_clean(kb_dir, "not_evaluated")
    splits = ["dev", "test"] if split == "both" else [split]
    with tempfile.TemporaryDirectory() as tmp:
        # Search artifacts only, in a throw-away folder: the published build is not touched.
        result = build_release(kb, Path(tmp), settings, ("data", "index"), partial_ok=True)
        click.echo(run_report(result.path, load_embedder(settings.embedder),
                              [settings.eval_dir / f"{s}.yaml" for s in splits], misses))


@main.command()
@click.option("--host", default=None, help="Interface to listen on (default 127.0.0.1).")
@click.option("--port", type=click.IntRange(1, 65535), default=None, help="Port (default 8000).")
@click.option("--workers", type=click.IntRange(1, 64), default=1, help="Worker processes.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Build folder to serve (default build/).")
@click.option("--reload", "reload_", is_flag=True,
              help="Rebuild when a KB file is saved (preview); a broken save keeps the last good build.")
def serve(host: str | None, port: int | None, workers: int, out: Path | None, reload_: bool) -> None:
    """Serve the latest build: API, site, handbook and widget; picks up new builds by itself."""
    import os

    import uvicorn

    settings = get_settings()
    build_dir = (out or settings.build_dir).resolve()
    if reload_ and not (build_dir / "current").exists():  # an editor's first preview: build it now
        from .reload import run_build

        if not run_build(settings.kb_dir, build_dir):
            sys.exit(1)
    if not (build_dir / "current").exists():
        raise click.UsageError(f"no build in {build_dir}: run `kb build` first")
    os.environ["KB_BUILD_DIR"] = str(build_dir)  # the worker processes read their settings from here
    if not settings.threads_per_worker:  # share the cores between the workers (OpenMP/BLAS pinning)
        os.environ["KB_THREADS_PER_WORKER"] = str(max(1, cores() // workers))
    get_settings.cache_clear()
    url = f"http://{host or settings.host}:{port or settings.port}"
    click.echo(f"serving {build_dir / 'current'} at {url}/ (site), {url}/widget/, {url}/handbook.pdf, "
               f"{url}/docs (API); Ctrl-C stops", err=True)
    if reload_:  # a daemon thread: it ends with the server
        from .reload import start_watcher

        start_watcher(settings.kb_dir, build_dir, lambda line: click.echo(line, err=True))
        click.echo(f"监视 {settings.kb_dir}：保存 YAML 文件后自动检查并重新构建", err=True)
    uvicorn.run("search_api.main:app", host=host or settings.host, port=port or settings.port,
                workers=workers, log_level="warning", access_log=False, timeout_graceful_shutdown=5)


from .cli_deadline import deadline  # noqa: E402
from .cli_editing import new, schema  # noqa: E402
from .cli_gaps import gaps  # noqa: E402
from .cli_handbook import handbook  # noqa: E402  (registered here so `kb handbook` exists)
from .cli_qa import qa  # noqa: E402
from .cli_stale import stale  # noqa: E402

main.add_command(handbook)
main.add_command(qa)
main.add_command(deadline)
main.add_command(schema)
main.add_command(new)
main.add_command(stale)
main.add_command(gaps)

if __name__ == "__main__":  # pragma: no cover
    main()
