"""`kb serve --reload`: one rebuild per burst of saves; a broken save publishes nothing and says why."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from kbbuild.reload import build_command, rebuild_on_change, run_build, start_watcher

from .conftest import DATA


def test_each_batch_of_kb_saves_rebuilds_once_and_other_files_are_ignored(tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    batches = [
        {(1, str(kb / "scripts" / "a.yaml")), (2, str(kb / "scripts" / "b.yaml"))},  # save-all: one rebuild
        {(2, str(kb / "scripts" / ".a.yaml.swp")), (2, str(kb / "notes.txt"))},  # not KB files
        {(2, str(kb / "rules" / "r.yml"))},
    ]
    results = iter([True, False])
    said: list[str] = []
    built = rebuild_on_change(batches, kb, lambda: next(results), said.append)
    assert built == 2
    assert said == [
        "已保存 scripts/a.yaml、scripts/b.yaml：重新构建……",
        "已发布新版本：刷新浏览器即可看到",
        "已保存 rules/r.yml：重新构建……",
        "没有发布：上面是要改的问题，改好后保存即可；预览仍是上一次成功的版本",
    ]


def test_many_files_are_named_briefly(tmp_path: Path) -> None:
    said: list[str] = []
    batch = {(2, str(tmp_path / f"{i}.yaml")) for i in range(5)}
    rebuild_on_change([batch], tmp_path, lambda: True, said.append)
    assert said[0] == "已保存 0.yaml、1.yaml、2.yaml 等 5 个文件：重新构建……"


def test_a_real_save_is_seen_by_the_watcher(tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    kb.mkdir()
    rebuilt = threading.Event()
    said: list[str] = []

    def rebuild() -> bool:
        rebuilt.set()
        return True

    stop = start_watcher(kb, tmp_path / "build", said.append, rebuild)
    try:
        # the watcher starts in its thread: save until it has seen one (an editor saves again anyway)
        for _ in range(40):
            (kb / "a.yaml").write_text("id: a\n", "utf-8")
            if rebuilt.wait(0.5):
                break
        assert rebuilt.is_set()
        assert said[0] == "已保存 a.yaml：重新构建……"
    finally:
        stop.set()


def test_a_broken_save_prints_chinese_problems_and_publishes_nothing(
        tmp_path: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KB_SEEDS_DIR", str(DATA / "seeds"))
    monkeypatch.chdir(DATA / "broken" / "syntax")
    out = tmp_path / "build"
    assert build_command(Path("kb"), out)[-1] == "kb"
    assert run_build(Path("kb"), out) is False
    err = capfd.readouterr()
    assert "kb/a.yaml:4: (yaml): YAML 语法错误：这里多了一个「: 」" in err.out
    assert "未构建，已发布的版本不变" in err.err
    assert not (out / "current").exists()


def test_kb_serve_documents_reload() -> None:
    from click.testing import CliRunner

    from kbbuild.cli import main

    assert "--reload" in CliRunner().invoke(main, ["serve", "--help"]).stdout


def test_a_first_preview_of_a_broken_kb_builds_first_and_stops_with_its_problems(
        tmp_path: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from kbbuild.cli import main
    from kbbuild.settings import get_settings

    monkeypatch.setenv("KB_SEEDS_DIR", str(DATA / "seeds"))
    monkeypatch.setenv("KB_KB_DIR", str(DATA / "broken" / "syntax" / "kb"))
    monkeypatch.chdir(DATA / "broken" / "syntax")
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(main, ["serve", "--reload", "--out", str(tmp_path / "build")])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 1  # nothing to serve, no server started
    assert "YAML 语法错误" in capfd.readouterr().out
