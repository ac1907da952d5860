"""Checker evaluation: precision, recall and F1 on labelled utterances, tier 1 alone and tiers 1+2."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml


@dataclass(frozen=True)
class Utterance:
    text: str
    violation: bool
    expect: tuple[str, ...]
    style: str


@dataclass(frozen=True)
class Scores:
    tp: int
    fp: int
    fn: int
    tn: int
    entry_right: int  # true positives whose top hit names one of the expected entries

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def line(self) -> str:
        return (f"precision {self.precision:.3f}, recall {self.recall:.3f}, F1 {self.f1:.3f} "
                f"(tp {self.tp}, fp {self.fp}, fn {self.fn}, tn {self.tn}; right entry {self.entry_right}/{self.tp})")


def load_utterances(path: Path) -> list[Utterance]:
    data = yaml.safe_load(path.read_text("utf-8"))
    return [Utterance(str(d["text"]), d["label"] == "violation", tuple(d.get("expect") or ()),
                      str(d.get("style") or d["label"])) for d in data]


def score(items: Sequence[Utterance], check: Callable[[str], list[dict[str, Any]]],
          aliases: Mapping[str, str] | None = None) -> Scores:
    """An utterance is flagged when `check` returns any hit; a flagged violation is a true positive.
    `aliases` (old id → the entry it was merged into) keeps the labels of merged entries right."""
    tp = fp = fn = tn = right = 0
    aliases = aliases or {}
    for item in items:
        hits = check(item.text)
        if item.violation and hits:
            tp += 1
            expect = {aliases.get(e, e) for e in item.expect}
            right += any(h["entry_id"] in expect for h in hits)
        elif item.violation:
            fn += 1
        elif hits:
            fp += 1
        else:
            tn += 1
    return Scores(tp, fp, fn, tn, right)
