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
from functools import lru_cache
from pathlib import Path
from typing import Any

from kbbuild.check import Checker
from kbbuild.check.checker import MAX_WINDOWS
from kbbuild.check.suspect import SuspectModel
from kbbuild.search.embedder import Embedder
from kbbuild.search.engine import Ranking, SearchEngine
from kbbuild.search.suggest import Suggester

from .snippets import snippet

log = logging.getLogger("search_api")


@dataclass(frozen=True)
class SearchOutcome:
    corrected: str | None
    weak: bool
    results: tuple[dict[str, Any], ...]


class Release:
    """Everything one build serves; read once at load, never from kb/."""

    def __init__(self, path: Path, embedder: Embedder, cache_size: int = 2048,
                 check_sentences: int = MAX_WINDOWS) -> None:
        self.path = path
        self.manifest: dict[str, Any] = json.loads((path / "manifest.json").read_text("utf-8"))
        self.engine = SearchEngine.from_release(path, embedder)
        records = self.engine.records
        self.entries = {r["id"]: r for r in records}
        # Tier 2 of the checker, when the build trained one (a KB without examples has tier 1 only).
        suspect = SuspectModel.load(path / "checker", embedder) if (path / "checker").is_dir() else None
        self.checker = Checker(records, suspect, embedder, check_sentences)
        self._suggester = Suggester.load(path / "search")
        # Snippets come from what an agent reads: words to say, then the rest (never editors' notes).
        self._passages = [t["say"] + t["situation"] + t["body"] + t["title"] for t in self.engine.texts]
        self.search = lru_cache(maxsize=cache_size)(self._search)

    @property
    def build_id(self) -> str:
        return str(self.manifest["build_id"])

    def close(self) -> None:
        self.engine.close()

    def _search(self, query: str, limit: int, type_: str | None = None,
                channel: str | None = None) -> SearchOutcome:
        """The top `limit` results of a query; cached on its arguments (the query already normalized)."""
        ranking: Ranking = self.engine.search(query, type_, channel)
        terms = ranking.query.terms(self.engine.analyzer)
        results = tuple(self._result(hit.pos, hit.score, hit.similarity, terms) for hit in ranking.hits[:limit])
        return SearchOutcome(ranking.corrected, ranking.weak, results)

    def _result(self, pos: int, score: float, similarity: float, terms: list[str]) -> dict[str, Any]:
        rec = self.engine.records[pos]
        result = {
            "id": rec["id"],
            "type": rec["type"],
            "title": rec["title"],
            "snippet": snippet(self._passages[pos], terms),
            "url": rec["url"],
            "channels": rec["channels"],
            "tags": rec.get("tags", []),
            "score": score,
            "similarity": similarity,
        }
        if rec["type"] == "script":
            result["say"] = rec["say"]
        if rec["type"] == "forbidden":
            result |= {"severity": rec["severity"], "phrases": rec.get("phrases", []),
                       "instead": rec.get("instead", [])}
        return result

    def suggest(self, query: str, limit: int = 8) -> list[dict[str, str]]:
        return self._suggester.suggest(query, limit)


class ReleaseHolder:
    """Serves the release `build_root/current` points at; checks for a new one at most every interval."""

    def __init__(self, build_root: Path, embedder: Embedder, interval_s: float = 1.0, cache_size: int = 2048,
                 loader: Callable[[Path, Embedder, int], Release] = Release) -> None:
        self.build_root = build_root
        self.embedder = embedder
        self.interval_s = interval_s
        self.cache_size = cache_size
        self._loader = loader
        self._release: Release | None = None
        self._target: str | None = None
        self._failed: str | None = None
        self._loading: str | None = None
        self._checked = 0.0
        self._lock = threading.Lock()
        self.last_error: str | None = None

    def _link_target(self) -> str | None:
        try:
            return os.path.realpath(self.build_root / "current", strict=True)
        except OSError:
            return None

    def refresh(self, force: bool = False) -> Release | None:
        """Load a newer build if `current` moved; keep the old one if the new one is unreadable.

        The first build (nothing served yet) and a forced refresh load here; later builds load in a
        background thread while the old one keeps answering (a load takes seconds: jieba, the index).
        """
        now = time.monotonic()
        if not force and now - self._checked < self.interval_s:
            return self._release
        with self._lock:
            self._checked = now
            target = self._link_target()
            if target is None or target in (self._target, self._failed, self._loading):
                return self._release
            if self._release is not None and not force:
                self._loading = target
                threading.Thread(target=self._load, args=(target,), name="release-load", daemon=True).start()
                return self._release
            self._loading = target
        self._load(target)
        return self._release

    def _load(self, target: str) -> None:
        try:
            fresh = self._loader(Path(target), self.embedder, self.cache_size)
        except Exception as exc:  # any broken artifact: keep serving the previous build
            with self._lock:
                self._failed, self._loading = target, None
                self.last_error = f"cannot load build {target}: {type(exc).__name__}: {exc}"
            log.error(self.last_error)
            return
        with self._lock:
            old = self._release
            self._release, self._target, self._failed, self._loading = fresh, target, None, None
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
