"""As-you-type completions: titles, tags and vocabulary words, by prefix, substring or pinyin.

The build computes the table (pinyin takes seconds for a large KB); the server only reads it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..text import fold
from .analysis import Analyzer, syllables
from .query import normalize

SUGGEST_FILE = "suggest.json"


def build_suggestions(records: Sequence[dict[str, Any]], words: Sequence[str], analyzer: Analyzer
                      ) -> list[tuple[str, str, str, str]]:
    """(folded text, pinyin keys, display text, kind) for every title, tag and vocabulary word."""
    items: dict[str, str] = {}
    for r in records:
        items.setdefault(r["title"], "title")
        for tag in r.get("tags", []):
            items.setdefault(tag, "tag")
    for w in words:
        items.setdefault(w, "word")
    out = []
    for text, kind in items.items():
        syl = syllables(text)
        keys = " ".join(["".join(syl), "".join(s[:1] for s in syl), *analyzer.pinyin_keys(text)])
        out.append((fold(text), keys, text, kind))
    return out


def write_suggestions(out: Path, table: list[tuple[str, str, str, str]]) -> None:
    (out / SUGGEST_FILE).write_text(json.dumps(table, ensure_ascii=False), "utf-8")


class Suggester:
    def __init__(self, table: Sequence[Sequence[str]]) -> None:
        self._table = [(folded, keys.split(), text, kind) for folded, keys, text, kind in table]

    @classmethod
    def load(cls, folder: Path) -> Suggester:
        return cls(json.loads((folder / SUGGEST_FILE).read_text("utf-8")))

    def suggest(self, query: str, limit: int = 8) -> list[dict[str, str]]:
        """Prefix matches first, then substrings, then (for letters) pinyin; shorter first."""
        compact = normalize(query).replace(" ", "")
        ascii_query = compact.isascii()
        scored = []
        for folded, keys, text, kind in self._table:
            if folded.startswith(compact):
                rank = 0
            elif compact in folded:
                rank = 1
            elif ascii_query and any(k.startswith(compact) for k in keys):
                rank = 2
            else:
                continue
            scored.append((rank, len(text), {"text": text, "kind": kind}))
        scored.sort(key=lambda t: (t[0], t[1]))
        return [s[2] for s in scored[:limit]]
