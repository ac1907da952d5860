"""Chinese analysis shared by the index (build) and the queries (server): one Analyzer per release.

Documents and queries go through the same fold() (NFKC full→half width, OpenCC t2s, lower case), the
same jieba dictionary with the KB's domain words, and the same synonym groups. The Analyzer owns that
state, so a server that loads a new release never changes what the old one is still answering with.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from functools import lru_cache

import jieba
from pypinyin import lazy_pinyin

from ..model import Vocabulary
from ..text import fold

CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUN = re.compile(rf"[{CJK}]+|[a-z0-9]+")
_IS_CJK = re.compile(rf"[{CJK}]")

# Question words and particles of colloquial queries ("客户要销号怎么办"): they say nothing about the norm.
STOPWORDS = frozenset(
    "的 了 吗 呢 吧 啊 呀 么 嘛 啥 咋 要 想 我 你 他 她 它 是 在 有 和 与 及 就 都 也 还 把 被 给 让 这 那 个 一个 "
    "怎么 怎么办 怎样 如何 什么 为什么 哪些 哪里 哪个 是否 能否 可以 可不可以 能不能 行不行 应该 该 需要 时候 时 "
    "情况 问题 办 做 说 讲 请问 谁 能 会 得 多久 多长 多长时间 几秒 几分钟 几次 多少 多少次 几 咋办 咋整 怎么说 "
    "说啥 咋说 怎么弄 啥时候 吗".split()
)

jieba.setLogLevel(logging.WARNING)  # its "Building prefix dict" chatter is not for our users


def runs(text: str) -> list[str]:
    """Maximal runs of CJK characters or ASCII letters/digits of folded text."""
    return _RUN.findall(fold(text))


def is_cjk(word: str) -> bool:
    return bool(_IS_CJK.match(word))


@lru_cache(maxsize=65536)
def _syllables(text: str) -> tuple[str, ...]:
    return tuple(lazy_pinyin(text, errors="ignore", v_to_u=False))


def syllables(text: str) -> list[str]:
    """Pinyin of each character (pypinyin is slow and the same words come back: cached)."""
    return list(_syllables(text))


def bigrams(text: str) -> list[str]:
    """Overlapping character bigrams of each CJK run (a lone character stands for itself)."""
    out: list[str] = []
    for run in runs(text):
        if not is_cjk(run) or len(run) == 1:
            out.append(run)
        else:
            out.extend(run[i : i + 2] for i in range(len(run) - 1))
    return out


def chars(text: str) -> list[str]:
    """Single CJK characters (and ASCII words): meaning survives a word jieba cuts differently."""
    out: list[str] = []
    for run in runs(text):
        out.extend(run if is_cjk(run) else [run])
    return out


def pinyin_bigrams(text: str) -> list[str]:
    """Full pinyin of each character bigram: a homophone typo (绿色通到) still meets 绿色通道."""
    out: list[str] = []
    for run in runs(text):
        if is_cjk(run):
            syl = syllables(run)
            out.extend(syl[i] + syl[i + 1] for i in range(len(syl) - 1))
    return out


class Analyzer:
    """jieba with a KB's domain words, plus its synonym groups: the text analysis of one release.

    Immutable once made, so releases with the same vocabulary share one (`for_vocabulary`): loading
    jieba's dictionary takes a second, and a new vocabulary always gets an analyzer of its own.
    """

    @staticmethod
    def for_vocabulary(vocabulary: Vocabulary) -> Analyzer:
        return _analyzer(vocabulary.model_dump_json())

    def __init__(self, vocabulary: Vocabulary) -> None:
        self.vocabulary = vocabulary
        # Initialised here, before any thread can use it (jieba's lazy initialisation is not thread-safe).
        self._jieba = jieba.Tokenizer()
        self._jieba.initialize()
        for word in vocabulary.segmentation_words():
            if w := fold(word):
                self._jieba.add_word(w, freq=200_000)
        self.synonyms: dict[str, tuple[str, ...]] = {}
        self._group_key: dict[str, str] = {}
        for group in vocabulary.synonyms:
            folded = tuple(dict.fromkeys(fold(w) for w in group))
            for w in folded:
                self.synonyms[w] = folded
                self._group_key[w] = "~" + folded[0]

    def words(self, text: str, search: bool = True) -> list[str]:
        """jieba words of the folded text (search mode adds the sub-words of long words)."""
        out: list[str] = []
        for run in runs(text):
            if not is_cjk(run):
                out.append(run)
                continue
            cut = self._jieba.cut_for_search(run) if search else self._jieba.cut(run)
            out.extend(w for w in cut if w.strip())
        return out

    def group_key(self, word: str) -> str | None:
        """The key every word of a synonym group also indexes as (one term instead of an OR)."""
        return self._group_key.get(word)

    def tokens(self, text: str) -> list[str]:
        """Index terms of a text: words, their synonym-group keys and single characters."""
        ws = self.words(text)
        return ws + [k for k in map(self._group_key.get, ws) if k] + [c for c in chars(text) if c not in ws]

    def pinyin_keys(self, text: str) -> list[str]:
        """Initials and full pinyin of each word and adjacent word pair: 服务禁语 → fwjy, fuwujinyu …"""
        ws = [w for w in self.words(text, search=False) if is_cjk(w)]
        keys: list[str] = []
        for i in range(len(ws)):
            for group in (ws[i : i + 1], ws[i : i + 2]) if i + 1 < len(ws) else (ws[i : i + 1],):
                syl = [s for word in group for s in syllables(word)]
                if len(syl) >= 2:
                    keys.append("".join(s[0] for s in syl))
                    keys.append("".join(syl))
        return keys

    def phrase_initials(self, texts: Iterable[str]) -> list[str]:
        """Initials of whole short phrases (titles, tags, questions): 先行赔付 → xxpf, 喜欢哪里 → xhnl."""
        out = []
        for text in texts:
            for run in runs(text):
                if is_cjk(run) and 2 <= len(run) <= 8:
                    out.append("".join(s[0] for s in syllables(run)))
        return out


@lru_cache(maxsize=4)
def _analyzer(vocabulary_json: str) -> Analyzer:
    return Analyzer(Vocabulary.model_validate_json(vocabulary_json))
