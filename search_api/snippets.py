"""Snippets: the best matching passage of an entry, HTML-escaped, with <mark> around the matches.

Written by hand because highlighters (Whoosh's, say) work from analyzer token offsets, and our analyzers
(jieba + overlapping bigrams + pinyin) do not produce offsets into the original text.
"""

from __future__ import annotations

import html
from functools import lru_cache

from kbbuild.text import fold_with_map

WIDTH = 90


@lru_cache(maxsize=65536)
def _folded(text: str) -> tuple[str, list[int]]:
    # Passages repeat across queries: fold each once (OpenCC is the costly part of a snippet).
    return fold_with_map(text)


def _spans(text: str, terms: list[str]) -> list[tuple[int, int]]:
    """Character spans of `text` covered by any term (folded match, longest terms first)."""
    folded, where = _folded(text)
    covered = [False] * len(folded)
    for term in sorted({t for t in terms if t}, key=len, reverse=True):
        start = folded.find(term)
        while start != -1:
            for i in range(start, start + len(term)):
                covered[i] = True
            start = folded.find(term, start + len(term))
    spans: list[tuple[int, int]] = []
    for i, flag in enumerate(covered):
        if not flag:
            continue
        a, b = where[i], where[i] + 1
        if spans and spans[-1][1] >= a:
            spans[-1] = (spans[-1][0], max(spans[-1][1], b))
        else:
            spans.append((a, b))
    return spans


def best_passage(passages: list[str], terms: list[str]) -> tuple[str, list[tuple[int, int]]]:
    best, best_spans, best_score = passages[0] if passages else "", [], -1
    for text in passages:
        spans = _spans(text, terms)
        score = sum(b - a for a, b in spans)
        if score > best_score:
            best, best_spans, best_score = text, spans, score
    return best, best_spans


def render(text: str, spans: list[tuple[int, int]], width: int = WIDTH) -> str:
    """Escape everything; wrap the spans in <mark>; cut to a window around the first match."""
    lo, hi = 0, len(text)
    if len(text) > width:
        first = spans[0][0] if spans else 0
        lo = max(0, min(first - width // 3, len(text) - width))
        hi = lo + width
    out = ["…" if lo > 0 else ""]
    pos = lo
    for a, b in spans:
        a, b = max(a, lo), min(b, hi)
        if a >= b:
            continue
        out += [html.escape(text[pos:a]), "<mark>", html.escape(text[a:b]), "</mark>"]
        pos = b
    out.append(html.escape(text[pos:hi]))
    out.append("…" if hi < len(text) else "")
    return "".join(out)


def snippet(passages: list[str], terms: list[str], width: int = WIDTH) -> str:
    text, spans = best_passage(passages, terms)
    return render(text, spans, width)
