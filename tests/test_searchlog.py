"""The search log: masked, per worker and day, size-capped; a full disk or a full queue never fails a search."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from kbbuild.settings import Settings
from search_api import searchlog
from search_api.app import create_app
from search_api.searchlog import SearchLog, log_files

TZ = timezone(timedelta(hours=8))


def lines_of(folder: Path) -> list[dict[str, object]]:
    return [json.loads(line) for p in log_files(folder) for line in p.read_text("utf-8").splitlines()]


def test_queries_are_masked_before_they_are_written(tmp_path: Path) -> None:
    log = SearchLog(tmp_path)
    log.record("search", query="13812345678 停机", normalized="13812345678 停机", origin="widget", results=["a"])
    log.record("event", event="copy", id="a", query="身份证11010519491231002X", normalized="身份证11010519491231002x")
    log.flush()
    log.close()
    raw = "".join(p.read_text("utf-8") for p in log_files(tmp_path))
    assert "13812345678" not in raw and "1381234" not in raw
    assert "11010519491231002" not in raw
    search, event = lines_of(tmp_path)
    assert search["query"] == "*********** 停机" and search["normalized"] == "*********** 停机"
    assert search["kind"] == "search" and search["origin"] == "widget" and search["results"] == ["a"]
    assert event["query"] == "身份证******************"
    assert log.written == 2 and log.dropped == 0


def test_one_file_per_worker_and_day(tmp_path: Path) -> None:
    days = iter([datetime(2026, 11, 30, 23, 59, tzinfo=TZ), datetime(2026, 12, 1, 0, 1, tzinfo=TZ)])
    log = SearchLog(tmp_path, now=lambda: next(days))
    log.record("search", query="a")
    log.record("search", query="b")
    log.flush()
    log.close()
    pid = os.getpid()
    assert [p.name for p in log_files(tmp_path)] == [f"searches-2026-11-30-{pid}.jsonl",
                                                     f"searches-2026-12-01-{pid}.jsonl"]


def test_total_size_is_capped_oldest_files_first(tmp_path: Path) -> None:
    old = tmp_path / "searches-2020-01-01-1.jsonl"
    old.write_text("x" * 960 + "\n", "utf-8")
    log = SearchLog(tmp_path, max_total_bytes=1000)
    log.record("search", query="销户")
    log.flush()
    assert not old.exists()  # the oldest day went to make room
    assert [line["query"] for line in lines_of(tmp_path)] == ["销户"]
    for _ in range(30):  # then its own file reaches the cap: lines are dropped and counted
        log.record("search", query="销户" * 10)
    log.flush()
    log.close()
    assert log.dropped > 0
    assert sum(p.stat().st_size for p in log_files(tmp_path)) <= 1000


def test_an_unwritable_folder_drops_and_counts(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", "utf-8")
    log = SearchLog(blocker / "searchlog")  # cannot be created, even by root
    for _ in range(3):
        log.record("search", query="销户")
    log.flush()
    log.close()
    assert (log.written, log.dropped) == (0, 3)


def test_a_full_queue_drops_instead_of_waiting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    gate = threading.Event()
    real_write = SearchLog._write_batch
    monkeypatch.setattr(SearchLog, "_write_batch", lambda self, recs: (gate.wait(5), real_write(self, recs)))
    log = SearchLog(tmp_path, max_queue=2)
    for _ in range(10):
        log.record("search", query="销户")  # returns at once although nothing is being written
    assert log.dropped >= 7
    gate.set()
    log.flush()
    log.close()
    assert log.written + log.dropped == 10


def test_searches_keep_answering_when_the_disk_is_full(client: TestClient, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    def full(fd: int, data: bytes) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(searchlog.os, "write", full)
    holder = client.app.state.holder  # type: ignore[attr-defined]
    app = create_app(Settings(build_dir=holder.build_root, data_dir=tmp_path), holder=holder)
    with TestClient(app) as c:
        for q in ("销户", "火星移民签证", "13812345678"):
            r = c.get("/api/search", params={"q": q, "origin": "widget"})
            assert r.status_code == 200 and r.json()["results"]
        assert c.post("/api/check", json={"text": "你再说一遍"}).status_code == 200
        app.state.search_log.flush()
        health = c.get("/api/health").json()
    assert health["status"] == "ok"
    assert health["log_dropped"] == 4
    app.state.search_log.close()


WRITER = """
import sys
from pathlib import Path
from search_api.searchlog import SearchLog
log = SearchLog(Path(sys.argv[1]))
for i in range(3000):
    log.record("search", query="查询" * 20 + str(i % 10), origin="api", results=["x"] * 5)
log.flush(30)
log.close()
"""


def test_two_workers_write_at_once_without_mixing_lines(tmp_path: Path) -> None:
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path)]) for _ in range(2)]
    assert [p.wait(60) for p in procs] == [0, 0]
    files = log_files(tmp_path)
    assert len(files) == 2  # one per worker process
    lines = [line for p in files for line in p.read_text("utf-8").splitlines()]
    assert len(lines) == 6000
    assert all(json.loads(line)["results"] == ["x"] * 5 for line in lines)


def test_a_line_is_a_line_for_every_reader() -> None:
    """U+2028 and friends in a query (a fuzzer sends them) must not split a log line for splitlines()."""
    from search_api.searchlog import encode

    text = encode({"kind": "search", "query": "销户\u2028停机\x85\u2029"}).decode()
    assert len(text.splitlines()) == 1
    assert json.loads(text)["query"] == "销户\u2028停机\x85\u2029"
