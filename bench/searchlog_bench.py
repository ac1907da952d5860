"""`make bench`: search p99 over HTTP with the search log on and off, in the same run (issue 15: within 10 %).

Two `kb serve` processes run side by side on the same build, one logging and one not. Each client
thread sends every request to both, in turns (which goes first alternates), over keep-alive
connections: whatever else the machine is doing hits both servers alike, request by request, which
wrk runs one after the other cannot promise on a shared machine. Cached searches are measured (about
a millisecond each), where the log's share of the time is largest.
"""

from __future__ import annotations

import http.client
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import QUERIES, Server, pct, real_release  # noqa: E402

# Some queries carry a phone number, as an agent's sometimes do: the drain thread masks them.
PATHS = [f"/api/search?q={quote(q)}&limit=10&origin=widget" for q in QUERIES + ["13812345678 停机", "销户 110105"]]


def _server(root: Path, data: Path, log_on: bool) -> Server:
    os.environ["KB_LOG_SEARCHES"] = "true" if log_on else "false"
    os.environ["KB_DATA_DIR"] = str(data)
    return Server(root).__enter__()


def _client(ports: dict[bool, int], n: int, seed: int, out: dict[bool, list[float]], lock: threading.Lock) -> None:
    conns = {k: http.client.HTTPConnection("127.0.0.1", p, timeout=30) for k, p in ports.items()}
    mine: dict[bool, list[float]] = {False: [], True: []}
    for i in range(n):
        path = PATHS[(i + seed) % len(PATHS)]
        for log_on in ((False, True) if (i + seed) % 2 == 0 else (True, False)):
            t = time.perf_counter()
            conns[log_on].request("GET", path)
            response = conns[log_on].getresponse()
            response.read()
            mine[log_on].append((time.perf_counter() - t) * 1000)
            assert response.status == 200, response.status
    for c in conns.values():
        c.close()
    with lock:
        for k in mine:
            out[k] += mine[k]


def run(ports: dict[bool, int], threads: int, n: int) -> dict[bool, list[float]]:
    out: dict[bool, list[float]] = {False: [], True: []}
    lock = threading.Lock()
    workers = [threading.Thread(target=_client, args=(ports, n, s, out, lock)) for s in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return out


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    with tempfile.TemporaryDirectory() as tmp:
        root, data = Path(tmp) / "real", Path(tmp) / "data"
        start = time.perf_counter()
        real_release(root)
        print(f"real KB: data+index+widget stages {time.perf_counter() - start:.1f} s (embedding cache warm)")
        # `aa` as the third argument: both servers without the log, to see how far apart two equal ones are.
        same = len(sys.argv) > 3 and sys.argv[3] == "aa"
        servers = {log_on: _server(root, data, log_on and not same) for log_on in (False, True)}
        try:
            ports = {k: s.port for k, s in servers.items()}
            run(ports, 1, len(PATHS) * 4)  # warm-up: fills both search caches
            print(f"\ncached search over HTTP, two `kb serve` (1 worker each) side by side, every request sent to "
                  f"both in turns; {rounds} rounds, median of the rounds")
            print(f"{'clients':>8}{'log':>5}{'requests':>10}{'p50 ms':>9}{'p99 ms':>9}")
            for threads in (1, 4):
                rows = [run(ports, threads, n // threads) for _ in range(rounds)]
                p99 = {}
                for log_on in (False, True):
                    p50s = [pct(r[log_on], 50) for r in rows]
                    p99s = [pct(r[log_on], 99) for r in rows]
                    p99[log_on] = statistics.median(p99s)
                    print(f"{threads:>8}{'on' if log_on else 'off':>5}{sum(len(r[log_on]) for r in rows):>10}"
                          f"{statistics.median(p50s):9.2f}{p99[log_on]:9.2f}   (p99 per round: "
                          f"{', '.join(f'{x:.2f}' for x in p99s)})")
                print(f"clients={threads}: p99 on / off = {p99[True] / p99[False]:.3f} (target ≤ 1.10)")
            conn = http.client.HTTPConnection("127.0.0.1", ports[True], timeout=5)
            conn.request("GET", "/api/health")
            dropped = json.loads(conn.getresponse().read()).get("log_dropped")
        finally:
            for s in servers.values():
                s.__exit__()
        lines = sum(len(p.read_text("utf-8").splitlines()) for p in (data / "searchlog").glob("*.jsonl"))
    print(f"log lines written: {lines}, dropped: {dropped}")


if __name__ == "__main__":
    main()
