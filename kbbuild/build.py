"""`kb build`: compute every artifact into a fresh release folder, then publish it with one symlink switch."""

from __future__ import annotations

import functools
import hashlib
import importlib
import json
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .load import KB
from .operators import doc_operators, entry_operators
from .settings import Settings
from .urls import entry_url
from .verify import checksums

RELEASES = "releases"
CURRENT = "current"
KEEP_RELEASES = 3
STAGES = ("data", "index", "checker", "handbook", "widget", "site")  # the site links the handbook and widget
# What each stage writes in a release: `--only` copies the others' from the current release.
OUTPUTS = {
    "data": ("entries.json", "vocabulary.json", "changes.json"),
    "index": ("search",),
    "checker": ("checker",),
    "site": ("site",),
    "handbook": ("handbook.pdf", "handbook.html"),
    "widget": ("widget",),
}
# Stages made from the KB: a copy is coherent only when the current release was built from the same KB.
FROM_KB = {"index", "checker", "site", "handbook"}


class BuildError(Exception):
    """A stage failed; the message says which and why. The published build is untouched."""


@dataclass
class BuildResult:
    build_id: str
    path: Path
    entry_count: int
    timings: dict[str, float] = field(default_factory=dict)


def entry_record(entry: Any, site_prefix: str = "/", by_doc: dict[str, str] | None = None) -> dict[str, Any]:
    """The JSON form of an entry served by the API (aliases like `from` kept), with the operators it
    applies to (`operators`, inherited from its sources through `by_doc`, see operators.py)."""
    record = entry.model_dump(mode="json", by_alias=True, exclude_none=True)
    record["url"] = entry_url(entry.type, entry.id, site_prefix)
    record["operators"] = list(entry_operators(entry, by_doc or {}))
    return record


def kb_hash(kb: KB) -> str:
    """Content hash of the KB: the same YAML gives the same hash, whatever the file layout."""
    h = hashlib.sha256()
    for loc in sorted(kb.entries, key=lambda loc: loc.entry.id):
        h.update(loc.entry.model_dump_json(by_alias=True).encode())
    h.update(kb.vocabulary.model_dump_json().encode())
    h.update(kb.calendar.model_dump_json().encode())
    return h.hexdigest()[:12]


def git_revision(root: Path) -> str | None:
    try:
        out = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def write_data(records: list[dict[str, Any]], kb: KB, out: Path) -> None:
    (out / "entries.json").write_text(json.dumps(records, ensure_ascii=False), "utf-8")
    (out / "vocabulary.json").write_text(kb.vocabulary.model_dump_json(), "utf-8")
    (out / "calendar.json").write_text(kb.calendar.model_dump_json(), "utf-8")


def _embedder(settings: Settings) -> Any:
    from .search.embedder import CachedEmbedder, load_embedder, pin_threads

    pin_threads(settings.build_threads)
    return CachedEmbedder(load_embedder(settings.embedder), settings.cache_dir)


def write_checker(kb: KB, records: list[dict[str, Any]], out: Path, settings: Settings,
                  get_embedder: Callable[[], Any]) -> dict[str, Any]:
    """Train tier 2 of the checker on the KB's examples and look-alikes; its model goes to out/checker."""
    from .check.suspect import SuspectModel, training_set

    data = training_set(records, kb.lookalikes)
    if len(set(data.labels)) < 2:  # a KB without examples (or without scripts): tier 1 only
        return {"checker": {"tier2": "off: the KB has no examples of violations or no correct utterances"}}
    embedder = get_embedder()
    model = SuspectModel.train(data, embedder, settings.check_threshold)
    model.save(out / "checker")
    embedder.save()
    return {"checker": model.info}


def write_search(kb: KB, records: list[dict[str, Any]], out: Path,
                 get_embedder: Callable[[], Any]) -> dict[str, Any]:
    """Index, field texts and vectors under out/search; returns what the manifest records of them."""
    from .search.engine import SearchEngine, choose_canaries
    from .search.engine import write_search as write

    embedder = get_embedder()
    info = write(records, kb.vocabulary, embedder, out / "search")
    embedder.save()
    return {"search": info, "canaries": choose_canaries(SearchEngine.from_release(out, embedder.inner))}


def _stage_functions(kb: KB, out: Path, manifest: dict[str, Any],
                     settings: Settings) -> dict[str, Callable[[], object]]:
    entries = [loc.entry for loc in kb.entries]
    by_doc = doc_operators(kb.sources)
    records = [entry_record(e, settings.site_prefix, by_doc) for e in entries]
    embedder = functools.cache(lambda: _embedder(settings))  # one model and one vector cache per build

    def stage(module: str) -> Any:
        # Imported when the stage runs, so `kb check` never pays for the embedder, mkdocs or weasyprint.
        return importlib.import_module(f".{module}", __package__)

    def data() -> Any:
        write_data(records, kb, out)
        # What changed since the published release (kbbuild/changes.py); out is releases/.tmp-*.
        return stage("changes").write_changes(records, current_release(out.parent.parent), out, manifest)

    return {
        "data": data,
        "index": lambda: write_search(kb, records, out, embedder),
        "checker": lambda: write_checker(kb, records, out, settings, embedder),
        "site": lambda: stage("site").build_site(kb, out / "site", settings,
                                                 {"handbook.pdf": out / "handbook.pdf", "widget": out / "widget"},
                                                 changes=out / "changes.json", built=manifest["created"]),
        "handbook": lambda: stage("handbook").build_handbook(entries, kb.sources, out,
                                                             kb_version=manifest["kb_version"],
                                                             operator=settings.operator,
                                                             changes=out / "changes.json"),
        "widget": lambda: stage("widget").copy_assets(out / "widget"),
    }


def publish(release: Path, out_root: Path) -> None:
    """Point out_root/current at `release` with an atomic rename of a fresh symlink."""
    link = out_root / CURRENT
    tmp_link = out_root / f".{CURRENT}.{os.getpid()}"
    if tmp_link.is_symlink() or tmp_link.exists():
        tmp_link.unlink()
    tmp_link.symlink_to(Path(RELEASES) / release.name)
    os.replace(tmp_link, link)


def prune(out_root: Path, keep: int = KEEP_RELEASES) -> None:
    """Drop old releases, keeping the newest few so in-flight readers of the previous one finish."""
    releases = sorted((p for p in (out_root / RELEASES).iterdir() if not p.name.startswith(".")),
                      key=lambda p: p.stat().st_mtime)
    current = (out_root / CURRENT).resolve()
    for old in releases[:-keep]:
        if old.resolve() != current:
            shutil.rmtree(old, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_leftovers(releases: Path) -> list[Path]:
    """Temporary release folders of builds that were killed or failed hard (their process is gone)."""
    removed = []
    for tmp in releases.glob(".tmp-*"):
        pid = tmp.name.rsplit("-", 1)[-1]
        if tmp.is_dir() and pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(tmp, ignore_errors=True)
            removed.append(tmp)
    return removed


def plan_stages(stages: Iterable[str], current: Path | None, version: str,
                partial_ok: bool = False) -> dict[str, str]:
    """Stage → "build", "skip" (partial_ok only) or the current release to copy it from.

    Raises BuildError when a stage cannot be built here and cannot be copied coherently: a partial
    release is never published unless the caller asks for one (tests and benches that need no site).
    """
    wanted = set(stages) | {"data"}
    if wanted >= set(STAGES) or partial_ok:
        return {s: "build" if s in wanted else "skip" for s in STAGES}
    if current is None or not (current / "manifest.json").is_file():
        raise BuildError("--only rebuilds some stages and copies the rest from the published build, "
                         "but nothing is published yet: run `kb build` without --only first")
    manifest = json.loads((current / "manifest.json").read_text("utf-8"))
    plan: dict[str, str] = {}
    for stage in STAGES:
        if stage in wanted:
            plan[stage] = "build"
        elif stage in FROM_KB and manifest.get("kb_version") != version:
            raise BuildError(f"the KB changed since build {manifest.get('build_id')}, so its {stage} would not "
                             f"match: add --only {stage} or run `kb build` without --only")
        elif not all((current / out).exists() for out in OUTPUTS[stage]):
            raise BuildError(f"build {manifest.get('build_id')} has no {stage} to copy: add --only {stage}")
        else:
            plan[stage] = str(current)
    return plan


def _copy_stage(stage: str, source: Path, out: Path) -> None:
    for name in OUTPUTS[stage]:
        src = source / name
        if src.is_dir():
            shutil.copytree(src, out / name)
        elif src.exists():
            shutil.copy2(src, out / name)


def build_release(kb: KB, out_root: Path, settings: Settings, stages: Iterable[str] = STAGES,
                  on_stage: Callable[[str, float], None] | None = None, partial_ok: bool = False) -> BuildResult:
    """Build every stage into out_root/releases/.tmp-*, then publish it; on failure nothing changes.

    With only some stages asked for, the others are copied from the published release.
    """
    version = kb_hash(kb)
    releases = out_root / RELEASES
    releases.mkdir(parents=True, exist_ok=True)
    remove_leftovers(releases)
    plan = plan_stages(stages, current_release(out_root), version, partial_ok)
    now = datetime.now(UTC)
    # Microseconds: two builds in one second must never share (and so overwrite) a release folder.
    build_id = f"{now:%Y%m%d-%H%M%S-%f}-{version}"
    manifest: dict[str, Any] = {
        "build_id": build_id,
        "kb_version": version,
        "git_revision": git_revision(settings.kb_dir.parent),
        "created": now.isoformat(timespec="seconds"),
        "entry_count": len(kb.entries),
        "stages": [s for s in STAGES if plan[s] == "build"],
        "copied": {s: Path(src).name for s, src in plan.items() if src not in ("build", "skip")},
    }
    tmp = releases / f".tmp-{build_id}-{os.getpid()}"
    timings: dict[str, float] = {}
    try:
        tmp.mkdir()
        functions = _stage_functions(kb, tmp, manifest, settings)
        for name in (s for s in STAGES if plan[s] != "skip"):
            start = time.perf_counter()
            try:
                if plan[name] == "build":
                    info = functions[name]()
                    if isinstance(info, dict):  # what a stage tells the manifest (the search stage: its model)
                        manifest |= info
                else:
                    _copy_stage(name, Path(plan[name]), tmp)
            except OSError as exc:  # disk full, read-only, permissions: say which stage and which file
                raise BuildError(f"stage {name}: {exc.strerror or exc}: {exc.filename or tmp}") from exc
            timings[name] = time.perf_counter() - start
            if on_stage:
                on_stage(name if plan[name] == "build" else f"{name} (copied)", timings[name])
        manifest["files"] = checksums(tmp)
        # The manifest is written last: a release folder with a manifest is a complete one.
        (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), "utf-8")
        final = releases / build_id
        tmp.rename(final)  # fails rather than replace an existing release
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(exc, BuildError | KeyboardInterrupt):
            raise
        if isinstance(exc, OSError):
            raise BuildError(f"{exc.strerror or exc}: {exc.filename or tmp}") from exc
        raise BuildError(f"{type(exc).__name__}: {exc}") from exc
    publish(final, out_root)
    prune(out_root)
    return BuildResult(build_id, final, len(kb.entries), timings)


def current_release(out_root: Path) -> Path | None:
    link = out_root / CURRENT
    return link.resolve() if link.exists() else None
