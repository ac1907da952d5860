"""Expensive things built once per session: the loaded KB, a published build, the app, a live server."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from click.testing import CliRunner
from fastapi.testclient import TestClient

from kbbuild.build import BuildResult, build_release
from kbbuild.cli import main
from kbbuild.load import KB, load_kb
from kbbuild.search.embedder import Embedder, load_embedder
from kbbuild.settings import ROOT, Settings, get_settings
from search_api.app import create_app

DATA = Path(__file__).parent / "data"


@pytest.fixture
def kb_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the repo's KB to break or edit; the working directory is its parent."""
    shutil.copytree(ROOT / "kb", tmp_path / "kb")
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    yield tmp_path / "kb"  # type: ignore[misc]
    get_settings.cache_clear()


@pytest.fixture(scope="session", autouse=True)
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """KB_DATA_DIR for the whole session: the search log of every app and server goes here, not ./data."""
    folder = tmp_path_factory.mktemp("data")
    old = os.environ.get("KB_DATA_DIR")
    os.environ["KB_DATA_DIR"] = str(folder)  # read by Settings() and inherited by `kb serve` subprocesses
    get_settings.cache_clear()
    yield folder
    if old is None:
        os.environ.pop("KB_DATA_DIR", None)
    else:
        os.environ["KB_DATA_DIR"] = old
    get_settings.cache_clear()


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """`kb ARGS…` as a user runs it, in `cwd` (default the repo), with quotes checked against test seeds."""
    monkeypatch.setenv("KB_SEEDS_DIR", str(DATA / "seeds"))
    get_settings.cache_clear()

    def invoke(*args: str, cwd: Path = ROOT) -> object:
        monkeypatch.chdir(cwd)
        return CliRunner().invoke(main, list(args), catch_exceptions=False)

    yield invoke
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The embedder the builds and servers of the suite use (the default KB_EMBEDDER)."""
    return load_embedder(Settings().embedder)


@pytest.fixture(scope="session")
def repo_kb() -> KB:
    return load_kb(ROOT / "kb")


def _settings(build_dir: Path, **kw: object) -> Settings:
    return Settings(build_dir=build_dir, reload_interval_s=0.05, **kw)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def fast_build(repo_kb: KB, tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    """Data, index, checker and widget of the real KB (no site, no PDF): enough for the API."""
    out = tmp_path_factory.mktemp("build-fast")
    return build_release(repo_kb, out, _settings(out), stages=("data", "index", "checker", "widget"),
                         partial_ok=True)


@pytest.fixture(scope="session")
def full_build(repo_kb: KB, tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    """Every artifact of the real KB, as `kb build` makes it."""
    out = tmp_path_factory.mktemp("build-full")
    return build_release(repo_kb, out, _settings(out))


@pytest.fixture(scope="session")
def client(fast_build: BuildResult) -> Iterator[TestClient]:
    app = create_app(_settings(fast_build.path.parent.parent))
    with TestClient(app) as c:
        yield c


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """uvicorn in a thread on a free loopback port."""

    def __init__(self, build_root: Path, **settings: object) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        origins = [self.url, f"http://localhost:{self.port}"]
        app = create_app(_settings(build_root, cors_origins=origins, **settings))
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="session")
def live_server(fast_build: BuildResult) -> Iterator[LiveServer]:
    """The API and widget of the real KB served over HTTP, as `kb serve` serves them."""
    with LiveServer(fast_build.path.parent.parent) as server:
        yield server


@pytest.fixture(scope="session")
def live_full_server(full_build: BuildResult) -> Iterator[LiveServer]:
    """Every artifact (site and handbook too) served over HTTP."""
    with LiveServer(full_build.path.parent.parent) as server:
        yield server


BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's Chromium driven by Playwright (its own browser download does not work here)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=BROWSER_ARGS)
        yield b
        b.close()


class ServeProcess:
    """`kb serve` as a user starts it, in a subprocess on a free loopback port."""

    def __init__(self, build_root: Path, workers: int = 1, **env: str) -> None:
        self.env = env
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.cmd = [sys.executable, "-m", "kbbuild.cli", "serve", "--out", str(build_root),
                    "--port", str(self.port), "--workers", str(workers)]

    def __enter__(self) -> ServeProcess:
        env = {**os.environ, "KB_RELOAD_INTERVAL_S": "0.1", **self.env}
        self.proc = subprocess.Popen(self.cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"kb serve exited: {self.proc.stderr.read().decode()}")  # type: ignore[union-attr]
            try:
                with urllib.request.urlopen(self.url + "/api/health", timeout=1):
                    return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("kb serve did not start")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stderr:
            self.proc.stderr.close()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def get_json(url: str, timeout: float = 5) -> tuple[int, dict[str, object]]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")
