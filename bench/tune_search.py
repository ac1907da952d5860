"""Choose the fusion settings on the DEV split only (`python bench/tune_search.py`); prints a grid.

The test split is never read here. Query vectors are computed once, then every setting is scored.
"""

from __future__ import annotations

import itertools
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kbbuild.search.embedder import load_embedder, pin_threads  # noqa: E402
from kbbuild.search.engine import SearchEngine, Tuning  # noqa: E402
from kbbuild.search.evaluate import evaluate, load_items  # noqa: E402
from kbbuild.settings import get_settings  # noqa: E402


class MemoEmbedder:
    def __init__(self, inner):  # type: ignore[no-untyped-def]
        self.inner, self.name, self.dim, self.memo = inner, inner.name, inner.dim, {}

    def queries(self, texts):  # type: ignore[no-untyped-def]
        missing = [t for t in texts if t not in self.memo]
        if missing:
            for t, v in zip(missing, self.inner.queries(missing), strict=True):
                self.memo[t] = v
        return np.stack([self.memo[t] for t in texts])

    def passages(self, texts):  # type: ignore[no-untyped-def]
        return self.inner.passages(texts)


def main() -> None:
    settings = get_settings()
    pin_threads(settings.build_threads)
    embedder = MemoEmbedder(load_embedder(settings.embedder))
    engine = SearchEngine.from_release((settings.build_dir / "current").resolve(), embedder)
    items = load_items(settings.eval_dir / "dev.yaml")
    base = engine.tuning

    def score(t: Tuning) -> tuple[float, float, float, dict[str, int]]:
        def search(q: str):  # type: ignore[no-untyped-def]
            r = engine.search(q, tuning=t)
            return [engine.records[h.pos] for h in r.hits[:10]], r.weak
        by_style, weak = evaluate(items, search)
        return by_style["all"].row()[2], by_style["spoken"].row()[2], by_style["all"].row()[3], weak

    rows = []
    for k, wk, wd, we, boost, off in itertools.product((10, 20, 60), (0.5, 1.0), (1.0, 1.5, 2.0), (0.5, 1.0),
                                                       (0.0, 0.25), (0.0, 0.05)):
        t = replace(base, rrf_k=k, weights={"keyword": wk, "dense": wd, "exact": we}, intent_boost=boost,
                    passage_offset=off)
        rows.append((score(t)[:3], (k, wk, wd, we, boost, off)))
    rows.sort(reverse=True)
    print("hit@3 all, hit@3 spoken, MRR all  <- rrf_k, w_keyword, w_dense, w_exact, intent_boost, passage_offset")
    for r, cfg in rows[:15]:
        print(f"{r[0]:.3f} {r[1]:.3f} {r[2]:.3f}  {cfg}")


if __name__ == "__main__":
    main()
