"""The checker: certain hits from the phrase list (tier 1, 禁语) and 疑似 from the classifier (tier 2).

It never certifies a text as clean: no hit means only that nothing in the KB matched (未命中禁语库).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from ..search.embedder import Embedder
from .phrases import SEVERITY_RANK, PhraseMatcher
from .replacements import replacements
from .segments import windows
from .suspect import SuspectModel

TIER_LABELS = {1: "禁语", 2: "疑似"}
MAX_WINDOWS = 12  # tier-2 sentences judged per call: bounds the embedding work of one request


class Checker:
    def __init__(self, records: Sequence[dict[str, Any]], suspect: SuspectModel | None = None,
                 embedder: Embedder | None = None, max_windows: int = MAX_WINDOWS) -> None:
        self.phrases = PhraseMatcher(list(records))
        self.suspect = suspect if embedder is not None else None
        self.embedder = embedder
        self.max_windows = max_windows
        self._entries = {r["id"]: r for r in records if r["type"] == "forbidden"}
        scripts = {r["id"]: r for r in records if r["type"] == "script"}
        self._replacements = {eid: replacements(e, scripts) for eid, e in self._entries.items()}
        # The widget re-checks the whole draft as the agent types: earlier sentences come back.
        self._vector = lru_cache(maxsize=4096)(self._embed)

    @property
    def phrase_count(self) -> int:
        return self.phrases.phrase_count

    def _embed(self, text: str) -> np.ndarray:
        assert self.embedder is not None
        return self.embedder.queries([text])[0]

    def _hit(self, start: int, end: int, text: str, tier: int, entry_id: str, score: float,
             phrase: str | None) -> dict[str, Any]:
        e = self._entries[entry_id]
        hit = {
            "start": start, "end": end, "text": text[start:end], "tier": tier, "label": TIER_LABELS[tier],
            "entry_id": entry_id, "title": e["title"], "severity": e["severity"], "score": round(score, 3),
            "phrase": phrase, "why": e.get("why", ""), "advice": list(e.get("instead", [])),
            "instead": self._replacements[entry_id],
        }
        if tier == 2 and self.suspect is not None:
            hit["threshold"] = self.suspect.threshold
        return hit

    def check(self, text: str, tier2: bool = True) -> dict[str, Any]:
        """Hits of both tiers, most severe first; and how many sentences tier 2 judged and skipped."""
        hits = [self._hit(a, b, text, 1, ph.entry_id, 1.0, ph.phrase) for a, b, ph in self.phrases.find(text)]
        sentences, whole = windows(text) if tier2 and self.suspect is not None else ([], None)

        def free(span: tuple[int, int]) -> bool:  # a sentence with a certain hit needs no guess
            return not any(h["start"] < span[1] and span[0] < h["end"] for h in hits)

        sentences = [s for s in sentences if free(s)]
        judged, skipped = sentences[: self.max_windows], max(0, len(sentences) - self.max_windows)
        if whole is not None and free(whole) and not skipped:
            judged.append(whole)
        if judged and self.suspect is not None:
            vectors = np.stack([self._vector(text[a:b].strip()) for a, b in judged])
            suspects = [self._hit(a, b, text, 2, entry_id, p, None)
                        for (a, b), (p, entry_id, _) in zip(judged, self.suspect.score(vectors), strict=True)
                        if p >= self.suspect.threshold and entry_id in self._entries]
            # The whole text counts only when none of its sentences does on its own.
            parts = [h for h in suspects if (h["start"], h["end"]) != whole]
            hits += parts or suspects
        hits.sort(key=lambda h: (SEVERITY_RANK[h["severity"]], h["tier"], h["start"]))
        return {"hits": hits, "judged": len(judged), "skipped": skipped}
