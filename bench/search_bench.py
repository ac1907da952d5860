"""`make bench`: in-process and HTTP latency of search next to /api/health, real KB and 10,000 entries."""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import QUERIES, Server, pct, real_release, search_paths, synthetic_release, wrk  # noqa: E402
from kbbuild.search.embedder import load_embedder, pin_threads  # noqa: E402
from kbbuild.search.evaluate import load_items  # noqa: E402
from kbbuild.search.query import normalize  # noqa: E402
from kbbuild.settings import Settings  # noqa: E402
from search_api.release import Release  # noqa: E402


def eval_queries() -> list[str]:
    """Unique agent queries (both evaluation splits): every one is searched once, so nothing is cached."""
    settings = Settings()
    return list(dict.fromkeys(it.q for split in ("dev", "test")
                              for it in load_items(settings.eval_dir / f"{split}.yaml")))


def in_process(release_path: Path, queries: list[str]) -> dict[str, float]:
    """Uncached search latency with the query embedding included, and its parts; cached p50."""
    release = Release(release_path, load_embedder(Settings().embedder))
    engine = release.engine
    release.search(normalize("热身"), 10)  # first call pays one-off costs (thread pool start)
    total, embed, rest = [], [], []
    for q in queries:
        n = normalize(q)
        engine.embed_query.cache_clear()
        t = time.perf_counter()
        release._search(n, 10)
        total.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        engine.embedder.queries([n])
        embed.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        release._search(n, 10)  # the vector is cached now: keyword + meaning + fusion + snippets
        rest.append((time.perf_counter() - t) * 1000)
    cached = []
    for q in queries[:100] * 3:
        n = normalize(q)
        t = time.perf_counter()
        release.search(n, 10)
        cached.append((time.perf_counter() - t) * 1000)
    release.close()
    return {"p50": pct(total, 50), "p99": pct(total, 99), "embed50": pct(embed, 50), "embed99": pct(embed, 99),
            "rest50": pct(rest, 50), "rest99": pct(rest, 99), "cached50": pct(cached, 50)}


def http_rows(build_root: Path, seconds: int, unique: list[str]) -> list[tuple[str, int, dict[str, float]]]:
    """In one run: the bare ping floor, /api/health, cached search and uncached search, at c=1/10/50."""
    rows = []
    with Server(None, health="/ping") as floor:
        for c in (1, 10, 50):
            rows.append(("ping (floor)", c, wrk(floor.url, ["/ping"], c, seconds)))
    with Server(build_root) as server:
        wrk(server.url, search_paths(QUERIES), 4, 2)  # warm-up: fills the cache as a real shift would
        fresh = iter(search_paths(unique))
        for c in (1, 10, 50):
            rows.append(("/api/health", c, wrk(server.url, ["/api/health"], c, seconds)))
            rows.append(("search cached", c, wrk(server.url, search_paths(QUERIES), c, seconds)))
            # Every query new to the server (the eval queries, each sent once in order).
            batch = [next(fresh) for _ in range(200)]
            rows.append(("search uncached", c, wrk(server.url, batch, c, min(seconds, 3))))
    return rows


def main() -> None:
    seconds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    threads = pin_threads(Settings().threads_per_worker)  # measured as one `kb serve` worker runs
    queries = eval_queries()
    with tempfile.TemporaryDirectory() as tmp:
        real_root, synth_root = Path(tmp) / "real", Path(tmp) / "synth"
        start = time.perf_counter()
        real = real_release(real_root)
        print(f"real KB: data+index+widget stages {time.perf_counter() - start:.1f} s (embedding cache warm)")
        start = time.perf_counter()
        synth = synthetic_release(synth_root, real)
        print(f"synthetic 10,000 entries: search artifacts {time.perf_counter() - start:.1f} s (vectors reused)")
        n_real = json.loads((real / "manifest.json").read_text("utf-8"))["entry_count"]
        print(f"\nin-process search, {len(queries)} unique agent queries, each once, uncached; "
              f"embedding threads: {threads}")
        print(f"{'KB':<20}{'p50':>8}{'p99':>8}{'embed p50':>11}{'embed p99':>11}{'rest p50':>10}{'rest p99':>10}"
              f"{'cached p50':>12}  (ms)")
        for name, path in ((f"real ({n_real})", real), ("synthetic (10000)", synth)):
            r = in_process(path, queries)
            print(f"{name:<20}{r['p50']:8.2f}{r['p99']:8.2f}{r['embed50']:11.2f}{r['embed99']:11.2f}"
                  f"{r['rest50']:10.2f}{r['rest99']:10.2f}{r['cached50']:12.4f}")
        for name, root in ((f"real ({n_real})", real_root), ("synthetic (10000)", synth_root)):
            print(f"\nHTTP on loopback, {name}, wrk {seconds} s per row, `kb serve` 1 worker")
            print(f"{'route':<18}{'conc':>5}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}")
            rows = http_rows(root, seconds, queries)
            for route, c, r in rows:
                print(f"{route:<18}{c:>5}{r['rps']:10.0f}{r['p50']:9.2f}{r['p99']:9.2f}{r['errors']:8.0f}")
            row = {(route, cc): r for route, cc, r in rows}
            for c in (1, 10):
                ping, h, s = row[("ping (floor)", c)], row[("/api/health", c)], row[("search cached", c)]
                print(f"c={c}: health req/s / ping = {h['rps'] / ping['rps']:.2f} (target ≥ 0.8), health p99 / "
                      f"ping p99 = {h['p99'] / ping['p99']:.2f} (≤ 2), cached search p99 / health p99 = "
                      f"{s['p99'] / h['p99']:.2f} (≤ 3)")


if __name__ == "__main__":
    main()
