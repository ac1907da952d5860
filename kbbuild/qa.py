"""Transcript QA (`kb qa`): check the agent's lines of many calls, then summarise per agent and entry."""

from __future__ import annotations

import csv
import html
import io
import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .check import Checker
from .model import SEVERITY_LABELS
from .transcripts import Call

SUFFIXES = (".txt", ".log", ".jsonl", ".ndjson", ".json")


@dataclass(frozen=True)
class Violation:
    file: str
    agent: str
    line: int
    time: str | None
    start: int
    end: int
    text: str
    utterance: str
    tier: int
    label: str
    score: float
    phrase: str | None
    severity: str
    entry_id: str
    title: str
    instead: list[str]


@dataclass
class CallResult:
    call: str
    agent: str
    encoding: str
    checked: int
    violations: list[Violation]
    unknown: list[tuple[int, str]] = field(default_factory=list)  # (line, text) whose speaker is unknown
    errors: list[str] = field(default_factory=list)
    skipped: int = 0  # sentences past tier 2's per-call limit


def collect(paths: Iterable[Path]) -> list[Path]:
    """Transcript files: the files given, and those under the folders given (sorted, recursive)."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out += sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
        else:
            out.append(path)
    return out


def check_call(call: Call, checker: Checker, tier2: bool = True) -> CallResult:
    agent = call.agent_name()
    result = CallResult(call.name, agent, call.encoding, 0, [], [(u.line, u.text) for u in call.unknown_lines()],
                        list(call.errors))
    for u in call.agent_lines():
        found = checker.check(u.text, tier2=tier2)
        result.checked += 1
        result.skipped += found["skipped"]
        result.violations += [
            Violation(call.name, agent, u.line, u.time, h["start"], h["end"], h["text"], u.text, h["tier"],
                      h["label"], h["score"], h["phrase"], h["severity"], h["entry_id"], h["title"], h["instead"])
            for h in found["hits"]]
    return result


def red_line(results: Iterable[CallResult]) -> bool:
    """A certain (tier 1) red-line hit by an agent: `kb qa` exits 1."""
    return any(v.tier == 1 and v.severity == "red-line" for r in results for v in r.violations)


def format_text(result: CallResult) -> str:
    certain = sum(v.tier == 1 for v in result.violations)
    red = sum(v.tier == 1 and v.severity == "red-line" for v in result.violations)
    head = (f"== {result.call}（坐席 {result.agent}）：检查 {result.checked} 句，禁语 {certain} 处"
            f"（高压线 {red}），疑似 {len(result.violations) - certain} 处")
    lines = [head]
    if result.encoding != "utf-8":
        lines.append(f"  编码：{result.encoding}")
    for v in result.violations:
        score = "" if v.tier == 1 else f"，可能性 {v.score:.2f}"
        instead = f" → 可改说：{' / '.join(v.instead)}" if v.instead else ""
        lines.append(f"{v.file}:{v.line}: [{v.label}·{SEVERITY_LABELS[v.severity]}{score}] “{v.text}”"
                     f"（{v.entry_id}）{instead}")
    for line, text in result.unknown:
        lines.append(f"{result.call}:{line}: [说话人未识别，未检查] {text}")
    lines += [f"{result.call}: {e}" for e in result.errors]
    if result.skipped:
        lines.append(f"  另有 {result.skipped} 句超过单句检查上限，未做疑似判断")
    return "\n".join(lines)


def violations_json(results: Sequence[CallResult]) -> str:
    return json.dumps([asdict(v) for r in results for v in r.violations], ensure_ascii=False, indent=2)


def _csv(rows: list[dict[str, object]], fields: Sequence[str]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(fields), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def violations_csv(results: Sequence[CallResult]) -> str:
    rows = [{**asdict(v), "instead": " / ".join(v.instead)} for r in results for v in r.violations]
    return _csv(rows, list(Violation.__dataclass_fields__))


@dataclass
class AgentRow:
    agent: str
    calls: int = 0
    lines: int = 0
    certain: int = 0
    suspected: int = 0
    red_line: int = 0
    unknown_lines: int = 0
    top_entries: str = ""


@dataclass
class EntryRow:
    entry_id: str
    title: str
    severity: str
    certain: int = 0
    suspected: int = 0
    calls: int = 0
    agents: int = 0


def agent_summary(results: Sequence[CallResult]) -> list[dict[str, object]]:
    """One row per agent: calls, lines checked, certain and suspected hits, red lines, top entries."""
    rows: dict[str, AgentRow] = {}
    entries: dict[str, Counter[str]] = defaultdict(Counter)
    for r in results:
        row = rows.setdefault(r.agent, AgentRow(r.agent))
        row.calls += 1
        row.lines += r.checked
        row.unknown_lines += len(r.unknown)
        for v in r.violations:
            row.certain += v.tier == 1
            row.suspected += v.tier == 2
            row.red_line += v.severity == "red-line"
            entries[r.agent][v.entry_id] += 1
    for agent, row in rows.items():
        row.top_entries = " ".join(f"{e}×{n}" for e, n in entries[agent].most_common(3))
    ordered = sorted(rows.values(), key=lambda r: (-r.red_line, -r.certain, -r.suspected, r.agent))
    return [asdict(r) for r in ordered]


def entry_summary(results: Sequence[CallResult]) -> list[dict[str, object]]:
    """One row per forbidden entry hit: certain and suspected hits, calls and agents affected."""
    rows: dict[str, EntryRow] = {}
    agents: dict[str, set[str]] = defaultdict(set)
    calls: dict[str, set[str]] = defaultdict(set)
    for r in results:
        for v in r.violations:
            row = rows.setdefault(v.entry_id, EntryRow(v.entry_id, v.title, v.severity))
            row.certain += v.tier == 1
            row.suspected += v.tier == 2
            agents[v.entry_id].add(r.agent)
            calls[v.entry_id].add(r.call)
    for eid, row in rows.items():
        row.calls, row.agents = len(calls[eid]), len(agents[eid])
    ordered = sorted(rows.values(), key=lambda r: (-(r.certain + r.suspected), r.entry_id))
    return [asdict(r) for r in ordered]


AGENT_FIELDS = tuple(AgentRow.__dataclass_fields__)
ENTRY_FIELDS = tuple(EntryRow.__dataclass_fields__)
HEADINGS = {"agent": "坐席", "calls": "通话", "lines": "检查句数", "certain": "禁语", "suspected": "疑似",
            "red_line": "高压线", "unknown_lines": "说话人未识别", "top_entries": "最常见", "entry_id": "条目",
            "title": "规范", "severity": "级别", "agents": "涉及坐席"}


def _table(rows: list[dict[str, object]], fields: Sequence[str]) -> str:
    head = "".join(f"<th>{html.escape(HEADINGS[f])}</th>" for f in fields)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(SEVERITY_LABELS.get(str(r[f]), r[f])))}</td>"
                                    for f in fields) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def html_report(results: Sequence[CallResult]) -> str:
    """A self-contained page a QA lead opens in a browser: totals, per agent, per entry, every hit."""
    total = sum(len(r.violations) for r in results)
    hits = "".join(
        f"<tr><td>{html.escape(v.agent)}</td><td>{html.escape(v.file)}:{v.line}</td>"
        f"<td class='t{v.tier}'>{html.escape(v.label)}</td><td>{html.escape(SEVERITY_LABELS[v.severity])}</td>"
        f"<td>{html.escape(v.utterance)}</td><td>{html.escape(v.title)}</td>"
        f"<td>{html.escape(' / '.join(v.instead))}</td></tr>"
        for r in results for v in r.violations)
    style = ("body{font-family:'Noto Sans CJK SC',sans-serif;margin:24px;color:#1f2933}"
             "table{border-collapse:collapse;margin:8px 0 24px}td,th{border:1px solid #cbd2d9;padding:4px 8px;"
             "text-align:left;vertical-align:top}th{background:#f0f4f8}.t1{color:#b42318;font-weight:600}"
             ".t2{color:#a15c07}")
    return (f"<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'><title>质检报告</title>"
            f"<style>{style}</style></head><body><h1>通话质检报告</h1>"
            f"<p>通话 {len(results)} 通，检查坐席发言 {sum(r.checked for r in results)} 句，"
            f"发现 {total} 处（禁语为确定命中，疑似需人工复核）；"
            f"说话人未识别 {sum(len(r.unknown) for r in results)} 句（未检查）。未命中不代表没有问题。</p>"
            f"<h2>按坐席</h2>{_table(agent_summary(results), AGENT_FIELDS)}"
            f"<h2>按规范</h2>{_table(entry_summary(results), ENTRY_FIELDS)}"
            f"<h2>全部命中</h2><table><thead><tr><th>坐席</th><th>位置</th><th>类别</th><th>级别</th><th>原话</th>"
            f"<th>规范</th><th>可改说</th></tr></thead><tbody>{hits}</tbody></table></body></html>")


def write_report(results: Sequence[CallResult], folder: Path) -> list[Path]:
    """violations.csv, agents.csv, entries.csv and report.html in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "violations.csv": violations_csv(results),
        "agents.csv": _csv(agent_summary(results), AGENT_FIELDS),
        "entries.csv": _csv(entry_summary(results), ENTRY_FIELDS),
        "report.html": html_report(results),
    }
    for name, text in files.items():
        (folder / name).write_text(text, "utf-8-sig" if name.endswith(".csv") else "utf-8")  # BOM: Excel reads CJK
    return [folder / name for name in files]
