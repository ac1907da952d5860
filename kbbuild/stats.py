"""Counts of a loaded KB by type, channel and source document."""

from __future__ import annotations

from collections import Counter
from typing import Any

from .model import CHANNELS, TYPES


def kb_stats(entries: list[Any]) -> dict[str, Counter[str]]:
    by_type: Counter[str] = Counter({t: 0 for t in TYPES})
    by_channel: Counter[str] = Counter({c: 0 for c in CHANNELS})
    by_doc: Counter[str] = Counter()
    for e in entries:
        by_type[e.type] += 1
        by_channel.update(e.channels)
        by_doc.update({s.doc for s in e.sources})
    return {"type": by_type, "channel": by_channel, "doc": by_doc}


def format_stats(stats: dict[str, Counter[str]], total: int) -> str:
    lines = [f"entries: {total}"]
    for name, counts in stats.items():
        lines.append(f"by {name}:")
        keys = sorted(counts) if name == "doc" else list(counts)
        lines += [f"  {key:<28} {counts[key]:>4}" for key in keys]
    return "\n".join(lines)
