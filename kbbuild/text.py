"""Chinese text folding shared by the validator, the index, the checker and the API."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import opencc

_T2S = opencc.OpenCC("t2s")
# 001 carries pinyin after characters, e.g. 服務(wù): scraped noise, not content.
_PINYIN_NOISE = re.compile(r"[(（][a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{1,7}[)）]")
_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)
# 004 writes 旳 for 的 throughout.
_VARIANTS = str.maketrans({"旳": "的"})


def to_simplified(text: str) -> str:
    return _T2S.convert(text)


def fold(text: str) -> str:
    """Full-width→half-width (NFKC), traditional→simplified, lower-case; keeps punctuation."""
    text = unicodedata.normalize("NFKC", text)
    return to_simplified(text).translate(_VARIANTS).lower()


def compact(text: str) -> str:
    """fold() and drop everything but letters and digits: for matching quotes and phrases."""
    return _NOT_WORD.sub("", fold(_PINYIN_NOISE.sub("", text)))


@lru_cache(maxsize=16)
def compact_document(text: str) -> str:
    return compact(text)


def fold_with_map(text: str, keep: str = "all") -> tuple[str, list[int]]:
    """fold() with the index in `text` of every output character.

    keep="word" drops punctuation and spaces (for phrase matching across them).
    """
    chars: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        for c in unicodedata.normalize("NFKC", ch):
            chars.append(c)
            where.append(i)
    nfkc = "".join(chars)
    simple = _T2S.convert(nfkc)
    if len(simple) != len(nfkc):  # a phrase conversion changed the length: convert char by char
        simple = "".join(_T2S.convert(c)[:1] or c for c in nfkc)
    # Lower-case char by char: str.lower() expands a few letters (İ → i̇) and would shift positions.
    simple = "".join(c.lower()[:1] for c in simple.translate(_VARIANTS))
    if keep == "word":
        pairs = [(c, w) for c, w in zip(simple, where, strict=True) if c.isalnum()]
        return "".join(c for c, _ in pairs), [w for _, w in pairs]
    return simple, where
