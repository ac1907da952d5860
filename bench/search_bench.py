"""`make bench`: in-process and HTTP latency of search next to /api/health, real KB and 10,000 entries."""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import QUERIES, Server, pct, real_release, search_paths, synthetic_release, wrk  # noqa: E402
from search_api.release import Release  # noqa: E402


def in_process(release_path: Path, rounds: int = 20) -> tuple[float, float, float]:
    """Uncached search latency (the LRU cache bypassed), and the cached p50 for comparison."""
    release = Release(release_path)
    times = []
    for _ in range(rounds):
        for q in QUERIES:
            t = time.perf_counter()
            release._search(q, 10, None, None)
            times.append((time.perf_counter() - t) * 1000)
    cached = []
    for q in QUERIES * 5:
        t = time.perf_counter()
        release.search(q, 10, None, None)
        cached.append((time.perf_counter() - t) * 1000)
    return pct(times, 50), pct(times, 99), pct(cached, 50)


def http_rows(build_root: Path, seconds: int) -> list[tuple[str, int, dict[str, float]]]:
    rows = []
    with Server(build_root) as server:
        wrk(server.url, search_paths(QUERIES), 4, 2)  # warm-up: fills the cache as a real shift would
        for c in (1, 10, 50):
            rows.append(("/api/health", c, wrk(server.url, ["/api/health"], c, seconds)))
            rows.append(("/api/search", c, wrk(server.url, search_paths(QUERIES), c, seconds)))
    return rows


def main() -> None:
    seconds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    with tempfile.TemporaryDirectory() as tmp:
        real_root, synth_root = Path(tmp) / "real", Path(tmp) / "synth"
        real = real_release(real_root)
        synth = synthetic_release(synth_root)
        n_real = len(Release(real).entries)
        print(f"in-process search (uncached), {len(QUERIES)} queries x 20 rounds")
        print(f"{'KB':<22}{'p50 ms':>9}{'p99 ms':>9}{'cached p50 ms':>15}")
        for name, path in ((f"real ({n_real})", real), ("synthetic (10000)", synth)):
            p50, p99, cached = in_process(path)
            print(f"{name:<22}{p50:9.2f}{p99:9.2f}{cached:15.4f}")
        for name, root in ((f"real ({n_real})", real_root), ("synthetic (10000)", synth_root)):
            print(f"\nHTTP on loopback, {name}, wrk {seconds} s per row, `kb serve` 1 worker")
            print(f"{'route':<14}{'conc':>5}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}")
            rows = http_rows(root, seconds)
            for route, c, r in rows:
                print(f"{route:<14}{c:>5}{r['rps']:10.0f}{r['p50']:9.2f}{r['p99']:9.2f}{r['errors']:8.0f}")
            for c in (1, 10):
                h = next(r for route, cc, r in rows if route == "/api/health" and cc == c)
                s = next(r for route, cc, r in rows if route == "/api/search" and cc == c)
                print(f"c={c}: search p99 / health p99 = {s['p99'] / h['p99']:.2f} (target ≤ 3)")


if __name__ == "__main__":
    main()
