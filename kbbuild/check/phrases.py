"""Tier 1 of the checker: one Aho-Corasick pass finds every forbidden phrase of the KB in a text.

Matching is on a "speech fold" of both phrase and text: 繁→简, full→half width, punctuation and
spaces dropped, repeated characters collapsed (喂喂 → 喂) and erhua 儿 dropped (一会儿 → 一会).
Look-alike correct phrases (an entry's `allow`) that cover a hit suppress it. Entries with
`match: clause` (fillers like 哦, rhetorical 什么？) count only as a whole clause, and may use XX
as a placeholder (是XX啊？).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import ahocorasick

from ..text import fold_with_map

PLACEHOLDER = re.compile(r"[xX]{2,}|\*{2,}|…+")
QUESTION_MARKS = "？?"
CLAUSE = re.compile(r"[^\s,.!?;:，。！？；：、…~～\"'“”‘’()（）\[\]【】]+")


def speech_fold(text: str) -> tuple[str, list[int]]:
    """Folded letters and digits of `text`, with each character's index in the original."""
    folded, where = fold_with_map(text, keep="word")
    out: list[str] = []
    pos: list[int] = []
    for i, ch in enumerate(folded):
        if ch == "儿" and i > 0:
            continue
        if out and out[-1] == ch:
            continue
        out.append(ch)
        pos.append(where[i])
    return "".join(out), pos


@lru_cache(maxsize=8192)
def _fold_char(ch: str) -> str:
    return fold_with_map(ch)[0]


def _extend(text: str, end: int) -> int:
    """Take in the erhua 儿 and repeats of the last character that speech_fold dropped (一会儿, 喂喂)."""
    last = _fold_char(text[end - 1]) if end else ""
    while end < len(text):
        nxt = _fold_char(text[end])
        if nxt not in ("儿", last):
            break
        end += 1
    return end


@dataclass(frozen=True)
class Phrase:
    entry_id: str
    phrase: str
    severity: str
    title: str

    @property
    def question(self) -> bool:
        """A wording written as a question (嗯？, 什么？) forbids the question, not the word (嗯，好的)."""
        return self.phrase.rstrip().endswith(tuple(QUESTION_MARKS))


SEVERITY_RANK = {"red-line": 0, "serious": 1, "discouraged": 2}
Hit = tuple[int, int, Phrase]  # start and end in the original text


class PhraseMatcher:
    """Every listed forbidden wording in a text: certain hits (tier 1)."""

    def __init__(self, entries: list[dict[str, Any]]) -> None:
        self._forbidden = ahocorasick.Automaton()
        self._allowed = ahocorasick.Automaton()
        self._clauses: dict[str, list[Phrase]] = {}
        self._templates: list[tuple[re.Pattern[str], Phrase]] = []
        self.phrase_count = 0
        found: dict[str, list[Phrase]] = {}
        for e in entries:
            if e["type"] != "forbidden":
                continue
            clause_only = e.get("match") == "clause"
            for phrase in e.get("phrases", []):
                ph = Phrase(e["id"], phrase, e["severity"], e["title"])
                parts = [speech_fold(p)[0] for p in PLACEHOLDER.split(phrase)]
                if len(parts) > 1:
                    if clause_only:
                        self._templates.append((re.compile(".{1,8}".join(map(re.escape, parts)) + "$"), ph))
                        self.phrase_count += 1
                    continue  # a placeholder phrase outside clause mode would match almost anything
                key = parts[0]
                if clause_only and key:
                    self._clauses.setdefault(key, []).append(ph)
                elif len(key) >= 2:  # a single character anywhere would flag half of every sentence
                    found.setdefault(key, []).append(ph)
                else:
                    continue
                self.phrase_count += 1
            for allowed in e.get("allow", []):
                key, _ = speech_fold(allowed)
                if key:
                    self._allowed.add_word(key, len(key))
        for key, phrases in found.items():
            self._forbidden.add_word(key, (len(key), phrases))
        if found:
            self._forbidden.make_automaton()
        if len(self._allowed):
            self._allowed.make_automaton()

    def find(self, text: str) -> list[Hit]:
        """Every forbidden phrase in `text`, with its place in the original string, in text order."""
        if self.phrase_count == 0 or not text:
            return []
        hits = self._anywhere(text) + self._whole_clauses(text)
        return sorted(hits, key=lambda h: (h[0], SEVERITY_RANK[h[2].severity]))

    def _anywhere(self, text: str) -> list[Hit]:
        if not len(self._forbidden):
            return []
        folded, where = speech_fold(text)
        allowed: list[tuple[int, int]] = []
        if len(self._allowed):
            allowed = [(end - n + 1, end + 1) for end, n in self._allowed.iter(folded)]
        best: dict[tuple[str, int], tuple[int, int, Phrase]] = {}
        for end, (n, phrases) in self._forbidden.iter(folded):
            start = end - n + 1
            if any(a <= start and end + 1 <= b for a, b in allowed):
                continue
            for ph in phrases:
                # One hit per entry per place: the longest phrase wins over its own shorter variants.
                key = (ph.entry_id, end)
                if key not in best or best[key][1] - best[key][0] < n:
                    best[key] = (start, end + 1, ph)
        return [(where[a], _extend(text, where[b - 1] + 1), ph) for a, b, ph in self._drop_nested(list(best.values()))]

    def _whole_clauses(self, text: str) -> list[Hit]:
        if not self._clauses and not self._templates:
            return []
        hits: list[Hit] = []
        for m in CLAUSE.finditer(text):
            key, _ = speech_fold(m.group())
            asked = text[m.end() : m.end() + 1] in tuple(QUESTION_MARKS)
            candidates = self._clauses.get(key, []) + [ph for pattern, ph in self._templates if pattern.match(key)]
            hits += [(m.start(), m.end(), ph) for ph in candidates if asked or not ph.question]
        return hits

    @staticmethod
    def _drop_nested(hits: list[Hit]) -> list[Hit]:
        """Drop a hit of an entry that lies inside a longer hit of the same entry.

        Sorted by start, longest first: a hit is nested when an earlier one of its entry reaches as
        far, so one pass over sorted intervals does it (n log n; a pairwise check was quadratic).
        """
        reach: dict[str, int] = {}
        kept = []
        for a, b, ph in sorted(hits, key=lambda h: (h[0], -h[1])):
            if reach.get(ph.entry_id, -1) >= b:
                continue
            reach[ph.entry_id] = b
            kept.append((a, b, ph))
        return kept
