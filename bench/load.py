"""`make load`: hold concurrency 50 for 60 s against `kb serve` on loopback; report req/s, p50, p99, errors."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import QUERIES, Server, real_release, search_paths, wrk  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "build"
        real_release(root)
        # A realistic mix: mostly searches (as typed, so partly cached), some suggestions and health.
        paths = search_paths(QUERIES) + [f"/api/suggest?q={q}" for q in ("lv", "jie", "fw")] + ["/api/health"]
        with Server(root, workers=args.workers) as server:
            wrk(server.url, paths, 8, 3)  # warm-up
            r = wrk(server.url, paths, args.connections, args.seconds)
        print(f"load: {args.seconds} s at concurrency {args.connections}, kb serve --workers {args.workers}")
        print(f"requests {r['requests']:.0f}  req/s {r['rps']:.0f}  p50 {r['p50']:.2f} ms  "
              f"p99 {r['p99']:.2f} ms  errors {r['errors']:.0f}")
        if r["errors"]:
            sys.exit(1)


if __name__ == "__main__":
    main()
