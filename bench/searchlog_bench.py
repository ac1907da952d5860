"""`make bench`: search p99 over HTTP with the search log on and off, in the same run (issue 15: within 10 %).

Cached searches are the most sensitive case (about a millisecond each, so the log's share is largest).
Rounds alternate off / on (and which goes first) so that drift on a shared machine hits both alike;
each figure is the median of the rounds' p99.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import QUERIES, Server, real_release, wrk  # noqa: E402

# Some queries carry a phone number, as an agent's sometimes do: the drain thread masks them.
PATHS = [f"/api/search?q={quote(q)}&limit=10&origin=widget" for q in QUERIES + ["13812345678 停机", "销户 110105"]]


def measure(build_root: Path, data: Path, log_on: bool, seconds: int) -> dict[int, dict[str, float]]:
    os.environ["KB_LOG_SEARCHES"] = "true" if log_on else "false"
    os.environ["KB_DATA_DIR"] = str(data)
    with Server(build_root) as server:
        wrk(server.url, PATHS, 4, 2)  # warm-up: fills the search cache
        rows = {c: wrk(server.url, PATHS, c, seconds) for c in (1, 10)}
        with urllib.request.urlopen(server.url + "/api/health", timeout=5) as r:
            rows[0] = {"dropped": float(json.loads(r.read()).get("log_dropped", 0))}
    return rows


def main() -> None:
    seconds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    with tempfile.TemporaryDirectory() as tmp:
        root, data = Path(tmp) / "real", Path(tmp) / "data"
        start = time.perf_counter()
        real_release(root)
        print(f"real KB: data+index+widget stages {time.perf_counter() - start:.1f} s (embedding cache warm)")
        runs: dict[bool, list[dict[int, dict[str, float]]]] = {False: [], True: []}
        for i in range(rounds):
            for log_on in ((False, True) if i % 2 == 0 else (True, False)):  # neither always goes first
                runs[log_on].append(measure(root, data, log_on, seconds))
        lines = sum(len(p.read_text("utf-8").splitlines()) for p in (data / "searchlog").glob("*.jsonl"))
    print(f"\ncached search over HTTP, `kb serve` 1 worker, wrk {seconds} s per row, {rounds} rounds alternating "
          f"off/on; median of the rounds")
    print(f"{'conc':>5}{'log':>5}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}")
    for c in (1, 10):
        p99 = {}
        for log_on in (False, True):
            rs = [r[c] for r in runs[log_on]]
            med = {k: statistics.median(r[k] for r in rs) for k in ("rps", "p50", "p99", "errors")}
            p99[log_on] = med["p99"]
            print(f"{c:>5}{'on' if log_on else 'off':>5}{med['rps']:10.0f}{med['p50']:9.2f}{med['p99']:9.2f}"
                  f"{med['errors']:8.0f}")
        print(f"c={c}: p99 on / off = {p99[True] / p99[False]:.3f} (target ≤ 1.10)")
    dropped = sum(r[0]["dropped"] for r in runs[True])
    print(f"log lines written: {lines}, dropped: {dropped:.0f}")


if __name__ == "__main__":
    main()
