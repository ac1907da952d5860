"""The search engine of one release: keyword, meaning and exact retrievers fused into one ranking.

Build side: `write_search(records, vocabulary, embedder, out)` writes the index, the field texts and
the vectors. Serve side: `SearchEngine.load(folder, records, vocabulary, embedder)` reads them back
(never kb/) and answers `search()`. Each retriever returns entry positions best first, computed to a
fixed depth whatever `limit` the client asked for, so the top 3 never depends on `limit`.
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from ..model import Vocabulary
from ..operators import GENERAL, visible
from ..text import compact, fold
from .analysis import Analyzer, syllables
from .dense import DenseRetriever, embed_entries, write_vectors
from .embedder import Embedder
from .fields import field_texts
from .keyword import KeywordRetriever, build_matrix, write_matrix
from .query import INTENTS, ParsedQuery, normalize, parse
from .suggest import build_suggestions, write_suggestions

FIELDS_FILE = "fields.json"
SETTINGS_FILE = "search.json"
DEPTH = 50  # candidates each retriever contributes to the fusion
QUERY_VECTOR_CACHE = 4096
MEANING_BAND = 0.015


class EngineError(Exception):
    """The search artifacts of a release cannot be used; the message says why."""


@dataclass(frozen=True)
class Tuning:
    """Fusion settings: chosen on the dev split of the evaluation (tests/search_eval/dev.yaml)."""

    rrf_k: float = 10.0
    weights: dict[str, float] = field(default_factory=lambda: {"keyword": 1.0, "dense": 1.0, "exact": 1.0})
    intent_boost: float = 0.1
    passage_offset: float = 0.0
    # Best meaning similarity under which, with no match in a title or question, the results are weak
    # (dev: flags 9 of 15 unanswerable queries and 5 of 299 answered ones; e5 cosines are compressed).
    weak_below: float = 0.915


@dataclass(frozen=True)
class Hit:
    pos: int
    score: float       # fused score, 0–1 (1 = first in every retriever)
    similarity: float  # best cosine to the entry's passage or questions


@dataclass(frozen=True)
class Ranking:
    hits: tuple[Hit, ...]
    weak: bool
    corrected: str | None
    query: ParsedQuery
    total: int  # entries containing what was typed; failing those, the ones meaning it nearly as well as the best


def write_search(records: Sequence[dict[str, Any]], vocabulary: Vocabulary, embedder: Embedder, out: Path,
                 vectors: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None) -> dict[str, Any]:
    """Write the search artifacts of `records` into `out`; returns what the manifest records.

    `vectors` (rows, owners, kinds) replaces embedding: the 10,000-entry bench reuses real vectors.
    """
    analyzer = Analyzer.for_vocabulary(vocabulary)
    all_texts = [field_texts(r) for r in records]
    out.mkdir(parents=True, exist_ok=True)
    write_matrix(out, *build_matrix(all_texts, analyzer))
    write_suggestions(out, build_suggestions(records, vocabulary.words + vocabulary.roles, analyzer))
    (out / FIELDS_FILE).write_text(json.dumps(all_texts, ensure_ascii=False), "utf-8")
    rows, owners, kinds = vectors or embed_entries(all_texts, embedder)
    write_vectors(out, rows, owners, kinds)
    info = {"embedder": embedder.name, "dim": embedder.dim, "vectors": int(len(rows)),
            "questions": int((kinds == 1).sum())}
    (out / SETTINGS_FILE).write_text(json.dumps(info, ensure_ascii=False, indent=2), "utf-8")
    return info


CANARIES = 5


def choose_canaries(engine: SearchEngine, n: int = CANARIES) -> list[dict[str, str]]:
    """A few entries (spread over the KB) whose title finds them first: the server re-runs these
    queries when it loads the release and refuses it if one no longer finds its entry."""
    out: list[dict[str, str]] = []
    step = max(1, len(engine.records) // (n * 3))
    for pos in range(0, len(engine.records), step):
        rec = engine.records[pos]
        hits = engine.search(rec["title"]).hits
        if hits and hits[0].pos == pos:
            out.append({"q": rec["title"], "expect": rec["id"]})
        if len(out) == n:
            break
    return out


def failed_canaries(engine: SearchEngine, canaries: Sequence[dict[str, str]]) -> list[str]:
    """Canary queries whose entry is not in the top 3 any more."""
    failed = []
    for c in canaries:
        top = [engine.records[h.pos]["id"] for h in engine.search(c["q"]).hits[:3]]
        if c["expect"] not in top:
            failed.append(f"canary {c['q']!r} no longer finds {c['expect']} (top 3: {top})")
    return failed


def rrf(rankings: dict[str, list[int]], weights: dict[str, float], k: float) -> dict[int, float]:
    """Weighted reciprocal-rank fusion: Σ w / (k + rank), rank from 1. Knows nothing of the retrievers."""
    fused: dict[int, float] = {}
    for name, ranked in rankings.items():
        w = weights.get(name, 0.0)
        for rank, pos in enumerate(ranked, start=1):
            fused[pos] = fused.get(pos, 0.0) + w / (k + rank)
    return fused


class ExactRetriever:
    """Entries containing what was typed, verbatim (after folding): in the title or a question first.

    Each tier is one string of all entries' texts with a separator, so a query is a few C-speed
    str.find scans rather than a Python loop over 10,000 entries.
    """

    name = "exact"
    SEP = "\x00"

    def __init__(self, all_texts: Sequence[dict[str, list[str]]]) -> None:
        tiers: list[list[str]] = [[], [], []]
        for t in all_texts:
            tiers[0].append(self.SEP.join(compact(x) for x in t["title"] + t["questions"]))
            tiers[1].append(compact(" ".join(t["tags"] + t["say"])))
            tiers[2].append(compact(" ".join(t["situation"] + t["body"])))
        self._text: list[str] = []
        self._offsets: list[list[int]] = []
        for parts in tiers:
            offsets, at = [], 0
            for part in parts:
                offsets.append(at)
                at += len(part) + 1
            self._text.append(self.SEP.join(parts))
            self._offsets.append(offsets)

    def _entries(self, tier: int, text: str) -> set[int]:
        haystack, offsets, out = self._text[tier], self._offsets[tier], set()
        at = haystack.find(text)
        while at != -1:
            out.add(bisect.bisect_right(offsets, at) - 1)
            at = haystack.find(text, at + 1)
        return out

    def search(self, q: ParsedQuery, allowed: Sequence[int] | None = None) -> list[tuple[int, int]]:
        """(entry position, tier) of entries containing the query, tier 0 (title, question) to 2 (body)."""
        text = compact(q.compact)
        if len(text) < 2:
            return []
        seen: set[int] = set()
        out = []
        keep = None if allowed is None else set(allowed)
        for tier in range(3):
            for pos in sorted(self._entries(tier, text) - seen):
                if keep is None or pos in keep:
                    out.append((pos, tier))
                seen.add(pos)
        return out


class SearchEngine:
    """Analyzer, retrievers and fusion of one release (state the release owns, nothing global)."""

    def __init__(self, records: Sequence[dict[str, Any]], all_texts: Sequence[dict[str, list[str]]],
                 analyzer: Analyzer, keyword: KeywordRetriever, dense: DenseRetriever, embedder: Embedder,
                 tuning: Tuning | None = None) -> None:
        self.records = list(records)
        self.texts = list(all_texts)
        self.analyzer = analyzer
        self.keyword = keyword
        self.dense = dense
        self.exact = ExactRetriever(all_texts)
        self.embedder = embedder
        self.tuning = tuning or Tuning()
        self._types = [r["type"] for r in self.records]
        self._channels = [set(r["channels"]) for r in self.records]
        self._operators = [tuple(r.get("operators") or (GENERAL,)) for r in self.records]
        self._sounds = self._sound_map()
        # Embedding (C code, GIL released) runs beside the keyword search on another core.
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="embed")
        # A query that is one of the KB's questions was embedded (as a query) by the build: reuse it.
        rows = np.flatnonzero(dense.is_passage == 0)
        questions = [q for texts in self.texts for q in texts["questions"]]
        self._known = {normalize(q): int(r) for q, r in zip(questions, rows, strict=True)} \
            if len(rows) == len(questions) else {}
        self.embed_query = lru_cache(maxsize=QUERY_VECTOR_CACHE)(self._embed_query)

    @classmethod
    def load(cls, folder: Path, records: Sequence[dict[str, Any]], vocabulary: Vocabulary,
             embedder: Embedder, tuning: Tuning | None = None) -> SearchEngine:
        info = json.loads((folder / SETTINGS_FILE).read_text("utf-8"))
        if info.get("embedder") != embedder.name:
            raise EngineError(f"this release's vectors were made by {info.get('embedder')!r} but the server "
                              f"embeds queries with {embedder.name!r}: rebuild with the same KB_EMBEDDER "
                              "or set KB_EMBEDDER to the model the release was built with")
        all_texts = json.loads((folder / FIELDS_FILE).read_text("utf-8"))
        if len(all_texts) != len(records):
            raise EngineError(f"{FIELDS_FILE} has {len(all_texts)} entries, entries.json {len(records)}")
        dense = DenseRetriever.load(folder, len(records))
        if dense.vectors.shape[1] != embedder.dim:
            raise EngineError(f"vectors have {dense.vectors.shape[1]} dimensions, the embedder {embedder.dim}")
        keyword = KeywordRetriever.load(folder)
        return cls(records, all_texts, Analyzer.for_vocabulary(vocabulary), keyword, dense, embedder, tuning)

    @classmethod
    def from_release(cls, release: Path, embedder: Embedder, tuning: Tuning | None = None) -> SearchEngine:
        """The engine of a published release folder (entries.json, vocabulary.json, search/)."""
        records = json.loads((release / "entries.json").read_text("utf-8"))
        vocabulary = Vocabulary.model_validate_json((release / "vocabulary.json").read_text("utf-8"))
        return cls.load(release / "search", records, vocabulary, embedder, tuning)

    def close(self) -> None:
        self._pool.shutdown(wait=False)

    def _sound_map(self) -> dict[str, str]:
        """Pinyin (full or initials, 2+ syllables) → the most used tag or vocabulary word with that sound."""
        words = [w for group in self.analyzer.synonyms.values() for w in group]
        words += [t for texts in self.texts for t in texts["tags"]]
        best: dict[str, tuple[int, str]] = {}
        for word in dict.fromkeys(fold(w) for w in words):
            syl = syllables(word)
            if len(syl) < 2 or len(syl) != len(word):
                continue
            used = self.keyword.doc_frequency(word)
            if not used:
                continue
            for key in ("".join(syl), "".join(s[0] for s in syl)):
                if key not in best or used > best[key][0]:
                    best[key] = (used, word)
        return {k: w for k, (_, w) in best.items()}

    def _allowed(self, type_: str | None, channel: str | None, operator: str | None = None) -> list[int] | None:
        if not type_ and not channel and not operator:
            return None
        return [i for i in range(len(self.records))
                if (not type_ or self._types[i] == type_) and (not channel or channel in self._channels[i])
                and visible(self._operators[i], operator)]

    def _correction(self, q: ParsedQuery, has_exact: bool) -> str | None:
        """The domain word a pinyin query or a homophone typo (绿色通到) stands for, if any."""
        if q.pinyin:
            return self._sounds.get(q.pinyin)
        if has_exact or not q.compact:
            return None
        word = self._sounds.get("".join(syllables(q.compact)))
        return word if word and word != q.compact else None

    def _embed_query(self, text: str) -> np.ndarray:
        """The query's vector (cached: filters, limits and the site and widget repeat queries)."""
        row = self._known.get(text)
        return self.dense.vectors[row] if row is not None else self.embedder.queries([text])[0]

    def search(self, text: str, type_: str | None = None, channel: str | None = None,
               depth: int = DEPTH, tuning: Tuning | None = None, operator: str | None = None) -> Ranking:
        """Every candidate, best first; callers cut to their `limit` (the order never depends on it).

        `tuning` overrides the release's fusion settings (the evaluation compares keyword-only and fused);
        `operator` keeps that operator's entries and the general ones (operators.py).
        """
        t = tuning or self.tuning
        q = parse(text, self.analyzer)
        allowed = self._allowed(type_, channel, operator)
        exact = self.exact.search(q, allowed)
        corrected = self._correction(q, bool(exact))
        if corrected:
            q = parse(corrected, self.analyzer)
            exact = self.exact.search(q, allowed)
        # An all-letters query that is no known word's pinyin has no meaning for the embedder.
        meaningful = not q.pinyin and t.weights.get("dense", 0) > 0
        future: Future[np.ndarray] | None = self._pool.submit(self.embed_query, q.normalized) if meaningful else None
        keyword = self.keyword.search(q, depth, allowed)
        kw_rank = {pos: r for r, (pos, _) in enumerate(keyword)}
        dense: list[tuple[int, float]] = []
        if future is not None:
            dense = self.dense.search(future.result(), depth, allowed, t.passage_offset)
        similarity = dict(dense)
        exact_ranked = sorted(exact, key=lambda e: (e[1], kw_rank.get(e[0], depth)))[:depth]
        rankings = {
            "keyword": [pos for pos, _ in keyword],
            "dense": [pos for pos, _ in dense],
            "exact": [pos for pos, _ in exact_ranked],
        }
        fused = rrf(rankings, t.weights, t.rrf_k)
        boosted = {typ for name in q.intents for typ in INTENTS[name][1]}
        if boosted:
            fused = {pos: s * (1 + t.intent_boost) if self._types[pos] in boosted else s for pos, s in fused.items()}
        best_possible = sum(t.weights.values()) / (t.rrf_k + 1) * (1 + (t.intent_boost if boosted else 0))
        order = sorted(fused, key=lambda pos: (-fused[pos], pos))
        hits = tuple(Hit(pos, round(min(1.0, fused[pos] / best_possible), 4),
                         round(similarity.get(pos, 0.0), 4)) for pos in order[:depth])
        top_similarity = dense[0][1] if dense else 0.0
        strong_exact = any(tier <= 1 for _, tier in exact)
        weak = not strong_exact and top_similarity < t.weak_below
        # The matches: the entries containing what was typed; failing those, the ones meaning it nearly
        # as well as the best (e5's cosines are compressed: a fixed bar would count half the KB).
        bar = max(t.weak_below, top_similarity - MEANING_BAND)
        total = len(exact) or sum(sim >= bar for _, sim in dense)
        return Ranking(hits, weak, corrected, q, total)
