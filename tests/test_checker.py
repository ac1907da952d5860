"""The forbidden-phrase checker on labelled utterances, and `kb qa` on transcripts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from kbbuild.build import entry_record
from kbbuild.checker import Checker, speech_fold
from kbbuild.cli import main
from kbbuild.load import KB
from kbbuild.transcripts import agent_lines, parse_jsonl, parse_text

from .conftest import DATA

LABELLED = yaml.safe_load((DATA / "checker_utterances.yaml").read_text("utf-8"))


@pytest.fixture(scope="module")
def checker(repo_kb: KB) -> Checker:
    return Checker([entry_record(loc.entry) for loc in repo_kb.entries])


def test_precision_and_recall_on_labelled_utterances(checker: Checker, capsys: pytest.CaptureFixture[str]) -> None:
    tp = fp = fn = 0
    wrong = []
    for item in LABELLED:
        got = {h["entry_id"] for h in checker.check(item["text"])}
        want = set(item["hits"])
        tp, fp, fn = tp + len(got & want), fp + len(got - want), fn + len(want - got)
        if got != want:
            wrong.append(f"{item['text']!r}: got {sorted(got)}, want {sorted(want)}")
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    with capsys.disabled():
        f1 = 2 * precision * recall / (precision + recall)
        print(f"\nchecker: {len(LABELLED)} utterances, precision {precision:.3f}, recall {recall:.3f}, F1 {f1:.3f}")
        for line in wrong:
            print("  wrong", line)
    assert len(LABELLED) >= 50 and sum(not i["hits"] for i in LABELLED) >= 20
    assert precision >= 0.95 and recall >= 0.95


def test_hit_positions_point_into_the_original_text(checker: Checker) -> None:
    text = "喂喂，什麼事情？你等一會兒。"
    for hit in checker.check(text):
        assert text[hit["start"]:hit["end"]] == hit["text"]
    assert [h["text"] for h in checker.check(text)] == ["喂喂，什麼事情", "你等一會兒"]


def test_hit_carries_severity_and_alternative(checker: Checker) -> None:
    [hit] = checker.check("我都讲了多少遍了")
    assert hit["severity"] == "red-line" and hit["instead"]


def test_speech_fold() -> None:
    assert speech_fold("喂喂，你等一會兒！")[0] == "喂你等一会"
    assert speech_fold("")[0] == ""


def test_transcript_parsing_checks_only_agent_lines() -> None:
    lines = parse_text("坐席：您好\n客户：你等一会儿\n\n坐席: 你等一会儿\n")
    assert [(u.line, u.speaker) for u in lines] == [(1, "agent"), (2, "customer"), (4, "agent")]
    assert [u.line for u in agent_lines(lines)] == [1, 4]
    assert [u.line for u in agent_lines(parse_text("你好\n你等一会\n"))] == [1, 2]
    utterances, errors = parse_jsonl('{"speaker": "agent", "text": "你好"}\nnot json\n{"x": 1}\n')
    assert [u.text for u in utterances] == ["你好"]
    assert errors == ['line 2: not JSON (Expecting value)', 'line 3: expected an object with a "text" string']


def _qa(*args: str) -> object:
    return CliRunner().invoke(main, ["qa", *args], catch_exceptions=False)


def test_qa_reports_violations_and_exit_code(tmp_path: Path) -> None:
    ok = tmp_path / "ok.txt"
    ok.write_text("坐席：您好，XXX公司，很高兴为您服务！\n客户：你再说一遍\n", "utf-8")
    bad = tmp_path / "bad.txt"
    bad.write_text("坐席：您好\n坐席：你等一会儿\n坐席：我都讲了多少遍了\n", "utf-8")
    result = _qa(str(ok))
    assert result.exit_code == 0  # type: ignore[attr-defined]
    assert f"== {ok}: 0 violation(s), 0 red-line" in result.output  # type: ignore[attr-defined]
    result = _qa(str(ok), str(bad))
    assert result.exit_code == 1  # type: ignore[attr-defined]
    out = result.output  # type: ignore[attr-defined]
    assert f"{bad}:2: [serious] “你等一会儿” (forbidden-you-wait-a-moment)" in out
    assert f"{bad}:3: [red-line] “我都讲了多少遍了” (redline-mock-sarcasm)" in out


def test_qa_json_and_csv(tmp_path: Path) -> None:
    f = tmp_path / "call.jsonl"
    f.write_text('{"speaker": "坐席", "text": "你等一会"}\n{"speaker": "客户", "text": "你等一会"}\n', "utf-8")
    result = _qa("--format", "json", str(f))
    assert result.exit_code == 0  # type: ignore[attr-defined]
    report = json.loads(result.stdout)  # type: ignore[attr-defined]
    assert [(v["line"], v["entry_id"]) for v in report] == [(1, "forbidden-you-wait-a-moment")]
    csv_out = _qa("--format", "csv", str(f)).stdout  # type: ignore[attr-defined]
    assert csv_out.splitlines()[0] == "file,line,start,end,text,phrase,severity,entry_id,instead"


def test_qa_usage_errors(tmp_path: Path) -> None:
    assert _qa().exit_code == 2  # type: ignore[attr-defined]
    assert _qa(str(tmp_path / "missing.txt")).exit_code == 2  # type: ignore[attr-defined]
    assert _qa("--format", "xml", str(DATA / "checker_utterances.yaml")).exit_code == 2  # type: ignore[attr-defined]
