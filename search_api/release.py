"""A published build loaded for serving, and the holder that swaps in a new one between requests."""

from __future__ import annotations

import gc
import json
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cachetools import LRUCache

from kbbuild.check import Checker
from kbbuild.check.checker import MAX_WINDOWS
from kbbuild.check.suspect import SuspectModel
from kbbuild.deadline import WorkingTime, limit_label, time_limits
from kbbuild.operators import GENERAL, visible
from kbbuild.search.embedder import Embedder
from kbbuild.search.engine import Ranking, SearchEngine, failed_canaries
from kbbuild.search.suggest import Suggester
from kbbuild.verify import damaged
from kbbuild.workcalendar import WorkCalendar

from .snippets import snippet

log = logging.getLogger("search_api")


@dataclass(frozen=True)
class SearchOutcome:
    corrected: str | None
    weak: bool
    total: int  # matches, at least those shown
    results_json: str  # the results shown, JSON-encoded once: a cached answer is not encoded again
    ids: tuple[str, ...] = ()  # the ids shown, best first (for the search log)
    top: float = 0.0  # the best fused score
    matched: int = 0  # entries that really match (`total` is at least the results shown): 0 is a gap


class ReleaseError(Exception):
    """A release cannot be served; the message says which and why."""


class Release:
    """Everything one build serves; read once at load, never from kb/."""

    def __init__(self, path: Path, embedder: Embedder, cache_size: int = 2048,
                 check_sentences: int = MAX_WINDOWS) -> None:
        self.path = path
        self.manifest: dict[str, Any] = json.loads((path / "manifest.json").read_text("utf-8"))
        # Verified before it is served: every file as the build wrote it, then the canary queries.
        if problems := damaged(path, self.manifest):
            raise ReleaseError(f"build {path.name} is damaged: {'; '.join(problems[:3])}")
        self.engine = SearchEngine.from_release(path, embedder)
        if failed := failed_canaries(self.engine, self.manifest.get("canaries", [])):
            raise ReleaseError(f"build {path.name} fails its canary queries: {'; '.join(failed)}")
        records = self.engine.records
        self.entries = {r["id"]: r for r in records}
        # Tier 2 of the checker, when the build trained one (a KB without examples has tier 1 only).
        suspect = SuspectModel.load(path / "checker", embedder) if (path / "checker").is_dir() else None
        self.checker = Checker(records, suspect, embedder, check_sentences)
        self._suggester = Suggester.load(path / "search")
        # Merged entries keep answering to their old ids; the operators a client may choose.
        self.aliases = {alias: r["id"] for r in records for alias in r.get("aliases", [])}
        self.profiles = sorted({op for r in records for op in r.get("operators", []) if op != GENERAL})
        calendar_file = path / "calendar.json"  # absent from builds made before the deadline calculator
        self.calendar = WorkingTime(WorkCalendar.model_validate_json(calendar_file.read_text("utf-8"))
                                    if calendar_file.is_file() else WorkCalendar())
        # What changed, build by build (kbbuild/changes.py); a build from before changes.json has none.
        changes = path / "changes.json"
        self.changes: dict[str, Any] = json.loads(changes.read_text("utf-8")) if changes.is_file() else {}
        # Snippets come from what an agent reads: words to say, then the rest (never editors' notes).
        self._passages = [t["say"] + t["situation"] + t["body"] + t["title"] for t in self.engine.texts]
        # Answers by (query, limit, type, channel): a hit is read on the event loop, a miss computed in
        # a worker thread (app.py); cachetools because functools' cache cannot be looked into.
        self._cache: LRUCache[tuple[Any, ...], SearchOutcome] = LRUCache(maxsize=cache_size)
        self._cache_lock = threading.Lock()

    def entry(self, entry_id: str) -> dict[str, Any] | None:
        """An entry by its id or by an id it had before a merge."""
        return self.entries.get(entry_id) or self.entries.get(self.aliases.get(entry_id, ""))

    def shows(self, entry_id: str, operator: str | None) -> bool:
        record = self.entries.get(entry_id)
        return record is not None and visible(record.get("operators") or (GENERAL,), operator)

    @property
    def build_id(self) -> str:
        return str(self.manifest["build_id"])

    def close(self) -> None:
        self.engine.close()

    def cached(self, key: tuple[Any, ...]) -> SearchOutcome | None:
        with self._cache_lock:
            return self._cache.get(key)

    def search(self, query: str, limit: int, type_: str | None = None, channel: str | None = None,
               operator: str | None = None) -> SearchOutcome:
        """The top `limit` results of a query (already normalized); remembered for the next asker."""
        key = (query, limit, type_, channel, operator)
        if (found := self.cached(key)) is not None:
            return found
        found = self._search(query, limit, type_, channel, operator)
        with self._cache_lock:
            self._cache[key] = found
        return found

    def _search(self, query: str, limit: int, type_: str | None = None,
                channel: str | None = None, operator: str | None = None) -> SearchOutcome:
        ranking: Ranking = self.engine.search(query, type_, channel, operator=operator)
        terms = ranking.query.terms(self.engine.analyzer)
        results = [self._result(hit.pos, hit.score, hit.similarity, terms) for hit in ranking.hits[:limit]]
        return SearchOutcome(ranking.corrected, ranking.weak, max(ranking.total, len(results)),
                             json.dumps(results, ensure_ascii=False), tuple(r["id"] for r in results),
                             results[0]["score"] if results else 0.0, ranking.total)

    def _snippet_passages(self, pos: int) -> list[str]:
        """A script's words to say are shown in full under its title: its snippet comes from the rest."""
        if self.engine.records[pos]["type"] == "script":
            texts = self.engine.texts[pos]
            return (texts["situation"] + texts["body"] + texts["title"]) or self._passages[pos]
        return self._passages[pos]

    def _result(self, pos: int, score: float, similarity: float, terms: list[str]) -> dict[str, Any]:
        rec = self.engine.records[pos]
        result = {
            "id": rec["id"],
            "type": rec["type"],
            "title": rec["title"],
            "snippet": snippet(self._snippet_passages(pos), terms),
            "url": rec["url"],
            "channels": rec["channels"],
            "tags": rec.get("tags", []),
            "operators": rec.get("operators", [GENERAL]),
            "score": score,
            "similarity": similarity,
        }
        if rec["type"] == "script":
            result["say"] = rec["say"]
        if limits := [{"where": where, "label": label, "limit": limit_label(lim),
                        "condition": lim.get("condition"), "deadline": lim.get("bound", "max") == "max"}
                       for where, label, lim in time_limits(rec)]:
            result["limits"] = limits
        if rec["type"] == "forbidden":
            result |= {"severity": rec["severity"], "phrases": rec.get("phrases", []),
                       "instead": rec.get("instead", [])}
        return result

    def suggest(self, query: str, limit: int = 8) -> list[dict[str, str]]:
        return self._suggester.suggest(query, limit)


class ReleaseHolder:
    """Serves the release `build_root/current` points at; checks for a new one at most every interval.

    A release that cannot be served (damaged files, failed canaries, another model) is never served:
    the holder keeps the one it has, or falls back to the newest good release on disk, and says
    `degraded` with the reason until `current` points at a good build again. The served release is
    re-verified every `verify_interval_s` in the background.
    """

    def __init__(self, build_root: Path, embedder: Embedder, interval_s: float = 1.0, cache_size: int = 2048,
                 loader: Callable[..., Release] = Release, verify_interval_s: float = 30.0) -> None:
        self.build_root = build_root
        self.embedder = embedder
        self.interval_s = interval_s
        self.cache_size = cache_size
        self.verify_interval_s = verify_interval_s
        self._loader = loader
        self._release: Release | None = None
        self._target: str | None = None
        self._failed: dict[str, str] = {}  # release path → why it cannot be served
        self._loading: str | None = None
        self._checked = 0.0
        self._linked: str | None = None  # where `current` pointed at the last refresh
        self._verified = time.monotonic()
        self._lock = threading.Lock()

    @property
    def degraded(self) -> str | None:
        """Why the server is not serving the build `current` points at, intact; None when it is."""
        target = self._linked  # as of the last refresh: no file-system call per request
        if target is None:
            return None if self._release is None else "build/current is missing"
        if target in self._failed:
            served = f"serving build {self._release.build_id}" if self._release else "nothing to serve"
            return f"{self._failed[target]} ({served})"
        return None

    @property
    def last_error(self) -> str | None:
        return next(reversed(self._failed.values()), None)

    def _link_target(self) -> str | None:
        try:
            return os.path.realpath(self.build_root / "current", strict=True)
        except OSError:
            return None

    def refresh(self, force: bool = False) -> Release | None:
        """Load a newer build if `current` moved; keep the old one if the new one cannot be served.

        The first build (nothing served yet) and a forced refresh load here; later builds load in a
        background thread while the old one keeps answering (a load takes seconds: jieba, the index).
        """
        now = time.monotonic()
        if not force and now - self._checked < self.interval_s:
            return self._release
        if self._release is not None and now - self._verified >= self.verify_interval_s:
            self._verified = now
            threading.Thread(target=self._reverify, name="release-verify", daemon=True).start()
        with self._lock:
            self._checked = now
            target = self._linked = self._link_target()
            if target is None or target == self._target or target in self._failed or target == self._loading:
                return self._release
            self._loading = target
            if self._release is not None and not force:
                threading.Thread(target=self._load, args=(target,), name="release-load", daemon=True).start()
                return self._release
        self._load(target)
        return self._release

    def _try(self, target: str) -> Release | None:
        try:
            return self._loader(Path(target), self.embedder, self.cache_size)
        except Exception as exc:  # any broken artifact: this release is not served
            reason = f"cannot load build {Path(target).name}: {type(exc).__name__}: {exc}"
            with self._lock:
                self._failed[target] = reason
            log.error(reason)
            return None

    def _load(self, target: str) -> None:
        fresh = self._try(target)
        if fresh is None and self._release is None:
            fresh = self._fallback(exclude={target})
        with self._lock:
            self._loading = None
            if fresh is None:
                return
            old = self._release
            self._release, self._target = fresh, str(fresh.path)
        self._served(fresh, old)

    def _fallback(self, exclude: set[str]) -> Release | None:
        """The newest release on disk that loads and verifies (build ids sort by time)."""
        releases = self.build_root / "releases"
        candidates = sorted((p for p in releases.iterdir() if p.is_dir() and not p.name.startswith(".")),
                            key=lambda p: p.name, reverse=True) if releases.is_dir() else []
        for path in candidates:
            target = os.path.realpath(path)
            if target in exclude or target in self._failed:
                continue
            if (found := self._try(target)) is not None:
                log.warning("serving the previous good build %s", found.build_id)
                return found
        return None

    def _reverify(self) -> None:
        """The served release's files, again: on damage, switch to the newest good release."""
        release = self._release
        if release is None or not (problems := damaged(release.path, release.manifest)):
            return
        target = str(release.path)
        with self._lock:
            self._failed[target] = f"build {release.path.name} is damaged: {'; '.join(problems[:3])}"
        log.error(self._failed[target])
        fresh = self._fallback(exclude={target})
        if fresh is not None:
            with self._lock:
                old, self._release, self._target = self._release, fresh, str(fresh.path)
            self._served(fresh, old)

    @staticmethod
    def _served(fresh: Release, old: Release | None) -> None:
        log.info("serving build %s", fresh.build_id)
        # The loaded release is long-lived: move it out of the collector's reach, or every full
        # collection walks the whole index and vectors (tens of ms of pause on a request).
        gc.collect()
        gc.freeze()
        if old is not None:  # close once requests that already hold the old build are done
            timer = threading.Timer(30.0, old.close)
            timer.daemon = True
            timer.start()

    @property
    def release(self) -> Release | None:
        return self.refresh()
