"""`kb qa` on transcripts as they really come: labels, timestamps, ASR JSON, GBK, many calls, reports."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from kbbuild.cli import main
from kbbuild.transcripts import Call, SpeakerRules, decode, parse_file, parse_text


def _qa(*args: str) -> Any:
    return CliRunner().invoke(main, ["qa", *args], catch_exceptions=False)


def test_labels_with_ids_names_and_timestamps() -> None:
    lines = parse_text("[00:00:09] 客户：你再说一遍\n00:00:12 坐席8021：您好\n09:15:02 客服小王: 好的\n"
                       "座席：嗯\n话务员：请讲\n客户（张先生）：喂\n客户代表：您好\n")
    assert [(u.speaker, u.who, u.time) for u in lines] == [
        ("customer", None, "00:00:09"), ("agent", "8021", "00:00:12"), ("agent", "小王", "09:15:02"),
        ("agent", None, None), ("agent", None, None), ("customer", None, None), ("agent", None, None)]
    assert [u.text for u in lines][:3] == ["你再说一遍", "您好", "好的"]


def test_unknown_speakers_are_reported_not_blamed() -> None:
    call = Call("c", parse_text("坐席：您好\n说话人3：你等一会\n注意：录音断了\n客户：喂\n"))
    assert [u.line for u in call.agent_lines()] == [1]
    assert [(u.line, u.text) for u in call.unknown_lines()] == [(2, "说话人3：你等一会"), (3, "注意：录音断了")]
    unlabelled = Call("d", parse_text("你好\n你等一会\n"))  # an agent's own text: every line is theirs
    assert [u.line for u in unlabelled.agent_lines()] == [1, 2] and unlabelled.unknown_lines() == []


def test_configurable_speaker_pattern_and_roles() -> None:
    rules = SpeakerRules(agent_pattern=re.compile(r"A\d*"), customer_pattern=re.compile(r"B\d*"))
    assert [u.speaker for u in parse_text("A1：您好\nB1：喂\n", rules)] == ["agent", "customer"]
    assert SpeakerRules(agent_roles=("1",)).speaker("1") == ("agent", None)


def test_asr_json_and_jsonl(tmp_path: Path) -> None:
    asr = tmp_path / "asr.json"
    asr.write_text(json.dumps({"call_id": "c9", "agent_id": "8021", "sentences": [
        {"role": "agent", "begin_time": 1200, "text": "您好"},
        {"role": "customer", "begin_time": 3000, "text": "你等一会"},
        {"role": "spk9", "text": "嗯"}]}, ensure_ascii=False), "utf-8")
    [call] = parse_file(asr)
    assert call.name.endswith("#c9") and call.agent_name() == "8021"
    assert [(u.speaker, u.time) for u in call.utterances] == [("agent", "1200"), ("customer", "3000"), (None, None)]
    many = tmp_path / "calls.jsonl"
    many.write_text("\n".join(json.dumps(o, ensure_ascii=False) for o in [
        {"call_id": "a", "speaker": "坐席", "agent": "8021", "content": "您好"},
        {"call_id": "b", "speaker": "坐席", "agent": "8022", "content": "你等一会"},
        {"call_id": "a", "speaker": "客户", "content": "好"}]) + "\nnot json\n", "utf-8")
    calls = parse_file(many)
    assert [(c.name.split("#")[1], c.agent_name(), len(c.utterances)) for c in calls] == [("a", "8021", 2),
                                                                                        ("b", "8022", 1)]
    assert calls[0].errors == ["第 4 行：不是 JSON（Expecting value）"]


def test_gbk_is_detected(tmp_path: Path) -> None:
    assert decode("坐席：你好".encode("gb18030")) == ("坐席：你好", "gb18030")
    assert decode("\ufeff坐席：你好".encode()) == ("坐席：你好", "utf-8")
    f = tmp_path / "gbk.txt"
    f.write_bytes("坐席：我都讲了多少遍了\n".encode("gbk"))
    result = _qa("--tier1-only", str(f))
    assert result.exit_code == 1 and "编码：gb18030" in result.output
    assert "[禁语·高压线]" in result.output and "“我都讲了多少遍了”（redline-mock-sarcasm）" in result.output


def test_qa_reports_in_chinese_and_exit_code(tmp_path: Path) -> None:
    ok = tmp_path / "ok.txt"
    ok.write_text("坐席：您好，XXX公司，很高兴为您服务！\n客户：你再说一遍\n", "utf-8")
    bad = tmp_path / "bad.txt"
    bad.write_text("[00:00:01] 坐席8021：您好\n[00:00:05] 坐席8021：你等一会\n[00:00:09] 客户：我都讲了多少遍了\n"
                   "说话人3：嗯\n", "utf-8")
    result = _qa("--tier1-only", str(ok))
    assert result.exit_code == 0
    assert f"== {ok}（坐席 未知坐席）：检查 1 句，禁语 0 处（高压线 0），疑似 0 处" in result.output
    result = _qa("--tier1-only", str(ok), str(bad))
    assert result.exit_code == 0  # the red-line words are the customer's
    out = result.output
    assert f"{bad}:2: [禁语·严重] “你等一会”（forbidden-you-wait-a-moment）" in out
    assert "多少遍" not in out.split(f"== {bad}")[1].split("说话人")[0]
    assert f"{bad}:4: [说话人未识别，未检查] 说话人3：嗯" in out


def test_qa_json_instead_is_a_list_and_csv(tmp_path: Path) -> None:
    f = tmp_path / "call.jsonl"
    f.write_text('{"speaker": "坐席", "text": "你等一会"}\n{"speaker": "客户", "text": "你等一会"}\n', "utf-8")
    report = json.loads(_qa("--tier1-only", "--format", "json", str(f)).stdout)
    assert [(v["line"], v["entry_id"], v["tier"]) for v in report] == [(1, "forbidden-you-wait-a-moment", 1)]
    assert isinstance(report[0]["instead"], list) and report[0]["instead"]
    header = _qa("--tier1-only", "--format", "csv", str(f)).stdout.splitlines()[0]
    assert header.startswith("file,agent,line,time,start,end,text,utterance,tier,label,score")


def test_qa_folder_with_processes_writes_reports(tmp_path: Path) -> None:
    calls = tmp_path / "calls"
    calls.mkdir()
    for i in range(6):
        (calls / f"c{i}.txt").write_text(f"坐席80{i % 2}：您好\n坐席80{i % 2}：你等一会\n客户：好\n", "utf-8")
    (calls / "notes.md").write_text("not a transcript", "utf-8")
    out = tmp_path / "report"
    result = _qa("--tier1-only", "--jobs", "2", "--report", str(out), str(calls))
    assert result.exit_code == 0
    assert result.output.count("== ") == 6
    assert sorted(p.name for p in out.iterdir()) == ["agents.csv", "entries.csv", "report.html", "violations.csv"]
    agents = (out / "agents.csv").read_text("utf-8-sig").splitlines()
    assert agents[0].startswith("agent,calls,lines,certain,suspected")
    assert sorted(a.split(",")[:4] for a in agents[1:]) == [["800", "3", "6", "3"], ["801", "3", "6", "3"]]
    page = (out / "report.html").read_text("utf-8")
    assert "按坐席" in page and "按规范" in page and "<script" not in page


def test_qa_tier_two_finds_paraphrases(tmp_path: Path) -> None:
    f = tmp_path / "call.txt"
    f.write_text("坐席：你听不懂吗？我都说了三遍了\n坐席：请您稍等一下，我马上帮您查询。\n", "utf-8")
    result = _qa(str(f))
    assert "[疑似·" in result.output and ":1: " in result.output and ":2: " not in result.output


def test_qa_usage_errors(tmp_path: Path) -> None:
    assert _qa().exit_code == 2
    assert _qa(str(tmp_path / "missing.txt")).exit_code == 2
    assert _qa("--format", "xml", str(tmp_path)).exit_code == 2
    assert _qa("--agent-pattern", "(", str(tmp_path)).exit_code == 2
    empty = tmp_path / "empty"
    empty.mkdir()
    assert _qa(str(empty)).exit_code == 2
