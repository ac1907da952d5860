"""A published build loaded for serving, and the holder that swaps in a new one between requests."""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

from kbbuild.analysis import pinyin_bigrams, pinyin_keys, syllables, use_vocabulary
from kbbuild.checker import Checker
from kbbuild.index import body_texts, head_texts, open_index, say_texts
from kbbuild.model import Vocabulary
from kbbuild.text import compact, fold

from . import query as Qm
from .snippets import snippet

log = logging.getLogger("search_api")
RERANK_DEPTH = 40  # candidates re-ranked for exact matches; results beyond it keep Whoosh's order
COMMON_SHARE = 0.3  # a query word in more than this share of entries is left out of the AND


def _synonym_map(groups: list[list[str]]) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for group in groups:
        folded = tuple(dict.fromkeys(fold(w) for w in group))
        for w in folded:
            out[w] = folded
    return out


class Release:
    """Everything one build serves; read once at load, never from kb/."""

    def __init__(self, path: Path, cache_size: int = 2048) -> None:
        self.path = path
        self.manifest: dict[str, Any] = json.loads((path / "manifest.json").read_text("utf-8"))
        records: list[dict[str, Any]] = json.loads((path / "entries.json").read_text("utf-8"))
        vocabulary = Vocabulary.model_validate_json((path / "vocabulary.json").read_text("utf-8"))
        self.entries = {r["id"]: r for r in records}
        vocab_words = vocabulary.words + vocabulary.roles
        self.synonyms = _synonym_map(vocabulary.synonyms)
        use_vocabulary(vocabulary)
        self._index = open_index(path / "index")
        # One searcher, guarded: Whoosh searchers are not safe across threads (STACK.md).
        self._searcher = self._index.searcher()
        self._lock = threading.Lock()
        self._doc_count = self._searcher.doc_count()
        self.checker = Checker(records)
        self._suggestions = self._make_suggestions(records, vocab_words)
        tags = [t for r in records for t in r.get("tags", [])]
        self._sounds = self._sound_map(vocab_words + list(self.synonyms) + tags,
                                       lambda w: self._searcher.doc_frequency("head", w))
        self._passages = {r["id"]: say_texts(r) + body_texts(r) + [r["title"]] for r in records}
        self._exact = {r["id"]: (compact(r["title"]), compact(" ".join(head_texts(r))),
                                 compact(" ".join(body_texts(r))), set(pinyin_keys(r["title"])))
                       for r in records}
        self.search = lru_cache(maxsize=cache_size)(self._search)

    @property
    def build_id(self) -> str:
        return str(self.manifest["build_id"])

    def close(self) -> None:
        with self._lock:
            self._searcher.close()

    def _search(self, normalized: str, limit: int, type_: str | None,
                channel: str | None) -> tuple[str | None, tuple[dict[str, Any], ...]]:
        """(correction, top results) for an already normalized query; cached on its arguments."""
        plan = Qm.plan(normalized, self.synonyms)
        flt = Qm.filters(type_, channel)
        corrected = None
        with self._lock:
            # Pinyin (lstd) and homophone typos (绿色通到) that sound like a domain word search for it:
            # pinyin is resolved first, a Chinese query only when its own words do not all match.
            found: list[tuple[str, float]] = []
            alike = self._sounds_like(plan) if plan.pinyin else None
            if not alike:
                found, exact = self._find(plan, limit, flt)
                alike = None if exact else self._sounds_like(plan)
            if alike:
                alt_plan = Qm.plan(alike, self.synonyms)
                alt_found, _ = self._find(alt_plan, limit, flt)
                if alt_found:
                    plan, found, corrected = alt_plan, alt_found, alike
                elif not found:
                    found, _ = self._find(plan, limit, flt)
        found = self._rerank(plan, found)[:limit]
        terms = plan.terms() or [plan.normalized]
        return corrected, tuple(self._result(self.entries[i], score, terms) for i, score in found)

    def _find(self, plan: Qm.Plan, limit: int, flt: Any) -> tuple[list[tuple[str, float]], bool]:
        """Candidates for a plan, and whether every query word matched as a word."""
        depth = max(limit, RERANK_DEPTH)
        common = self._common(plan)
        # Cheapest precise query first; widen only when it finds too little (STACK.md: OR is costly).
        hits = None
        wq = Qm.words_query(plan, common)
        if wq is not None:
            hits = self._searcher.search(wq, limit=depth, filter=flt)
        exact = hits is not None and not hits.is_empty()
        if hits is None or len(hits) < limit:
            hits = self._searcher.search(Qm.strict_query(plan), limit=depth, filter=flt)
        if hits.is_empty():
            hits = self._searcher.search(Qm.loose_query(plan, common), limit=depth, filter=flt)
        if hits.is_empty() and common:
            hits = self._searcher.search(Qm.loose_query(plan), limit=depth, filter=flt)
        return [(hit["id"], hit.score) for hit in hits], exact

    def _sounds_like(self, plan: Qm.Plan) -> str | None:
        """The domain word whose pinyin (initials or full) is what was typed, if it is not that word."""
        key = plan.pinyin or "".join(syllables(plan.compact))
        word = self._sounds.get(key)
        return word if word and word != plan.compact else None

    @staticmethod
    def _sound_map(words: list[str], df: Callable[[str], int]) -> dict[str, str]:
        """Pinyin key → the most used domain word with that sound (initials need 2+ letters)."""
        best: dict[str, tuple[int, str]] = {}
        for word in dict.fromkeys(fold(w) for w in words):
            syl = syllables(word)
            score = df(word)
            if len(syl) < 2 or len(syl) != len(word) or not score:
                continue
            for key in ("".join(syl), "".join(s[0] for s in syl)):
                if key not in best or score > best[key][0]:
                    best[key] = (score, word)
        return {k: w for k, (_, w) in best.items()}

    def _common(self, plan: Qm.Plan) -> frozenset[str]:
        """Query words and bigrams in most entries (客户, 服务): they cost much and rank nothing.

        Never all of them: a query made only of common words still searches for them.
        """
        limit = COMMON_SHARE * self._doc_count
        grams = Qm.bigrams(plan.compact)
        # A lone character (等, 接) says little and matches much: it counts as common far sooner.
        common = {w for w in plan.words
                  if self._searcher.doc_frequency("head", w) > (limit if len(w) > 1 else limit / 6)}
        common |= {g for g in grams if self._searcher.doc_frequency("head_bi", g) > limit}
        keys = pinyin_bigrams(plan.compact)
        common |= {k for k in keys if self._searcher.doc_frequency("pyb", k) > limit}
        for part in (plan.words, grams, keys):
            if common >= set(part):
                common -= set(part)
        return frozenset(common)

    def _rerank(self, plan: Qm.Plan, found: list[tuple[str, float]]) -> list[tuple[str, float]]:
        """Exact matches first: the query as typed in the title, then in the head, then in the body."""
        q = plan.compact

        def tier(entry_id: str) -> int:
            title, head, body, keys = self._exact[entry_id]
            if plan.pinyin:
                return 0 if plan.pinyin in keys else 1 if q in head else 2
            return 0 if q in title else 1 if q in head else 2 if q in body else 3

        return sorted(found, key=lambda f: tier(f[0]))  # stable: Whoosh's order within a tier

    def _result(self, rec: dict[str, Any], score: float, terms: list[str]) -> dict[str, Any]:
        result = {
            "id": rec["id"],
            "type": rec["type"],
            "title": rec["title"],
            "snippet": snippet(self._passages[rec["id"]], terms),
            "url": rec["url"],
            "channels": rec["channels"],
            "tags": rec.get("tags", []),
            "score": round(float(score), 3),
        }
        if rec["type"] == "script":
            result["say"] = rec["say"]
        if rec["type"] == "forbidden":
            result |= {"severity": rec["severity"], "phrases": rec.get("phrases", []),
                       "instead": rec.get("instead", [])}
        return result

    @staticmethod
    def _make_suggestions(records: list[dict[str, Any]], words: list[str]) -> list[tuple[str, str, str, str]]:
        """(folded text, pinyin keys, display text, kind) for every title, tag and vocabulary word."""
        items: dict[str, str] = {}
        for r in records:
            items.setdefault(r["title"], "title")
            for tag in r.get("tags", []):
                items.setdefault(tag, "tag")
        for w in words:
            items.setdefault(w, "word")
        out = []
        for text, kind in items.items():
            syl = syllables(text)
            keys = " ".join(["".join(syl), "".join(s[:1] for s in syl), *pinyin_keys(text)])
            out.append((fold(text), keys, text, kind))
        return out

    def suggest(self, normalized: str, limit: int = 8) -> list[dict[str, str]]:
        compact = normalized.replace(" ", "")
        ascii_query = compact.isascii()
        scored = []
        for folded, keys, text, kind in self._suggestions:
            if folded.startswith(compact):
                rank = 0
            elif compact in folded:
                rank = 1
            elif ascii_query and any(k.startswith(compact) for k in keys.split()):
                rank = 2
            else:
                continue
            scored.append((rank, len(text), {"text": text, "kind": kind}))
        scored.sort(key=lambda t: (t[0], t[1]))
        return [s[2] for s in scored[:limit]]


class ReleaseHolder:
    """Serves the release `build_root/current` points at; checks for a new one at most every interval."""

    def __init__(self, build_root: Path, interval_s: float = 1.0, cache_size: int = 2048,
                 loader: Callable[[Path, int], Release] = Release) -> None:
        self.build_root = build_root
        self.interval_s = interval_s
        self.cache_size = cache_size
        self._loader = loader
        self._release: Release | None = None
        self._target: str | None = None
        self._failed: str | None = None
        self._checked = 0.0
        self._lock = threading.Lock()
        self.last_error: str | None = None

    def _link_target(self) -> str | None:
        try:
            return os.path.realpath(self.build_root / "current", strict=True)
        except OSError:
            return None

    def refresh(self, force: bool = False) -> Release | None:
        """Load a newer build if `current` moved; keep the old one if the new one is unreadable."""
        now = time.monotonic()
        if not force and now - self._checked < self.interval_s:
            return self._release
        with self._lock:
            self._checked = now
            target = self._link_target()
            if target is None or target == self._target or target == self._failed:
                return self._release
            try:
                fresh = self._loader(Path(target), self.cache_size)
            except Exception as exc:  # any broken artifact: keep serving the previous build
                self._failed = target
                self.last_error = f"cannot load build {target}: {type(exc).__name__}: {exc}"
                log.error(self.last_error)
                return self._release
            old = self._release
            self._release, self._target, self._failed = fresh, target, None
            log.info("serving build %s", fresh.build_id)
            if old is not None:  # close once requests that already hold the old build are done
                timer = threading.Timer(30.0, old.close)
                timer.daemon = True
                timer.start()
            return fresh

    @property
    def release(self) -> Release | None:
        return self.refresh()
