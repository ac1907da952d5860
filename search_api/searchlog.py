"""The search log: one JSON line per search, check and widget event, written off the request path.

A request only does `put_nowait` on a bounded queue; one background thread per worker process
masks the queries (kbbuild/masking.py) and appends the lines to that worker's own file
(`<kind>-<date>-<pid>.jsonl`, one file per worker and day, so workers never interleave). When the
queue is full, the folder cannot be written or the total size cap is reached, the line is dropped
and counted: /api/health reports `log_dropped`. The log never slows or fails a search.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from kbbuild.masking import mask

log = logging.getLogger("search_api")

PREFIX = "searches"
MASKED_FIELDS = ("query", "normalized")  # free text an agent typed: may hold a customer's number
_STOP = object()


def log_files(folder: Path) -> list[Path]:
    """Every log file in `folder`, oldest day first (names sort by date, then worker)."""
    return sorted(folder.glob(f"{PREFIX}-*.jsonl")) if folder.is_dir() else []


def encode(record: dict[str, Any]) -> bytes:
    """One masked JSON line (a pure function: the drain thread's whole transformation)."""
    clean = {k: mask(v) if k in MASKED_FIELDS and isinstance(v, str) else v for k, v in record.items()}
    return (json.dumps(clean, ensure_ascii=False, separators=(",", ":")) + "\n").encode()


class SearchLog:
    """A bounded queue and its drain thread; `record()` never blocks and never raises."""

    def __init__(self, folder: Path | None, max_queue: int = 10_000, max_total_bytes: int = 500_000_000,
                 now: Callable[[], datetime] = lambda: datetime.now().astimezone()) -> None:
        self.folder = folder
        self.max_total_bytes = max_total_bytes
        self.dropped = 0  # lines lost: queue full, disk full, folder unwritable, size cap
        self.written = 0
        self._now = now
        self._queue: queue.Queue[Any] = queue.Queue(max_queue)
        self._fd: int | None = None
        self._path: Path | None = None
        self._total = 0  # bytes of every worker's log files, as of the last scan plus what we wrote
        self._full_since: float | None = None  # when making room last failed
        self._thread: threading.Thread | None = None
        if folder is not None:
            self._thread = threading.Thread(target=self._drain, name="search-log", daemon=True)
            self._thread.start()

    @property
    def enabled(self) -> bool:
        return self._thread is not None

    def record(self, kind: str, **fields: Any) -> None:
        """Queue one line (the time is taken now); dropped and counted when the queue is full."""
        if self._thread is None:
            return
        try:
            self._queue.put_nowait({"time": self._now().isoformat(timespec="milliseconds"), "kind": kind,
                                    **fields})
        except queue.Full:
            self.dropped += 1

    def flush(self, timeout: float = 5.0) -> None:
        """Wait until every queued line is written or dropped (tests, shutdown)."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.005)

    def close(self) -> None:
        if self._thread is not None:
            self._queue.put(_STOP)
            self._thread.join(timeout=5)
            self._thread = None
        self._close_file()

    def _drain(self) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is _STOP:
                    return
                self._write(item)
            except Exception:  # whatever goes wrong, the thread lives on and the line is counted
                self.dropped += 1
                log.exception("search log: a line could not be written")
            finally:
                self._queue.task_done()

    def _write(self, record: dict[str, Any]) -> None:
        line = encode(record)
        try:
            fd = self._open(record["time"][:10])
            if self._total + len(line) > self.max_total_bytes and not self._make_room(len(line)):
                self.dropped += 1
                return
            os.write(fd, line)  # O_APPEND, one write per line: never mixed with another line
        except OSError as exc:  # disk full, read-only, removed folder: count it, keep serving
            self.dropped += 1
            if self.dropped == 1 or self.dropped % 1000 == 0:
                log.warning("search log: %s lines dropped (%s)", self.dropped, exc.strerror or exc)
            self._close_file()
            return
        self._total += len(line)
        self.written += 1

    def _open(self, day: str) -> int:
        """This worker's file for `day` (a new day starts a new file: daily rotation)."""
        assert self.folder is not None
        path = self.folder / f"{PREFIX}-{day}-{os.getpid()}.jsonl"
        if self._fd is not None and path == self._path:
            return self._fd
        self._close_file()
        self.folder.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        self._path = path
        self._scan()
        return self._fd

    def _scan(self) -> None:
        assert self.folder is not None
        total = 0
        for path in log_files(self.folder):
            try:
                total += path.stat().st_size
            except FileNotFoundError:  # another worker's old file, just removed
                pass
        self._total = total

    def _make_room(self, need: int) -> bool:
        """Delete the oldest files (any worker's, never the one open) until `need` bytes fit."""
        if self._full_since is not None and time.monotonic() - self._full_since < 5.0:
            return False  # while nothing can go, look again at most every 5 s (not per line)
        assert self.folder is not None
        self._scan()
        for old in log_files(self.folder):
            if self._total + need <= self.max_total_bytes:
                break
            if old != self._path:
                old.unlink(missing_ok=True)
                self._scan()
        fits = self._total + need <= self.max_total_bytes
        self._full_since = None if fits else time.monotonic()
        return fits

    def _close_file(self) -> None:
        if self._fd is not None:
            try:
                os.close(self._fd)
            except OSError:
                pass
            self._fd, self._path = None, None
