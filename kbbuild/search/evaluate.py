"""Search evaluation: hit@1, hit@3 and MRR by query style, for a split of labelled agent queries."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

TOP = 3
MRR_DEPTH = 10


@dataclass(frozen=True)
class Item:
    q: str
    expect: tuple[str, ...]
    expect_type: str | None
    style: str


@dataclass
class Scores:
    n: int = 0
    hit1: int = 0
    hit3: int = 0
    rr: float = 0.0
    misses: list[str] = field(default_factory=list)

    def add(self, rank: int | None, miss: str) -> None:
        self.n += 1
        if rank is not None:
            self.hit1 += rank == 1
            self.hit3 += rank <= TOP
            self.rr += 1 / rank
        if rank is None or rank > TOP:
            self.misses.append(miss)

    def row(self) -> tuple[int, float, float, float]:
        n = max(self.n, 1)
        return self.n, self.hit1 / n, self.hit3 / n, self.rr / n


def load_items(path: Path) -> list[Item]:
    data = yaml.safe_load(path.read_text("utf-8"))
    return [Item(str(d["q"]), tuple(d.get("expect") or ()), d.get("expect_type"), d["style"]) for d in data]


def rank_of(item: Item, results: Sequence[dict[str, Any]]) -> int | None:
    """1-based rank of the first right answer in `results`, or None; an entry that merged the expected
    one answers for it (its `aliases`)."""
    for i, r in enumerate(results[:MRR_DEPTH], start=1):
        if ((item.expect_type and r["type"] == item.expect_type) or r["id"] in item.expect
                or any(a in item.expect for a in r.get("aliases", ()))):
            return i
    return None


def evaluate(items: Sequence[Item], search: Callable[[str], tuple[Sequence[dict[str, Any]], bool]]
             ) -> tuple[dict[str, Scores], dict[str, int]]:
    """Scores by style (and "all") for answerable queries; and how `weak` split the unanswerable ones.

    `search(q)` returns (results best first, weak flag).
    """
    by_style: dict[str, Scores] = {}
    weak = {"none": 0, "none_weak": 0, "hit_weak": 0, "miss_weak": 0, "hit": 0, "miss": 0}
    for item in items:
        results, is_weak = search(item.q)
        if not item.expect and not item.expect_type:
            weak["none"] += 1
            weak["none_weak"] += is_weak
            continue
        rank = rank_of(item, results)
        ok = rank is not None and rank <= TOP
        weak["hit" if ok else "miss"] += 1
        weak["hit_weak" if ok else "miss_weak"] += is_weak
        miss = f"{item.style}: {item.q} → {[r['id'] for r in results[:TOP]]}"
        for key in (item.style, "all"):
            by_style.setdefault(key, Scores()).add(rank, miss)
    return by_style, weak


def format_table(title: str, by_mode: dict[str, dict[str, Scores]]) -> str:
    """One table: a row per style, hit@1 / hit@3 / MRR for each mode side by side."""
    modes = list(by_mode)
    styles = sorted({s for scores in by_mode.values() for s in scores}, key=lambda s: (s == "all", s))
    head = f"{title:<14}{'n':>5}" + "".join(f"{m + ' h@1':>14}{'h@3':>7}{'MRR':>7}" for m in modes)
    lines = [head]
    for style in styles:
        n = next(scores[style].n for scores in by_mode.values() if style in scores)
        row = f"{style:<14}{n:>5}"
        for m in modes:
            _, h1, h3, mrr = by_mode[m].get(style, Scores()).row()
            row += f"{h1:>14.3f}{h3:>7.3f}{mrr:>7.3f}"
        lines.append(row)
    return "\n".join(lines)


MODES = {
    "keyword": {"keyword": 1.0, "exact": 1.0, "dense": 0.0},
    "dense": {"keyword": 0.0, "exact": 0.0, "dense": 1.0},
    "fused": None,  # the release's own tuning
}


def run_report(release: Path, embedder: Any, splits: Sequence[Path], misses: bool = False) -> str:
    """The evaluation report of a release: one table per split, every mode side by side."""
    from dataclasses import replace

    from .engine import SearchEngine

    engine = SearchEngine.from_release(release, embedder)
    out = []
    for path in splits:
        items = load_items(path)
        by_mode: dict[str, dict[str, Scores]] = {}
        weak_line = ""
        for mode, weights in MODES.items():
            tuning = engine.tuning if weights is None else replace(engine.tuning, weights=weights)

            def search(q: str, tuning: Any = tuning) -> tuple[list[dict[str, Any]], bool]:
                ranking = engine.search(q, tuning=tuning)
                return [engine.records[h.pos] for h in ranking.hits[:MRR_DEPTH]], ranking.weak

            by_mode[mode], weak = evaluate(items, search)
            if weights is None:
                weak_line = (f"weak flag: {weak['none_weak']}/{weak['none']} unanswerable, "
                             f"{weak['miss_weak']}/{weak['miss']} misses, {weak['hit_weak']}/{weak['hit']} hits")
        out.append(format_table(path.stem, by_mode))
        if weak_line:
            out.append(weak_line)
        if misses:
            out += ["  miss " + m for m in by_mode["fused"]["all"].misses]
        out.append("")
    return "\n".join(out)
