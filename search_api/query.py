"""Turn what an agent typed into a Whoosh query: words AND-ed, exact phrase first, pinyin and homophones."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from whoosh import query as Q

from kbbuild.analysis import bigrams, pinyin_bigrams, words
from kbbuild.index import BOOSTS
from kbbuild.text import fold

# Question words and particles of colloquial queries ("客户要销号怎么办"): they say nothing about the norm.
STOPWORDS = frozenset(
    "的 了 吗 呢 吧 啊 呀 么 要 想 我 你 他 她 是 在 有 和 与 及 就 都 也 还 把 被 给 让 这 那 个 一个 "
    "怎么 怎么办 怎样 如何 什么 为什么 哪些 哪里 哪个 是否 能否 可以 可不可以 应该 该 需要 时候 时 "
    "情况 问题 办 做 说 讲 请问".split()
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


def _phrase(fieldname: str, tokens: list[str], boost: float = 1.0) -> Q.Query:
    if len(tokens) == 1:
        return Q.Term(fieldname, tokens[0], boost=boost)
    return Q.Phrase(fieldname, tokens, boost=boost)


def word_clause(word: str, boost: float = 1.0) -> Q.Query:
    """One query word in any text field: as a jieba word, or as a bigram phrase (segmentation-proof)."""
    parts: list[Q.Query] = [Q.Term(f, word, boost=boost) for f in WORD_FIELDS]
    grams = bigrams(word)
    if grams and (len(grams) > 1 or grams[0] != word):
        parts += [_phrase(f, grams, boost) for f in BIGRAM_FIELDS]
    return Q.Or(parts)


def _word_or_synonyms(p: Plan, word: str) -> Q.Query:
    alts = [word_clause(word)] + [word_clause(s, 0.9) for s in p.expansions.get(word, ())]
    return alts[0] if len(alts) == 1 else Q.Or(alts)


def strict_query(p: Plan) -> Q.Query:
    """Exact phrase (boosted) OR all words present OR the homophone pinyin phrase."""
    compact = p.normalized.replace(" ", "")
    parts: list[Q.Query] = []
    grams = bigrams(compact)
    if grams:
        parts += [_phrase(f, grams, boost=10.0) for f in BIGRAM_FIELDS]
    if p.words:
        parts.append(Q.And([_word_or_synonyms(p, w) for w in p.words]))
    pyb = pinyin_bigrams(compact)
    if len(pyb) >= 1:
        parts.append(_phrase("pyb", pyb, boost=0.8))
    if p.pinyin:
        parts += [Q.Term("py", p.pinyin, boost=6.0), Q.Prefix("py", p.pinyin, boost=2.0)]
    return Q.Or(parts)


def loose_query(p: Plan) -> Q.Query:
    """The fallback when nothing has every word: any word, or any bigram, may match."""
    parts = [_word_or_synonyms(p, w) for w in p.words]
    compact = p.normalized.replace(" ", "")
    parts += [Q.Term(f, g, boost=0.5) for g in bigrams(compact) for f in BIGRAM_FIELDS]
    parts += [Q.Term("pyb", k, boost=0.3) for k in pinyin_bigrams(compact)]
    return Q.Or(parts)


def filters(type_: str | None, channel: str | None) -> Q.Query | None:
    terms = []
    if type_:
        terms.append(Q.Term("type", type_))
    if channel:
        terms.append(Q.Term("channels", channel))
    return Q.And(terms) if terms else None
