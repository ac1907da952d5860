"""The `kb` command line: exit codes and exact output, run as a user runs it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kbbuild.cli import main
from kbbuild.settings import ROOT, get_settings

from .conftest import DATA
from .test_validate import EXPECTED, EXPECTED_EN, small_kb

SYNTAX_ZH = EXPECTED["syntax"][0].split(": ", 2)[2]


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_check_on_broken_kb_prints_problems_and_exits_1(run, case: str) -> None:  # type: ignore[no-untyped-def]
    result = run("check", "kb", cwd=DATA / "broken" / case)
    assert result.exit_code == 1
    assert result.stdout.splitlines() == EXPECTED[case]
    assert f"中有 {len(EXPECTED[case])} 个问题" in result.stderr
    assert "Traceback" not in result.output


def test_check_path_shown_relative_to_working_directory(run) -> None:  # type: ignore[no-untyped-def]
    result = run("check", "tests/data/broken/syntax/kb")
    assert result.stdout == f"tests/data/broken/syntax/kb/a.yaml:4: (yaml): {SYNTAX_ZH}\n"


def test_check_in_english_by_option_or_setting(run, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    result = run("check", "--lang", "en", "kb", cwd=DATA / "broken" / "fields")
    assert result.stdout.splitlines() == EXPECTED_EN["fields"]
    assert result.stderr == f"{len(EXPECTED_EN['fields'])} problem(s) in kb\n"
    monkeypatch.setenv("KB_LANG", "en")
    get_settings.cache_clear()
    result = run("check", "kb", cwd=DATA / "broken" / "syntax")
    assert result.stdout.splitlines() == EXPECTED_EN["syntax"]
    built = run("build", "--out", "/nonexistent", "kb", cwd=DATA / "broken" / "syntax")
    assert built.stderr == "build aborted, the published build is unchanged: 1 problem(s) in kb\n"


def test_check_usage_errors_exit_2(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert run("check", str(tmp_path / "nope")).exit_code == 2
    assert run("check", "--bogus").exit_code == 2
    assert run("frobnicate").exit_code == 2


def test_check_clean_kb_exits_0(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    kb = small_kb(tmp_path)
    (kb / "r.yaml").write_text("id: r\ntype: rule\ntitle: 应答\nchannels: [hotline]\nstatement: s\n"
                               "limits: ['15 秒']\nsources: [{doc: doc-a.txt, quote: 應在15秒內應答}]\n", "utf-8")
    result = run("check", "kb", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert result.stderr == "通过：1 个条目，没有问题\n"
    stats = run("stats", "kb", cwd=tmp_path)
    assert stats.exit_code == 0
    lines = stats.stdout.splitlines()
    assert lines[0] == "entries: 1"
    assert "  rule                            1" in lines
    assert "  hotline                         1" in lines
    assert "  doc-a.txt                       1" in lines


def test_build_refuses_a_broken_kb_and_keeps_the_published_build(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "out"
    result = run("build", "--out", str(out), "kb", cwd=DATA / "broken" / "fields")
    assert result.exit_code == 1
    assert result.stderr == f"未构建，已发布的版本不变：kb 中有 {len(EXPECTED['fields'])} 个问题\n"
    assert not (out / "current").exists()


def test_every_command_is_documented_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    for name in main.commands:
        assert f"kb {name}" in readme, f"`kb {name}` is not documented in README.md"


def test_check_names_a_kb_outside_the_working_directory_as_given(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    copy = tmp_path / "copy" / "kb"
    shutil.copytree(DATA / "broken" / "syntax" / "kb", copy)
    result = run("check", str(copy))
    assert result.stdout.startswith(f"{copy}/a.yaml:4: (yaml)")  # not kb/a.yaml: that is another KB
