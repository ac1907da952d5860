"""Quotes long enough to be evidence: a few characters prove nothing about where a norm comes from."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .load import Located
from .problems import Problem
from .text import compact

MIN_QUOTE_CHARS = 8  # Chinese characters, letters and digits; punctuation and spaces do not count


def own_texts(entry: Any) -> set[str]:
    """The entry's own short norm texts a quote may equal: its title, phrases and say lines (compacted)."""
    texts = [entry.title, *getattr(entry, "phrases", []), *getattr(entry, "say", [])]
    texts += [line for step in getattr(entry, "steps", []) for line in step.say]
    return {compact(t) for t in texts}


def check_quote_length(entries: list[Located]) -> Iterator[Problem]:
    """A quote shorter than MIN_QUOTE_CHARS is an error, unless the whole norm is that short (the quote
    is the entry's title, one of its phrases or say lines)."""
    for loc in entries:
        for i, src in enumerate(loc.entry.sources):
            quote = compact(src.quote)
            # An empty quote is check_sources' problem.
            if 0 < len(quote) < MIN_QUOTE_CHARS and quote not in own_texts(loc.entry):
                yield Problem(loc.file, loc.line_of("sources", i, "quote"), f"sources[{i}].quote",
                              f"引文只有 {len(quote)} 个字（标点不计），至少要 {MIN_QUOTE_CHARS} 个字："
                              "请改为原文中包含它的一段更长的原话（只有整条规范本身更短、引文就是本条的标题、"
                              "某个说法或某句话术时才可以更短）")
