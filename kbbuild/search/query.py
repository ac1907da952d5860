"""What an agent typed, analysed once: words, index terms, pinyin, and what kind of answer it asks for."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..text import fold
from .analysis import STOPWORDS, Analyzer, chars

_ASCII = re.compile(r"^[a-z]+$")

# What the query asks for, as general patterns of spoken Chinese (never per query): the entry types
# that answer it rank higher (engine.py). Keep in step with the intent table in README.md.
INTENTS: dict[str, tuple[re.Pattern[str], tuple[str, ...]]] = {
    "say": (re.compile(r"怎么(说|讲|回|答|开口|表达|解释)|说(啥|什么)|咋(说|回|讲)|回(啥|什么)|用语|话术|"
                       r"怎么跟(客户|他|她)"), ("script",)),
    "time": (re.compile(r"多久|多长时间|几(秒|分钟|小时|天|个工作日|日)|多少(秒|分钟|小时|天)|时限|期限|"
                        r"几点|什么时候|多快|最晚|最迟|超时"), ("rule", "escalation", "process")),
    "who": (re.compile(r"找谁|谁(来|管|负责|处理|办)|转给谁|交给谁|上报|报给谁|升级|领导|上级|主管"),
            ("escalation",)),
    "may": (re.compile(r"能不能|可不可以|可以.*吗|能.*吗|行不行|允许|禁止|不让|算不算|违规"),
            ("forbidden", "rule")),
    "how": (re.compile(r"步骤|流程|怎么(办理|操作|弄|做|处理)|先.*再|程序"), ("process",)),
}


@dataclass(frozen=True)
class ParsedQuery:
    normalized: str
    compact: str
    words: tuple[str, ...]       # content words (question words and particles left out)
    tokens: tuple[str, ...]      # index terms: words, synonym-group keys, single characters
    pinyin: str | None           # an all-letters query (lstd), searched as pinyin
    intents: tuple[str, ...]

    def terms(self, analyzer: Analyzer) -> list[str]:
        """Every word the query may match, synonyms included: for highlighting."""
        out = list(self.words)
        for w in self.words:
            out += [s for s in analyzer.synonyms.get(w, ()) if s != w]
        return out or [self.compact]


def normalize(q: str) -> str:
    return " ".join(fold(q).split())


def parse(q: str, analyzer: Analyzer) -> ParsedQuery:
    normalized = normalize(q)
    compact = normalized.replace(" ", "")
    pinyin = compact if _ASCII.match(compact) and len(compact) >= 2 else None
    all_words = list(dict.fromkeys(analyzer.words(normalized, search=False)))
    words = [w for w in all_words if w not in STOPWORDS] or all_words
    search_words = [w for w in dict.fromkeys(analyzer.words(normalized)) if w not in STOPWORDS or w in words]
    keys = [k for k in map(analyzer.group_key, search_words) if k]
    single = [c for c in chars(normalized) if c not in STOPWORDS and c not in search_words]
    tokens = tuple(dict.fromkeys([*search_words, *keys, *single]))
    intents = tuple(name for name, (pattern, _) in INTENTS.items() if pattern.search(compact))
    return ParsedQuery(normalized, compact, tuple(words), tokens, pinyin, intents)
