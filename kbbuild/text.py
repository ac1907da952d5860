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
# Characters that show nothing: Unicode's Default_Ignorable_Code_Point set (DerivedCoreProperties.txt;
# Python's unicodedata does not expose it) and the Hangul fillers, which are letters yet invisible
# (U+3164 between 你 and 等 must not hide 你等一会 from the checker).
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0000-\U000e0fff]")


_QUOTE_MARKS = "“”\"'「」『』‘’"


def unquoted(text: str) -> str:
    """A quotation without the quotation marks it may carry: pages and PDF add their own, once."""
    return text.strip().strip(_QUOTE_MARKS)


def to_simplified(text: str) -> str:
    return _T2S.convert(text)


def fold(text: str) -> str:
    """Full-width→half-width (NFKC), traditional→simplified, lower-case; keeps punctuation."""
    text = unicodedata.normalize("NFKC", _INVISIBLE.sub("", text))
    return to_simplified(text).translate(_VARIANTS).lower()


def compact(text: str) -> str:
    """fold() and drop everything but letters and digits: for matching quotes and phrases."""
    return _NOT_WORD.sub("", fold(_PINYIN_NOISE.sub("", text)))


@lru_cache(maxsize=16)
def compact_document(text: str) -> str:
    return compact(text)


@lru_cache(maxsize=65536)
def _nfkc_char(ch: str) -> str:
    return "" if _INVISIBLE.match(ch) else unicodedata.normalize("NFKC", ch)


def fold_with_map(text: str, keep: str = "all") -> tuple[str, list[int]]:
    """fold() with the index in `text` of every output character.

    keep="word" drops punctuation and spaces (for phrase matching across them).
    """
    parts = [_nfkc_char(ch) for ch in text]
    nfkc = "".join(parts)
    # Mostly one character in, one out; otherwise map each output character to its source.
    where = list(range(len(text))) if len(nfkc) == len(text) else [i for i, p in enumerate(parts) for _ in p]
    simple = _T2S.convert(nfkc)
    if len(simple) != len(nfkc):  # a phrase conversion changed the length: convert char by char
        simple = "".join(_T2S.convert(c)[:1] or c for c in nfkc)
    simple = simple.translate(_VARIANTS)
    lowered = simple.lower()
    if len(lowered) != len(simple):  # str.lower() expands a few letters (İ → i̇): char by char then
        lowered = "".join(c.lower()[:1] for c in simple)
    if keep == "word":
        pairs = [(c, w) for c, w in zip(lowered, where, strict=True) if c.isalnum()]
        return "".join(c for c, _ in pairs), [w for _, w in pairs]
    return lowered, where
