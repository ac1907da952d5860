"""Near-duplicate entries: two entries whose main statements are almost the same text."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
from rapidfuzz import fuzz
from scipy import sparse

from .load import Located
from .problems import Problem
from .text import compact

SIMILAR = 90  # rapidfuzz fuzz.ratio (0–100) at or above which two statements say the same thing
_BLOCK = 1024  # rows of the candidate matrix at once


def statement(entry: Any) -> str:
    """The text that states an entry's norm (keep in step with the entry types of model.py)."""
    if entry.type == "rule":
        return str(entry.statement)
    if entry.type == "script":
        return " ".join(entry.say)
    if entry.type == "forbidden":
        return str(entry.behaviour or " ".join(entry.phrases))
    if entry.type == "process":
        return " ".join(step.what for step in entry.steps)
    if entry.type == "escalation":
        return str(entry.trigger)
    return ""


def _field(entry: Any) -> str:
    """The field statement() reads, for the line of a problem."""
    if entry.type == "forbidden":
        return "behaviour" if entry.behaviour else "phrases"
    return {"rule": "statement", "script": "say", "process": "steps", "escalation": "trigger"}[str(entry.type)]


def similar_pairs(texts: list[str], cutoff: int = SIMILAR) -> Iterator[tuple[int, int, float]]:
    """(i, j, score) for i < j whose texts have fuzz.ratio ≥ cutoff (≥ 67; texts of 2+ characters).

    Comparing every pair of 10,000 texts takes minutes, so a bigram bound picks the candidates first.
    ratio ≥ r means LCS ≥ r/200·(la+lb); every character of a outside the LCS breaks at most two of a's
    bigrams and every gap of b's extra characters one more, so at least 3·LCS − la − lb − 1 of a's bigram
    positions hold a bigram that b has too. One sparse product counts those for all pairs: seconds.
    """
    grams: dict[str, int] = {}
    rows, cols = [], []
    for i, text in enumerate(texts):
        for k in range(len(text) - 1):
            rows.append(i)
            cols.append(grams.setdefault(text[k : k + 2], len(grams)))
    shape = (len(texts), max(len(grams), 1))
    counts = sparse.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=shape)
    counts.sum_duplicates()
    present = counts.copy()
    present.data[:] = 1
    lengths = np.array([len(t) for t in texts], np.float32)
    for start in range(0, len(texts), _BLOCK):
        shared = (counts[start : start + _BLOCK] @ present.T).tocoo()
        i, j = shared.row + start, shared.col
        keep = (i < j) & (shared.data >= (3 * cutoff / 200 - 1) * (lengths[i] + lengths[j]) - 1)
        for a, b in zip(i[keep].tolist(), j[keep].tolist(), strict=True):
            score = fuzz.ratio(texts[a], texts[b], score_cutoff=cutoff)
            if score:
                yield a, b, score


def _distinct(a: Any, b: Any) -> bool:
    """Pairs an editor has told apart: linked with see_also (another organisation's way), or scripts for
    different audiences (贵公司 to 政企客户, 您 to 公众客户: the same words by design)."""
    if b.id in a.see_also or a.id in b.see_also:
        return True
    audiences = getattr(a, "audience", None), getattr(b, "audience", None)
    return None not in audiences and audiences[0] != audiences[1]


def check_near_duplicates(entries: list[Located]) -> Iterator[Problem]:
    """Warn on both entries of a pair whose statements have fuzz.ratio ≥ SIMILAR after folding."""
    texts = [compact(statement(loc.entry)) for loc in entries]
    for i, j, score in similar_pairs(texts):
        a, b = entries[i], entries[j]
        if _distinct(a.entry, b.entry):
            continue
        for this, other in ((a, b), (b, a)):
            field = _field(this.entry)
            yield Problem(this.file, this.line_of(field), field,
                          f"与 {other.entry.id!r}（{other.file}:{other.line_of(_field(other.entry))}）几乎相同"
                          f"（相似度 {score:.0f}）：合并为一条（保留一个 id，把另一个写进 aliases），"
                          "或改写使两者不同", warning=True)
