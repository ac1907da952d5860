"""Serving reliably: rebuild under load, a broken build or KB, several processes behind nginx."""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import pytest
from click.testing import CliRunner

from kbbuild.build import build_release, current_release, publish
from kbbuild.cli import main
from kbbuild.load import KB, load_kb
from kbbuild.search.embedder import Embedder
from kbbuild.settings import ROOT, Settings
from search_api.release import ReleaseHolder

from .conftest import ServeProcess, free_port, get_json

pytestmark = pytest.mark.slow
STAGES = ("data", "index", "checker", "widget")


class Hammer:
    """A client thread sending requests until stopped; counts failures (anything but 200)."""

    def __init__(self, base: str) -> None:
        self.paths = [f"/api/search?q={quote(q)}" for q in ("接入语", "绿色通道", "lstd", "听不清")] + ["/api/health"]
        self.base, self.ok, self.failures = base, 0, []  # type: ignore[var-annotated]
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        i = 0
        while not self._stop.is_set():
            path = self.paths[i % len(self.paths)]
            i += 1
            try:
                status, _ = get_json(self.base + path)
            except Exception as exc:  # a dropped connection is a failure too
                self.failures.append(f"{path}: {type(exc).__name__}: {exc}")
                continue
            if status == 200:
                self.ok += 1
            else:
                self.failures.append(f"{path}: HTTP {status}")

    def __enter__(self) -> Hammer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self.thread.join(timeout=10)


def _build(kb: KB, root: Path) -> str:
    return build_release(kb, root, Settings(build_dir=root), stages=STAGES, partial_ok=True).build_id


def test_rebuild_while_serving_drops_nothing(repo_kb: KB, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "build"
    _build(repo_kb, root)
    with ServeProcess(root) as server, Hammer(server.url) as hammer:
        time.sleep(0.5)
        for _ in range(3):
            last = _build(repo_kb, root)
            time.sleep(0.3)
        deadline = time.monotonic() + 5
        while (served := get_json(server.url + "/api/health")[1].get("build_id")) != last:
            assert time.monotonic() < deadline, f"still serving {served}, not {last}"
            time.sleep(0.1)
        time.sleep(0.3)
    with capsys.disabled():
        print(f"\nrebuild under load: 3 rebuilds, {hammer.ok} requests ok, {len(hammer.failures)} failed")
    assert hammer.failures == []
    assert hammer.ok > 50
    assert len(list((root / "releases").iterdir())) == 3  # older releases pruned, three kept


def test_new_build_id_is_served_after_a_rebuild(repo_kb: KB, tmp_path: Path) -> None:
    root = tmp_path / "build"
    first = _build(repo_kb, root)
    with ServeProcess(root) as server:
        assert get_json(server.url + "/api/health")[1]["build_id"] == first
        second = _build(repo_kb, root)
        deadline = time.monotonic() + 5
        while get_json(server.url + "/api/health")[1]["build_id"] != second:
            assert time.monotonic() < deadline, "the server did not switch to the new build"
            time.sleep(0.1)


def test_unreadable_new_build_keeps_the_old_one_served(repo_kb: KB, tmp_path: Path, embedder: Embedder) -> None:
    root = tmp_path / "build"
    good = _build(repo_kb, root)
    holder = ReleaseHolder(root, embedder, interval_s=0)
    assert holder.release is not None and holder.release.build_id == good
    broken = root / "releases" / "broken"
    shutil.copytree(current_release(root), broken)  # type: ignore[arg-type]
    (broken / "entries.json").write_text("{not json", "utf-8")
    publish(broken, root)
    assert holder.refresh(force=True).build_id == good  # type: ignore[union-attr]
    assert holder.last_error and "broken" in holder.last_error
    fixed = _build(repo_kb, root)
    assert holder.refresh(force=True).build_id == fixed  # type: ignore[union-attr]


@pytest.mark.parametrize("case", ["syntax", "fields", "duplicates", "references", "tags", "binary"])
def test_broken_kb_fails_the_build_and_keeps_the_previous_one(kb_copy: Path, case: str, embedder: Embedder) -> None:
    out = kb_copy.parent / "build"
    kb = load_kb(kb_copy)
    good = _build(kb, out)
    for src in (ROOT / "tests" / "data" / "broken" / case / "kb").iterdir():
        if src.name != "sources.yaml":
            shutil.copy(src, kb_copy / f"zz-{src.name}")
    result = CliRunner().invoke(main, ["build", "--only", "index", "--out", str(out), str(kb_copy)])
    assert result.exit_code == 1
    assert "build aborted" in result.stderr and "the published build is unchanged" in result.stderr
    assert "kb/zz-" in result.stdout  # the problems name the broken file
    assert "Traceback" not in result.output
    assert current_release(out).name == good  # type: ignore[union-attr]
    holder = ReleaseHolder(out, embedder, interval_s=0)
    assert holder.release.build_id == good  # type: ignore[union-attr]


NGINX_CONF = """
worker_processes 1;
daemon off;
master_process off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 256; }}
http {{
  access_log off;
  client_body_temp_path {tmp}/body; proxy_temp_path {tmp}/proxy;
  fastcgi_temp_path {tmp}/fcgi; uwsgi_temp_path {tmp}/uwsgi; scgi_temp_path {tmp}/scgi;
  upstream kb {{
    server 127.0.0.1:{a} max_fails=1 fail_timeout=5s;
    server 127.0.0.1:{b} max_fails=1 fail_timeout=5s;
  }}
  server {{
    listen 127.0.0.1:{port};
    location / {{
      proxy_pass http://kb;
      proxy_next_upstream error timeout http_502 http_503;
      proxy_connect_timeout 1s;
    }}
  }}
}}
"""


@pytest.mark.skipif(shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists(),
                    reason="nginx is installed by `make setup`")
def wait_until(condition: Callable[[], bool], timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.1)


def test_replicas_behind_nginx_survive_losing_one(repo_kb: KB, tmp_path: Path) -> None:
    root = tmp_path / "build"
    _build(repo_kb, root)
    port = free_port()
    with ServeProcess(root, workers=2) as a, ServeProcess(root) as b:
        conf = tmp_path / "nginx.conf"
        conf.write_text(NGINX_CONF.format(tmp=tmp_path, a=a.port, b=b.port, port=port), "utf-8")
        nginx = subprocess.Popen([shutil.which("nginx") or "/usr/sbin/nginx", "-c", str(conf), "-p", str(tmp_path)],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 10
            while True:
                try:
                    if get_json(f"http://127.0.0.1:{port}/api/health")[0] == 200:
                        break
                except OSError:
                    pass
                assert time.monotonic() < deadline, "nginx did not start"
                time.sleep(0.1)
            with Hammer(f"http://127.0.0.1:{port}") as hammer:
                # Counts, not a fixed sleep: a busy machine answers fewer requests per second.
                wait_until(lambda: hammer.ok > 20)
                before = hammer.ok
                a.stop()  # one replica goes away mid-traffic
                wait_until(lambda: hammer.ok > before + 20)
            assert hammer.failures == []
            assert before > 20 and hammer.ok > before + 20
        finally:
            nginx.terminate()
            nginx.wait(timeout=10)
            nginx.stderr.close()  # type: ignore[union-attr]
