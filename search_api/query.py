"""Turn what an agent typed into a Whoosh query: words AND-ed, exact phrase first, pinyin and homophones."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from whoosh import query as Q

from kbbuild.analysis import bigrams, pinyin_bigrams, synonym_key, words
from kbbuild.index import BOOSTS
from kbbuild.text import fold

# Question words and particles of colloquial queries ("客户要销号怎么办"): they say nothing about the norm.
STOPWORDS = frozenset(
    "的 了 吗 呢 吧 啊 呀 么 要 想 我 你 他 她 是 在 有 和 与 及 就 都 也 还 把 被 给 让 这 那 个 一个 "
    "怎么 怎么办 怎样 如何 什么 为什么 哪些 哪里 哪个 是否 能否 可以 可不可以 应该 该 需要 时候 时 "
    "情况 问题 办 做 说 讲 请问 谁 能 会 多久 多长 多长时间 几秒 几分钟 几次 多少 多少次 几 吗".split()
)
_ASCII = re.compile(r"^[a-z]+$")
WORD_FIELDS = tuple(BOOSTS)
BIGRAM_FIELDS = tuple(f"{f}_bi" for f in BOOSTS)


@dataclass(frozen=True)
class Plan:
    normalized: str
    words: tuple[str, ...]
    expansions: dict[str, tuple[str, ...]] = field(default_factory=dict)
    pinyin: str | None = None

    @property
    def compact(self) -> str:
        """The normalized query without spaces: what exact-match and bigram steps compare."""
        return self.normalized.replace(" ", "")

    def terms(self) -> list[str]:
        """Every word the query may match, synonyms included: for highlighting."""
        out = list(self.words)
        for syns in self.expansions.values():
            out += syns
        return out


def normalize(q: str) -> str:
    return " ".join(fold(q).split())


def plan(q: str, synonyms: dict[str, tuple[str, ...]]) -> Plan:
    normalized = normalize(q)
    compact = normalized.replace(" ", "")
    pinyin = compact if _ASCII.match(compact) and len(compact) >= 2 else None
    ws = [w for w in words(normalized, search=False) if w not in STOPWORDS]
    if not ws:  # a query of stopwords only ("怎么办") still searches for what was typed
        ws = words(normalized, search=False)
    ws = list(dict.fromkeys(ws))
    expansions = {w: tuple(s for s in synonyms.get(w, ()) if s != w) for w in ws}
    return Plan(normalized, tuple(ws), {w: s for w, s in expansions.items() if s}, pinyin)


def _any_field(fields: tuple[str, ...], token: str, boost: float = 1.0) -> Q.Query:
    return Q.Or([Q.Term(f, token, boost=boost) for f in fields])


def _word(word: str) -> Q.Query:
    # A word of a synonym group matches the group's key, which the index adds beside each group word.
    return _any_field(WORD_FIELDS, synonym_key(word) or word)


def _all_bigrams(text: str) -> Q.Query | None:
    grams = list(dict.fromkeys(bigrams(text)))
    if not grams:
        return None
    return Q.And([_any_field(BIGRAM_FIELDS, g) for g in grams])


def words_query(p: Plan, skip: frozenset[str] = frozenset()) -> Q.Query | None:
    """Every query word (or one of its synonyms), leaving out `skip` (words found in most entries)."""
    kept = [w for w in p.words if w not in skip]
    return Q.And([_word(w) for w in kept]) if kept else None


def strict_query(p: Plan) -> Q.Query:
    """Every word (or a synonym), OR every bigram (partial words), OR the homophone pinyin, OR pinyin keys.

    Exact-phrase ranking is done afterwards on the top candidates (release.py), not with Whoosh
    phrase matchers, which cost ~10× more over common bigrams.
    """
    compact = p.compact
    parts: list[Q.Query] = []
    if (wq := words_query(p)) is not None:
        parts.append(wq)
    grams = _all_bigrams(compact)
    if grams is not None:
        parts.append(grams)
    pyb = list(dict.fromkeys(pinyin_bigrams(compact)))
    if pyb:
        parts.append(Q.And([Q.Term("pyb", k, boost=0.8) for k in pyb]))
    if p.pinyin:
        parts += [Q.Term("py", p.pinyin, boost=6.0), Q.Prefix("py", p.pinyin, boost=2.0)]
    return Q.Or(parts)


def loose_query(p: Plan, skip: frozenset[str] = frozenset()) -> Q.Query:
    """The fallback when nothing has every word: any word, or any bigram, may match."""
    parts = [_word(w) for w in p.words if w not in skip]
    compact = p.compact
    parts += [_any_field(BIGRAM_FIELDS, g, 0.5) for g in dict.fromkeys(bigrams(compact)) if g not in skip]
    parts += [Q.Term("pyb", k, boost=0.3) for k in dict.fromkeys(pinyin_bigrams(compact)) if k not in skip]
    # Coordination bonus: an entry that matches more of the query's parts ranks higher.
    return Q.Or(parts, scale=0.9)


def filters(type_: str | None, channel: str | None) -> Q.Query | None:
    terms = []
    if type_:
        terms.append(Q.Term("type", type_))
    if channel:
        terms.append(Q.Term("channels", channel))
    return Q.And(terms) if terms else None
