"""Choose the checker's tier-2 C and threshold on the DEV split only (`python bench/tune_checker.py`).

The test split is never read here. Prints F1 / precision / recall for each setting on dev.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kbbuild.build import entry_record  # noqa: E402
from kbbuild.check import Checker  # noqa: E402
from kbbuild.check.evaluate import load_utterances, score  # noqa: E402
from kbbuild.check.suspect import SuspectModel, training_set  # noqa: E402
from kbbuild.load import load_kb  # noqa: E402
from kbbuild.search.embedder import CachedEmbedder, load_embedder, pin_threads  # noqa: E402
from kbbuild.settings import ROOT, get_settings  # noqa: E402


def main() -> None:
    settings = get_settings()
    pin_threads(settings.build_threads)
    embedder = CachedEmbedder(load_embedder(settings.embedder), settings.cache_dir)
    kb = load_kb(ROOT / "kb")
    records = [entry_record(loc.entry) for loc in kb.entries]
    data = training_set(records, kb.lookalikes)
    dev = load_utterances(ROOT / "tests" / "checker_eval" / "dev.yaml")
    embedder.queries([u.text for u in dev])  # fill the cache once
    tier1 = Checker(records)
    print("tier 1 alone:", score(dev, lambda t: tier1.check(t)["hits"]).line())
    rows = []
    for c in (4.0, 16.0, 64.0):
        for k in (5, 7, 11, 15):
            model = SuspectModel.train(data, embedder, 0.5, c, k)
            checker = Checker(records, model, embedder)
            for threshold in (0.3, 0.35, 0.4, 0.45, 0.5, 0.6):
                model.threshold = threshold
                s = score(dev, lambda t: checker.check(t)["hits"])  # noqa: B023
                rows.append((s.f1, s.precision, s.recall, c, k, threshold))
    embedder.save()
    rows.sort(reverse=True)
    print("F1     P      R      <- C, k, threshold (tiers 1+2, dev)")
    for f1, p, r, c, k, t in rows[:12]:
        print(f"{f1:.3f}  {p:.3f}  {r:.3f}  C={c} k={k} threshold={t}")


if __name__ == "__main__":
    main()
