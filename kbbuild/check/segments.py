"""Where tier 2 looks: the sentences of a text (long ones cut at commas), and a short text whole."""

from __future__ import annotations

import re

from ..search.analysis import CJK

SENTENCE = re.compile(r"[^。！？!?；;\n…]+[。！？!?；;…]*")
CLAUSE = re.compile(r"[^，,、。！？!?；;\n…]+[，,、。！？!?；;…]*")
MAX_SENTENCE = 40  # longer sentences are cut at commas: examples are one or two short sentences
WHOLE_MAX = 60  # a text this short is also judged whole: 你听不懂吗？我都说了三遍了
MIN_CJK = 3  # fewer characters say too little (嗯？, 哦 are tier 1's)
_CJK = re.compile(f"[{CJK}]")


def _spans(pattern: re.Pattern[str], text: str, offset: int = 0) -> list[tuple[int, int]]:
    out = []
    for m in pattern.finditer(text):
        a, b = m.start(), m.end()
        while a < b and text[a].isspace():
            a += 1
        if a < b:
            out.append((offset + a, offset + b))
    return out


def windows(text: str) -> tuple[list[tuple[int, int]], tuple[int, int] | None]:
    """(start, end) of each sentence of `text` to judge, in text order; and the whole text when it is
    short and has more than one sentence (a violation may need both: 你听不懂吗？我都说了三遍了)."""
    out: list[tuple[int, int]] = []
    for a, b in _spans(SENTENCE, text):
        if b - a > MAX_SENTENCE:
            out += _spans(CLAUSE, text[a:b], a)
        else:
            out.append((a, b))
    out = [(a, b) for a, b in out if len(_CJK.findall(text[a:b])) >= MIN_CJK]
    whole = text.strip()
    if len(out) > 1 and len(whole) <= WHOLE_MAX:
        start = text.index(whole)
        return out, (start, start + len(whole))
    return out, None
