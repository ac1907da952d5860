"""The search log: one JSON line per search, check and widget event, written off the request path.

A request only does `put_nowait` on a bounded queue; a background thread per worker process wakes
every 0.2 s, masks the queries (kbbuild/masking.py) and appends the lines to that worker's own file
(`searches-<date>-<pid>.jsonl`, one file per worker and day, so workers never interleave). When the
queue is full, the folder cannot be written or the total size cap is reached, the line is dropped
and counted: /api/health reports `log_dropped`. The log never slows or fails a search.
"""

from __future__ import annotations

import atexit
import logging
import os
import queue
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from kbbuild.masking import mask

log = logging.getLogger("search_api")

PREFIX = "searches"
MASKED_FIELDS = ("query", "normalized")  # free text an agent typed: may hold a customer's number
_STOP = object()
_LINE_BREAKS = [(ch.encode(), f"\\u{ord(ch):04x}".encode()) for ch in "\u2028\u2029\x85"]


def log_files(folder: Path) -> list[Path]:
    """Every log file in `folder`, oldest day first (names sort by date, then worker)."""
    return sorted(folder.glob(f"{PREFIX}-*.jsonl")) if folder.is_dir() else []


def encode(record: dict[str, Any]) -> bytes:
    """One masked JSON line (a pure function: the drain thread's whole transformation)."""
    clean = {k: mask(v) if k in MASKED_FIELDS and isinstance(v, str) else v for k, v in record.items()}
    # orjson: about 2 µs a line where json.dumps takes 20, and the drain thread shares the GIL with the
    # event loop. JSON leaves U+2028, U+2029 and U+0085 as they are, yet many readers (Python's
    # splitlines, JavaScript) break lines at them: escaped, a line of the log is a line for every reader.
    line = orjson.dumps(clean, option=orjson.OPT_APPEND_NEWLINE | orjson.OPT_NON_STR_KEYS)
    for raw, escaped in _LINE_BREAKS:
        if raw in line:
            line = line.replace(raw, escaped)
    return line


class SearchLog:
    """A bounded queue and its drain thread; `record()` never blocks and never raises."""

    def __init__(self, folder: Path | None, max_queue: int = 10_000, max_total_bytes: int = 500_000_000,
                 now: Callable[[], datetime] = lambda: datetime.now().astimezone(), interval_s: float = 0.2) -> None:
        self.folder = folder
        self.interval_s = interval_s
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
            atexit.register(self.close)  # a worker that stops writes what is still queued (at most 5 s)

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
            try:
                self._queue.put(_STOP, timeout=5)
            except queue.Full:
                pass
            self._thread.join(timeout=5)
            self._thread = None
        self._close_file()

    def _drain(self) -> None:
        # Woken by a clock, not by each request: a thread woken per line competes with the event loop
        # for the GIL on every search (measured: +1 ms p50 at 4 clients, bench/searchlog_bench.py).
        while True:
            time.sleep(self.interval_s)
            batch = []
            try:
                while True:
                    batch.append(self._queue.get_nowait())
            except queue.Empty:
                pass
            records = [item for item in batch if item is not _STOP]
            try:
                self._write_batch(records)
            except Exception:  # whatever goes wrong, the thread lives on and the lines are counted
                self.dropped += len(records)
                log.exception("search log: lines could not be written")
            finally:
                for _ in batch:
                    self._queue.task_done()
            if len(records) < len(batch):
                return

    def _write_batch(self, records: list[dict[str, Any]]) -> None:
        by_day: dict[str, list[bytes]] = {}
        for record in records:
            by_day.setdefault(record["time"][:10], []).append(encode(record))
            # Hand the GIL back after each line: the event loop waits tens of microseconds, not the
            # interpreter's switch interval, while a batch of hundreds of lines is encoded.
            time.sleep(0)
        for day, lines in by_day.items():
            self._write(day, lines)

    def _write(self, day: str, lines: list[bytes]) -> None:
        """Whole lines in one write (O_APPEND): never mixed with another's, never cut."""
        chunk = b"".join(lines)
        try:
            fd = self._open(day)
            if self._total + len(chunk) > self.max_total_bytes and not self._make_room(len(chunk)):
                self.dropped += len(lines)
                return
            view = memoryview(chunk)
            while view:
                view = view[os.write(fd, view):]
        except OSError as exc:  # disk full, read-only, removed folder: count it, keep serving
            self.dropped += len(lines)
            log.warning("search log: %s lines dropped so far (%s)", self.dropped, exc.strerror or exc)
            self._close_file()
            return
        self._total += len(chunk)
        self.written += len(lines)

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
