"""Editors' tools: the committed JSON Schemas match the models and every KB file; `kb new` templates."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
import yaml
from click.testing import CliRunner

from kbbuild.cli import main
from kbbuild.entry_template import entry_template
from kbbuild.model import TYPE_LABELS, TYPES
from kbbuild.schema import MODELINE, render, schema_for, schemas, with_modeline
from kbbuild.settings import ROOT, get_settings

from .test_validate import problems_of, small_kb

SCHEMA_DIR = ROOT / "schema"
KB_FILES = sorted(p for p in (ROOT / "kb").rglob("*") if p.suffix in (".yaml", ".yml"))


def plain(data: Any) -> Any:
    """YAML data as JSON sees it (VS Code's YAML reads an unquoted 2026-11-23 as text)."""
    if isinstance(data, dict):
        return {k: plain(v) for k, v in data.items()}
    if isinstance(data, list):
        return [plain(v) for v in data]
    return data.isoformat() if isinstance(data, dt.date) else data


def errors(path_or_text: Path | str, schema_name: str) -> list[str]:
    text = path_or_text.read_text("utf-8") if isinstance(path_or_text, Path) else path_or_text
    validator = jsonschema_rs.validator_for(schemas()[schema_name])
    return [e.message for e in validator.iter_errors(plain(yaml.safe_load(text)))]


def test_committed_schemas_are_what_kb_schema_writes(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["schema", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in SCHEMA_DIR.iterdir()) == sorted(schemas())
    for name in schemas():
        assert (SCHEMA_DIR / name).read_text("utf-8") == (tmp_path / name).read_text("utf-8"), \
            f"schema/{name} is stale: run `kb schema`"


@pytest.mark.parametrize("path", KB_FILES, ids=[p.relative_to(ROOT).as_posix() for p in KB_FILES])
def test_every_kb_file_validates_against_its_schema(path: Path) -> None:
    assert errors(path, schema_for(path, ROOT / "kb")) == []


def test_every_kb_file_starts_with_the_modeline_of_its_schema() -> None:
    for path in KB_FILES:
        first = path.read_text("utf-8").partition("\n")[0]
        assert first.startswith(MODELINE), f"{path}: run `kb schema --modelines`"
        target = (path.parent / first.removeprefix(MODELINE)).resolve()
        assert target == SCHEMA_DIR / schema_for(path, ROOT / "kb"), path


def test_the_schema_catches_what_an_editor_gets_wrong() -> None:
    entry = "id: a\ntype: script\ntitle: t\nchannels: [hotline]\nwhen: w\nsay: 您好\nsources: [{doc: d, quote: q}]\n"
    assert errors(entry, "entry.schema.json") == []
    assert errors(f"- {entry.replace(chr(10), chr(10) + '  ')}", "entry.schema.json") == []  # a list of one
    assert errors(entry.replace("say: 您好\n", ""), "entry.schema.json")  # required
    assert errors(entry + "colour: red\n", "entry.schema.json")  # unknown field
    assert errors(entry.replace("hotline", "moon"), "entry.schema.json")


def test_modelines_are_idempotent_and_replace_an_old_one() -> None:
    line = MODELINE + "../schema/entry.schema.json"
    once = with_modeline("# 标题\n- id: a\n", line)
    assert once == f"{line}\n# 标题\n- id: a\n"
    assert with_modeline(once, line) == once
    assert with_modeline(once, MODELINE + "x.json") == f"{MODELINE}x.json\n# 标题\n- id: a\n"


def test_kb_schema_modelines_on_a_kb_copy(tmp_path: Path) -> None:
    kb = small_kb(tmp_path)
    (kb / "scripts").mkdir()
    (kb / "scripts" / "a.yaml").write_text("# 问候\n- id: a\n", "utf-8")
    args = ["schema", "--out", str(tmp_path / "schema"), "--modelines", str(kb)]
    assert CliRunner().invoke(main, args).exit_code == 0
    assert (kb / "scripts" / "a.yaml").read_text("utf-8") == \
        "# yaml-language-server: $schema=../../schema/entry.schema.json\n# 问候\n- id: a\n"
    assert (kb / "sources.yaml").read_text("utf-8").startswith(
        "# yaml-language-server: $schema=../schema/sources.schema.json\n")
    again = CliRunner().invoke(main, args)
    assert "modelines: 0 file(s) changed" in again.stderr


# What an editor writes in place of each 【…】 (the test seeds: doc-a.txt); the rest become 测试… text.
FILLED = {"【来源文件名】": "doc-a.txt", "【原文摘抄】": "您好,很高興為您服務", "【禁用的说法】": "您好"}


def fill(template: str) -> str:
    for placeholder, value in FILLED.items():
        template = template.replace(placeholder, value)
    return re.sub(r"【([^】]*)】", lambda m: "测试" + re.sub(r"\W", "", m.group(1)), template)


@pytest.mark.parametrize("type_", TYPES)
def test_a_filled_template_passes_kb_check_and_the_schema(tmp_path: Path, type_: str) -> None:
    kb = small_kb(tmp_path)
    text = entry_template(type_, "new-entry", MODELINE + "../../schema/entry.schema.json")
    assert "【" in text and "必填" in text and "可选" in text
    (kb / "new.yaml").write_text(text, "utf-8")
    assert problems_of(tmp_path)  # placeholders left: not yet an entry
    (kb / "new.yaml").write_text(fill(text), "utf-8")
    assert problems_of(tmp_path) == []
    assert errors(fill(text), "entry.schema.json") == []


def test_a_template_without_an_id_says_what_the_id_must_be(tmp_path: Path) -> None:
    kb = small_kb(tmp_path)
    text = fill(entry_template("script")).replace("测试id小写字母数字和连字符", "客户问候")
    (kb / "new.yaml").write_text(text, "utf-8")
    assert problems_of(tmp_path) == [
        "kb/new.yaml:4: id: '客户问候' 不是 ASCII kebab-case：只用 a-z、0-9 和单个连字符（hotline-greeting）"]


def test_kb_new_by_chinese_type_name_prints_or_writes_into_the_type_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    kb = small_kb(tmp_path)
    monkeypatch.setenv("KB_SCHEMA_DIR", str(tmp_path / "schema"))
    get_settings.cache_clear()
    try:
        for name, code in [(v, k) for k, v in TYPE_LABELS.items()]:
            printed = CliRunner().invoke(main, ["new", name, "--kb-dir", str(kb)])
            assert printed.exit_code == 0 and f"type: {code}\n" in printed.stdout
        result = CliRunner().invoke(main, ["new", "话术", "hall-new-greeting", "--write", "--kb-dir", str(kb)])
        target = kb / "scripts" / "hall-new-greeting.yaml"
        assert result.exit_code == 0 and result.stdout == f"{target}\n"
        assert target.read_text("utf-8").startswith(
            "# yaml-language-server: $schema=../../schema/entry.schema.json\n")
        assert "- id: hall-new-greeting\n" in target.read_text("utf-8")
        again = CliRunner().invoke(main, ["new", "script", "hall-new-greeting", "--write", "--kb-dir", str(kb)])
        assert again.exit_code == 1 and "已存在" in again.stderr
        assert CliRunner().invoke(main, ["new", "script", "Bad_Id", "--kb-dir", str(kb)]).exit_code == 2
        assert CliRunner().invoke(main, ["new", "poem", "--kb-dir", str(kb)]).exit_code == 2
    finally:
        get_settings.cache_clear()


def test_rendered_schema_is_stable() -> None:
    assert render(schemas()["entry.schema.json"]) == render(schemas()["entry.schema.json"])
