"""`kb qa` throughput: calls per second per core, tier 1 and tiers 1+2, on synthetic calls; memory.

Calls are made from the KB itself: agent lines from scripts, look-alikes and examples (about one line
in eight a violation), customer lines from similar questions; 8 agent and 8 customer lines a call.
Tier 1 runs over 10,000 calls; tier 2 (one embedding per sentence) over a sample, scaled per call.
"""

from __future__ import annotations

import random
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kbbuild.build import entry_record  # noqa: E402
from kbbuild.check import Checker  # noqa: E402
from kbbuild.check.suspect import SuspectModel, training_set  # noqa: E402
from kbbuild.load import load_kb  # noqa: E402
from kbbuild.qa import check_call  # noqa: E402
from kbbuild.search.embedder import CachedEmbedder, load_embedder, pin_threads  # noqa: E402
from kbbuild.settings import ROOT, get_settings  # noqa: E402
from kbbuild.transcripts import Call, parse_text  # noqa: E402


def synthetic_calls(n: int, seed: int = 11) -> list[Call]:
    kb = load_kb(ROOT / "kb")
    rng = random.Random(seed)
    polite = [s for loc in kb.entries for s in getattr(loc.entry, "say", [])] + kb.lookalikes
    rude = [s for loc in kb.entries for s in getattr(loc.entry, "examples", [])]
    asks = [q for loc in kb.entries for q in loc.entry.questions]
    calls = []
    for i in range(n):
        lines = []
        for j in range(8):
            said = rng.choice(rude) if rng.random() < 0.125 else rng.choice(polite)
            lines += [f"[00:{j:02d}:00] 客户：{rng.choice(asks)}", f"[00:{j:02d}:30] 坐席{8000 + i % 50}：{said}"]
        calls.append(Call(f"call-{i}", parse_text("\n".join(lines))))
    return calls


def rate(calls: list[Call], checker: Checker, tier2: bool) -> tuple[float, int]:
    start = time.perf_counter()
    hits = sum(len(check_call(c, checker, tier2).violations) for c in calls)
    return len(calls) / (time.perf_counter() - start), hits


def main() -> None:
    pin_threads(1)  # one core: the figure is per core (`kb qa --jobs N` runs N of these)
    settings = get_settings()
    kb = load_kb(ROOT / "kb")
    records = [entry_record(loc.entry) for loc in kb.entries]
    embedder = CachedEmbedder(load_embedder(settings.embedder), settings.cache_dir)
    model = SuspectModel.train(training_set(records, kb.lookalikes), embedder, settings.check_threshold)
    calls = synthetic_calls(10_000)
    tier1 = Checker(records)
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    per_s, hits = rate(calls, tier1, False)
    print(f"tier 1:     {len(calls)} calls, {per_s:8.1f} calls/s per core, {hits} hits")
    both = Checker(records, model, embedder.inner, max_windows=10_000)  # no disk cache at serve time
    sample = calls[:100]
    per_s, hits = rate(sample, both, True)
    print(f"tiers 1+2:  {len(sample)} calls (8 agent lines each), {per_s:8.2f} calls/s per core, {hits} hits")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"memory: peak RSS {rss:.0f} MB (after loading KB, model and calls: {rss0:.0f} MB)")


if __name__ == "__main__":
    main()
