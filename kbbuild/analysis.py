"""Chinese analysis for the index and for queries: jieba words, character bigrams and pinyin keys.

Whoosh pickles the schema, so every tokenizer here is a module-level class (see STACK.md).
Documents and queries go through the same fold() (NFKC full→half width, OpenCC t2s, lower case).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable, Iterator

import jieba
from pypinyin import lazy_pinyin
from whoosh.analysis import Token, Tokenizer

from .model import Vocabulary
from .text import fold

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUN = re.compile(rf"[{_CJK}]+|[a-z0-9]+")
_IS_CJK = re.compile(rf"[{_CJK}]")

jieba.setLogLevel(logging.WARNING)  # its "Building prefix dict" chatter is not for our users
_jieba = jieba.Tokenizer()
_jieba_lock = threading.Lock()
_loaded_words: set[str] = set()


def init_jieba(words: Iterable[str] = ()) -> None:
    """Load jieba's dictionary and the KB's domain words; call at start-up, not per request."""
    with _jieba_lock:
        _jieba.initialize()
        for word in words:
            w = fold(word)
            if w and w not in _loaded_words:
                _jieba.add_word(w, freq=200_000)
                _loaded_words.add(w)


_synonym_key: dict[str, str] = {}


def set_synonyms(groups: Iterable[Iterable[str]]) -> None:
    """Each word of a synonym group also indexes as the group's key, so a query for any of them is
    one term instead of an OR over the group (the index and its queries must use the same groups)."""
    _synonym_key.clear()
    for group in groups:
        folded = [fold(w) for w in group]
        for w in folded:
            _synonym_key[w] = "~" + folded[0]


def use_vocabulary(vocabulary: Vocabulary) -> None:
    """Load a KB's vocabulary into the analysis; the index and the queries over it must both call this."""
    init_jieba(vocabulary.segmentation_words())
    set_synonyms(vocabulary.synonyms)


def synonym_key(word: str) -> str | None:
    return _synonym_key.get(word)


def runs(text: str) -> list[str]:
    """Maximal runs of CJK characters or ASCII letters/digits of folded text."""
    return _RUN.findall(fold(text))


def words(text: str, search: bool = True) -> list[str]:
    """jieba words of the folded text (search mode adds the sub-words of long words)."""
    out: list[str] = []
    for run in runs(text):
        if not _IS_CJK.match(run):
            out.append(run)
            continue
        cut = _jieba.cut_for_search(run) if search else _jieba.cut(run)
        out.extend(w for w in cut if w.strip())
    return out


def bigrams(text: str) -> list[str]:
    """Overlapping character bigrams of each CJK run (a lone character stands for itself)."""
    out: list[str] = []
    for run in runs(text):
        if not _IS_CJK.match(run):
            out.append(run)
        elif len(run) == 1:
            out.append(run)
        else:
            out.extend(run[i : i + 2] for i in range(len(run) - 1))
    return out


def syllables(text: str) -> list[str]:
    return lazy_pinyin(text, errors="ignore", v_to_u=False)


def pinyin_keys(text: str) -> list[str]:
    """Initials and full pinyin of each word and of adjacent word pairs: 服务禁语 → fwjy, fuwujinyu, fw …"""
    ws = [w for w in words(text, search=False) if _IS_CJK.match(w)]
    keys: list[str] = []
    for i in range(len(ws)):
        for group in (ws[i : i + 1], ws[i : i + 2]) if i + 1 < len(ws) else (ws[i : i + 1],):
            syl = [s for word in group for s in syllables(word)]
            if len(syl) >= 2:
                keys.append("".join(s[0] for s in syl))
                keys.append("".join(syl))
    return keys


def pinyin_bigrams(text: str) -> list[str]:
    """Full pinyin of each character bigram: a homophone typo (绿色通到) still meets 绿色通道."""
    out: list[str] = []
    for run in runs(text):
        if _IS_CJK.match(run):
            syl = syllables(run)
            out.extend(syl[i] + syl[i + 1] for i in range(len(syl) - 1))
    return out


class _ListTokenizer(Tokenizer):
    """Base: subclasses turn text into a list of token strings; positions are list indexes."""

    def tokens(self, text: str) -> list[str]:  # pragma: no cover - abstract
        raise NotImplementedError

    def __call__(self, value: str, positions: bool = False, chars: bool = False,
                 keeporiginal: bool = False, removestops: bool = True, start_pos: int = 0,
                 start_char: int = 0, tokenize: bool = True, mode: str = "", **kwargs: object
                 ) -> Iterator[Token]:
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for pos, text in enumerate(self.tokens(value)):
            t.text = t.original = text
            t.boost = 1.0
            t.stopped = False
            if positions:
                t.pos = start_pos + pos
            if chars:
                t.startchar = t.endchar = start_char
            yield t


class WordTokenizer(_ListTokenizer):
    def tokens(self, text: str) -> list[str]:
        ws = words(text)
        return ws + [k for k in map(_synonym_key.get, ws) if k]


class BigramTokenizer(_ListTokenizer):
    def tokens(self, text: str) -> list[str]:
        return bigrams(text)


class PinyinTokenizer(_ListTokenizer):
    def tokens(self, text: str) -> list[str]:
        return pinyin_keys(text)


class PinyinBigramTokenizer(_ListTokenizer):
    def tokens(self, text: str) -> list[str]:
        return pinyin_bigrams(text)
