"""docs/editing.md is tested like code: its complete examples pass `kb check`, and its walk-through works."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from kbbuild.build import build_release
from kbbuild.cli import main
from kbbuild.load import load_kb
from kbbuild.model import TYPES
from kbbuild.search.embedder import Embedder
from kbbuild.settings import ROOT, Settings, get_settings
from kbbuild.validate import check_kb
from search_api.release import Release

DOC = (ROOT / "docs" / "editing.md").read_text("utf-8")
BLOCKS = re.findall(r"^```(\w*)\n(.*?)^```", DOC, re.MULTILINE | re.DOTALL)
# Complete examples: yaml blocks whose first line names the file they go in.
EXAMPLES = {m.group(1): text for lang, text in BLOCKS
            if lang == "yaml" and (m := re.match(r"# (kb/\S+\.yaml)\n", text))}
SCRIPT = "kb/scripts/example-system-down.yaml"


def add_examples(kb_copy: Path, names: list[str]) -> None:
    for name in names:
        (kb_copy.parent / name).write_text(EXAMPLES[name], "utf-8")


def errors_of(kb_copy: Path) -> list[str]:
    seeds = get_settings().seeds_dir
    kb = load_kb(kb_copy, cwd=kb_copy.parent)
    return [str(p) for p in check_kb(kb, seeds if seeds.is_dir() else None) if not p.warning]


def test_the_guide_has_a_complete_example_of_every_type() -> None:
    types = {re.search(r"^  type: (\w+)$", text, re.MULTILINE).group(1) for text in EXAMPLES.values()}  # type: ignore[union-attr]
    assert types == set(TYPES)


def test_every_example_of_the_guide_passes_kb_check(kb_copy: Path) -> None:
    add_examples(kb_copy, list(EXAMPLES))
    assert errors_of(kb_copy) == []
    ids = {loc.entry.id for loc in load_kb(kb_copy).entries}
    assert {"example-system-down-callback", "example-care-sms-hours"} <= ids


def test_the_yaml_basics_are_five_lines() -> None:
    basics = DOC.split("## YAML 五行入门\n", 1)[1].split("\n## ", 1)[0]
    assert len(re.findall(r"^\d\. ", basics, re.MULTILINE)) == 5


@pytest.mark.slow
def test_walk_through_add_the_script_find_it_then_make_the_docs_mistake(
        kb_copy: Path, tmp_path: Path, embedder: Embedder, monkeypatch: pytest.MonkeyPatch) -> None:
    add_examples(kb_copy, [SCRIPT])
    assert errors_of(kb_copy) == []
    out = tmp_path / "build"
    result = build_release(load_kb(kb_copy), out, Settings(build_dir=out), stages=("data", "index"), partial_ok=True)
    release = Release(result.path, embedder)
    try:
        hits = [r["id"] for r in json.loads(release.search("工单系统登不上", 3).results_json)]  # one of its questions
    finally:
        release.close()
    assert hits[0] == "example-system-down-callback"

    # The guide's own mistake, and the message it says kb check prints.
    wrong = next(text for lang, text in BLOCKS if lang == "yaml" and text.startswith("  say:") and "\n     - " in text)
    right = wrong.replace("\n     - ", "\n    - ")
    script = (kb_copy.parent / SCRIPT).read_text("utf-8")
    assert right in script
    (kb_copy.parent / SCRIPT).write_text(script.replace(right, wrong), "utf-8")
    shown = next(text for lang, text in BLOCKS if lang == "text" and SCRIPT in text)
    cli = CliRunner().invoke(main, ["check", "kb"])
    assert cli.exit_code == 1
    # The example restates a norm the KB already holds, so kb check also warns "几乎相同" (the guide says so).
    errors = [line for line in cli.stdout.splitlines() if "警告：" not in line]
    assert errors == shown.splitlines()
    assert "几乎相同" in cli.stdout and "hotline-system-fault-callback" in cli.stdout
    assert cli.stderr.startswith("kb 中有 1 个问题")
