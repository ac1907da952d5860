"""Shared bench helpers: build a release, start `kb serve`, drive it with wrk, print tables."""

from __future__ import annotations

import json
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

import numpy as np

from kbbuild.build import build_release, entry_record, publish
from kbbuild.load import load_kb
from kbbuild.search.dense import KINDS, OWNERS, VECTORS
from kbbuild.search.embedder import load_embedder
from kbbuild.search.engine import write_search
from kbbuild.settings import ROOT, Settings

QUERIES = [
    "接入语", "听不清", "稍等", "转接", "绿色通道", "投诉", "销户", "挽留", "fwjy", "服務禁語", "你再说一遍",
    "15秒", "上门", "改约", "换机", "唱收唱付", "证件", "值班长", "首问负责制", "营销短信", "系统故障",
    "客户骂人", "等太久", "vip", "密码", "隐私", "结束语", "节假日", "高压线", "五条禁令",
]


def real_release(out: Path) -> Path:
    kb = load_kb(ROOT / "kb")
    return build_release(kb, out, Settings(build_dir=out), stages=("data", "index", "checker", "widget"),
                         partial_ok=True).path


def synthetic_release(out: Path, real: Path, n: int = 10_000, seed: int = 7) -> Path:
    """n entries made from the real ones: fields recombined across entries of the same type.

    Vectors are the real entry's (passage and questions) plus a little noise, renormalised: the same
    matrix sizes and cosine spread as embedding 10,000 entries, without two hours of embedding.
    """
    kb = load_kb(ROOT / "kb")
    rng = random.Random(seed)
    noise = np.random.default_rng(seed)
    records = [entry_record(loc.entry) for loc in kb.entries]
    by_type: dict[str, list[int]] = {}
    for i, r in enumerate(records):
        by_type.setdefault(r["type"], []).append(i)
    vectors = np.load(real / "search" / VECTORS)
    owners = np.load(real / "search" / OWNERS)
    kinds = np.load(real / "search" / KINDS)
    synth, rows, new_owners, new_kinds = [], [], [], []
    for i in range(n):
        b = rng.randrange(len(records))
        base, donor = dict(records[b]), records[rng.choice(by_type[records[b]["type"]])]
        base["id"] = f"{base['id']}-s{i}"
        base["title"] = base["title"] + "·" + donor["title"][: rng.randint(2, 6)]
        base["tags"] = list(dict.fromkeys(base.get("tags", []) + donor.get("tags", [])[:2]))
        base["url"] = f"/x/#{base['id']}"
        synth.append(base)
        mine = vectors[owners == b]
        mine = mine + noise.normal(0, 0.01, mine.shape).astype(np.float32)
        rows.append(mine / np.linalg.norm(mine, axis=1, keepdims=True))
        new_owners += [i] * len(mine)
        new_kinds.append(kinds[owners == b])
    release = out / "releases" / "synthetic"
    release.mkdir(parents=True)
    embedder = load_embedder(Settings().embedder)
    info = write_search(synth, kb.vocabulary, embedder, release / "search",
                        (np.concatenate(rows), np.asarray(new_owners, dtype=np.int32), np.concatenate(new_kinds)))
    (release / "entries.json").write_text(json.dumps(synth, ensure_ascii=False), "utf-8")
    (release / "vocabulary.json").write_text(kb.vocabulary.model_dump_json(), "utf-8")
    (release / "manifest.json").write_text(json.dumps({
        "build_id": "synthetic", "kb_version": "synthetic", "created": "", "entry_count": n, "search": info}),
        "utf-8")
    publish(release, out)
    return release


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """`kb serve` in a subprocess on a free loopback port."""

    def __init__(self, build_root: Path | None, workers: int = 1, port: int | None = None,
                 health: str = "/api/health") -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.health = health
        self.cmd = [sys.executable, "-m", "kbbuild.cli", "serve", "--out", str(build_root),
                    "--port", str(self.port), "--workers", str(workers)]
        if build_root is None:  # the floor: a bare FastAPI app under uvicorn with kb serve's options
            self.cmd = [sys.executable, "-m", "uvicorn", "bench.ping_app:app", "--port", str(self.port),
                        "--workers", str(workers), "--log-level", "warning", "--no-access-log"]

    def __enter__(self) -> Server:
        self.proc = subprocess.Popen(self.cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     env={**os.environ, "PYTHONWARNINGS": "ignore"}, cwd=ROOT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + self.health, timeout=1) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.1)
        self.proc.kill()
        raise RuntimeError(f"server did not start: {self.proc.stderr.read().decode() if self.proc.stderr else ''}")

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


# wrk runs at most 2 threads (see wrk()); thread t sends paths t, t+2, t+4 … so none repeats another's.
LUA = """
local paths = {%s}
local threads = 0
function setup(thread)
  thread:set("tid", threads)
  threads = threads + 1
end
local i = 0
request = function()
  local n = i * 2 + (tid or 0)
  i = i + 1
  return wrk.format("GET", paths[(n %% #paths) + 1])
end
"""


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(url: str, paths: list[str], connections: int, seconds: int = 5) -> dict[str, float]:
    """Run wrk on loopback; returns req/s, p50, p99 (ms) and errors."""
    assert url.startswith("http://127.0.0.1"), "load tests target loopback only"
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(LUA % ", ".join(json.dumps(p) for p in paths))
        script = f.name
    threads = min(2, connections)
    out = subprocess.run(["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency",
                          "-s", script, url], capture_output=True, text=True, timeout=seconds + 30).stdout
    os.unlink(script)
    lat = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)", out, re.M))
    res: dict[str, float] = {}
    for key, raw in lat.items():
        m = re.match(r"([\d.]+)(\w+)", raw)
        assert m
        res[f"p{key}"] = _ms(m.group(1), m.group(2))
    res["rps"] = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    errs = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    res["errors"] = float((int(errs.group(1)) if errs else 0) + (sum(map(int, sock.groups())) if sock else 0))
    res["requests"] = float(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    return res


def search_paths(queries: list[str]) -> list[str]:
    return [f"/api/search?q={quote(q)}&limit=10" for q in queries]
