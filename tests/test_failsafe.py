"""Serving that fails safe: streamed bodies, slow clients, fair checks, damaged releases, partial builds,
hostile YAML, leftovers and invisible characters. Each test failed before its fix."""

from __future__ import annotations

import json
import os
import shutil
import socket
import threading
import time
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from click.testing import CliRunner

from kbbuild.build import BuildError, build_release, current_release, publish, remove_leftovers
from kbbuild.check import Checker
from kbbuild.cli import main
from kbbuild.load import KB, load_kb
from kbbuild.search.embedder import Embedder
from kbbuild.settings import Settings
from kbbuild.text import fold
from search_api.release import ReleaseHolder

from .conftest import ServeProcess
from .test_validate import problems_of, small_kb

STAGES = ("data", "index", "checker", "widget")


@pytest.fixture(scope="module")
def one_release(fast_build) -> Path:  # type: ignore[no-untyped-def]
    return fast_build.path  # type: ignore[no-any-return]


def _two_releases(template: Path, root: Path) -> tuple[Path, Path]:
    """An older and a newer copy of one build under root/releases (names sort by time), newer published."""
    older, newer = (shutil.copytree(template, root / "releases" / name) for name in ("20260101-a", "20260102-b"))
    publish(newer, root)
    return older, newer


@pytest.fixture(scope="module")
def served(fast_build) -> Any:  # type: ignore[no-untyped-def]
    """`kb serve` in its own process (a server in the test's process would share its GIL)."""
    with ServeProcess(fast_build.path.parent.parent, KB_BODY_TIMEOUT_S="1") as server:
        yield server


@pytest.mark.slow
def test_chunked_body_is_limited_as_it_streams(served: ServeProcess) -> None:
    def chunks() -> Any:
        for _ in range(400):  # 400 × 1 MB, far past the 128 kB limit, with no Content-Length
            yield b" " * 1_000_000

    r = httpx.post(served.url + "/api/check", content=chunks(), headers={"content-type": "application/json"},
                   timeout=30)
    assert r.status_code == 413 and "larger than" in r.json()["error"]


@pytest.mark.slow
def test_slow_body_times_out(served: ServeProcess) -> None:
    with socket.create_connection(("127.0.0.1", served.port), timeout=10) as s:
        s.sendall(b"POST /api/check HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Content-Length: 50\r\n\r\n{\"text\":")
        reply = b""
        while b"not received within" not in reply and (chunk := s.recv(4096)):  # headers and body may
            reply += chunk  # arrive apart; the server gives up on the rest of the body after 1 s
    reply = reply.decode()
    assert reply.startswith("HTTP/1.1 408") and "not received within" in reply


@pytest.mark.slow
def test_worst_case_checks_do_not_starve_health(served: ServeProcess) -> None:
    """20 concurrent checks of 10,000 characters: /api/health p99 stays under 50 ms."""
    stop = threading.Event()
    worst = {"text": "喂在不在" * 2500}

    def hammer() -> None:
        with httpx.Client(timeout=60) as c:
            while not stop.is_set():
                assert c.post(served.url + "/api/check", json=worst).status_code == 200

    threads = [threading.Thread(target=hammer, daemon=True) for _ in range(20)]
    for t in threads:
        t.start()
    time.sleep(1.0)
    times = []
    with httpx.Client(timeout=10) as c:
        for _ in range(100):
            start = time.perf_counter()
            assert c.get(served.url + "/api/health").status_code == 200
            times.append((time.perf_counter() - start) * 1000)
            time.sleep(0.01)
    stop.set()
    for t in threads:
        t.join(timeout=60)
    times.sort()
    print(f"\nhealth under 20 worst-case checks: p50 {times[50]:.1f} ms, p99 {times[98]:.1f} ms")
    assert times[98] < 50


def test_head_on_get_routes_and_json_cors_rejection(client) -> None:  # type: ignore[no-untyped-def]
    for path in ("/api/health", "/api/search?q=投诉", "/widget.js", "/api/entries/hotline-greeting"):
        head, get = client.head(path), client.get(path)
        assert head.status_code == get.status_code == 200 and head.content == b""
        assert head.headers["content-type"] == get.headers["content-type"]
    r = client.options("/api/search", headers={"Origin": "https://evil.example",
                                                "Access-Control-Request-Method": "GET"})
    assert r.status_code == 400 and r.json()["error"].startswith("Disallowed CORS")


def _damage(release: Path, how: str) -> None:
    target = release / "search" / "keyword.npz"
    if how == "bytes":
        data = bytearray(target.read_bytes())
        data[len(data) // 2: len(data) // 2 + 64] = b"\xff" * 64
        target.write_bytes(bytes(data))
    elif how == "truncated":
        target.write_bytes(target.read_bytes()[: target.stat().st_size // 3])
    else:
        target.unlink()


@pytest.mark.parametrize("how", ["bytes", "truncated", "deleted"])
def test_damaged_release_falls_back_and_health_says_degraded(one_release: Path, tmp_path: Path, how: str,
                                                             embedder: Embedder) -> None:
    root = tmp_path / "build"
    good, bad = _two_releases(one_release, root)
    _damage(bad, how)
    holder = ReleaseHolder(root, embedder, interval_s=0)  # a fresh server, `current` pointing at bad
    release = holder.refresh(force=True)
    assert release is not None and release.path == good
    assert holder.degraded and bad.name in holder.degraded and "keyword.npz" in holder.degraded
    from fastapi.testclient import TestClient

    from search_api.app import create_app

    with TestClient(create_app(Settings(build_dir=root, reload_interval_s=0), holder)) as c:
        health = c.get("/api/health")
        assert health.status_code == 503 and health.json()["status"] == "degraded"
        assert health.json()["build_id"] == json.loads((good / "manifest.json").read_text("utf-8"))["build_id"]
        assert c.get("/api/search", params={"q": "投诉"}).json()["results"]
        assert c.get("/widget/").status_code == 200  # the site and widget of the good build, not 503


def test_damage_while_served_is_noticed(one_release: Path, tmp_path: Path, embedder: Embedder) -> None:
    root = tmp_path / "build"
    good, newest = _two_releases(one_release, root)
    holder = ReleaseHolder(root, embedder, interval_s=0, verify_interval_s=0)
    assert holder.refresh(force=True).path == newest  # type: ignore[union-attr]
    assert holder.degraded is None
    _damage(newest, "bytes")
    holder._reverify()
    assert holder.release.path == good  # type: ignore[union-attr]
    assert "changed since the build" in (holder.degraded or "")


def test_failed_canary_refuses_a_release(one_release: Path, tmp_path: Path, embedder: Embedder) -> None:
    root = tmp_path / "build"
    good, bad = _two_releases(one_release, root)
    manifest = json.loads((bad / "manifest.json").read_text("utf-8"))
    manifest["canaries"][0]["expect"] = "no-such-entry"
    (bad / "manifest.json").write_text(json.dumps(manifest), "utf-8")
    holder = ReleaseHolder(root, embedder, interval_s=0)
    assert holder.refresh(force=True).path == good  # type: ignore[union-attr]
    assert "canary" in (holder.degraded or "")


def test_only_copies_the_other_stages_or_refuses(kb_copy: Path, full_build) -> None:  # type: ignore[no-untyped-def]
    out = kb_copy.parent / "build"
    runner = CliRunner()

    def only_index() -> Any:
        return runner.invoke(main, ["build", "--only", "index", "--out", str(out), str(kb_copy)])

    refused = only_index()
    assert refused.exit_code == 1 and "nothing is published yet" in refused.stderr
    assert current_release(out) is None
    partial = build_release(load_kb(kb_copy), out, Settings(build_dir=out), stages=STAGES, partial_ok=True)
    refused = only_index()  # the published build has no site: no whole release can be made from it
    assert refused.exit_code == 1 and "has no handbook to copy" in refused.stderr
    assert current_release(out) == partial.path
    whole = shutil.copytree(full_build.path, out / "releases" / full_build.path.name)  # the same KB, built whole
    publish(whole, out)
    result = only_index()
    assert result.exit_code == 0, result.output
    new = current_release(out)
    assert new is not None and new != whole and (new / "site" / "index.html").is_file()
    assert (new / "handbook.pdf").read_bytes() == (whole / "handbook.pdf").read_bytes()
    manifest = json.loads((new / "manifest.json").read_text("utf-8"))
    assert manifest["copied"]["site"] == whole.name and "index" in manifest["stages"]
    scripts = kb_copy / "scripts" / "000-hall-counter-phrases.yaml"
    scripts.write_text(scripts.read_text("utf-8").replace("请坐！", "请坐。", 1), "utf-8")
    stale = only_index()
    assert stale.exit_code == 1 and "the KB changed" in stale.stderr


def test_leftover_temporary_releases_are_removed(tmp_path: Path) -> None:
    releases = tmp_path / "releases"
    dead = releases / ".tmp-20260101-000000-000000-abc-99999999"
    alive = releases / f".tmp-20260101-000000-000000-abc-{os.getpid()}"
    for d in (dead, alive):
        d.mkdir(parents=True)
        (d / "big.bin").write_bytes(b"x" * 1000)
    assert remove_leftovers(releases) == [dead]
    assert not dead.exists() and alive.exists()


def test_disk_errors_name_the_stage_and_path(repo_kb: KB, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import kbbuild.build as build

    def full(*args: object) -> None:
        raise OSError(28, "No space left on device", str(tmp_path / "x" / "keyword.npz"))

    monkeypatch.setattr(build, "write_search", full)
    with pytest.raises(BuildError, match=r"stage index: No space left on device: .*keyword\.npz"):
        build_release(repo_kb, tmp_path / "b", Settings(build_dir=tmp_path / "b"), stages=STAGES, partial_ok=True)
    assert not list((tmp_path / "b" / "releases").glob(".tmp-*"))


def test_hostile_yaml_is_refused_with_a_line(tmp_path: Path) -> None:
    kb = small_kb(tmp_path)
    bomb = "a: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
        f"{c}: &{c} [{','.join(['*' + p] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True))
    (kb / "bomb.yaml").write_text(bomb, "utf-8")
    (kb / "deep.yaml").write_text("x: " + "[" * 500 + "]" * 500 + "\n", "utf-8")
    start = time.perf_counter()
    assert problems_of(tmp_path) == [
        "kb/bomb.yaml:2: (yaml): YAML syntax error: aliases (*name) are not allowed in the KB: write the value out",
        "kb/deep.yaml:1: (yaml): YAML syntax error: nested more than 40 levels deep",
    ]
    assert time.perf_counter() - start < 10  # a bomb once ran until killed


def test_check_refuses_what_the_build_would_fail_on(tmp_path: Path) -> None:
    kb = small_kb(tmp_path)
    (kb / "bad.yaml").write_text(
        'id: r1\ntype: rule\ntitle: "时限\\0"\nchannels: [hotline]\nstatement: s\n'
        "limits:\n  - {value: .inf, unit: 秒}\nwindows:\n  - {what: 短信, start: '25:99', end: '07:00'}\n"
        "sources:\n  - {doc: doc-a.txt, quote: 您好}\n", "utf-8")
    assert problems_of(tmp_path) == [
        "kb/bad.yaml:3: title: contains the control character U+0000: delete it",
        "kb/bad.yaml:7: limits[0].value: must be a finite number, not inf",
        "kb/bad.yaml:9: windows[0].start: '25:99' is not a time of day like 07:00 or 22:30 (00:00–23:59)",
    ]


def test_invisible_fillers_are_folded_away(repo_kb: KB) -> None:
    from kbbuild.build import entry_record

    checker = Checker([entry_record(loc.entry) for loc in repo_kb.entries])
    for filler in ("\u3164", "\u1160", "\uffa0", "\u200b", "\u2060", "\ufeff"):
        text = f"你{filler}等一会"
        [hit] = [h for h in checker.check(text)["hits"] if h["entry_id"] == "forbidden-you-wait-a-moment"]
        assert text[hit["start"]:hit["end"]] == hit["text"]
        assert fold(f"绿色{filler}通道") == "绿色通道"
