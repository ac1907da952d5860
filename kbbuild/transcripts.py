"""Call transcripts for `kb qa`: plain text (one utterance a line, optional 坐席:/客户: labels) or JSON Lines."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import asdict, dataclass

from .checker import Checker

AGENT_LABELS = ("坐席", "客服", "客服代表", "话务员", "台席", "营业员", "工程师", "agent")
CUSTOMER_LABELS = ("客户", "用户", "customer", "caller")
_LABEL = re.compile(r"^\s*([^:：\s]{1,8})\s*[:：]\s*(.*)$")


@dataclass(frozen=True)
class Utterance:
    line: int
    speaker: str | None  # "agent", "customer" or None when unlabelled
    text: str


@dataclass(frozen=True)
class Violation:
    file: str
    line: int
    start: int
    end: int
    text: str
    phrase: str
    severity: str
    entry_id: str
    instead: str


def _speaker(label: str) -> str | None:
    low = label.lower()
    if low in AGENT_LABELS:
        return "agent"
    if low in CUSTOMER_LABELS:
        return "customer"
    return None


def parse_text(content: str) -> list[Utterance]:
    out = []
    for n, raw in enumerate(content.splitlines(), start=1):
        if not raw.strip():
            continue
        m = _LABEL.match(raw)
        speaker = _speaker(m.group(1)) if m else None
        text = m.group(2) if m and speaker else raw
        out.append(Utterance(n, speaker, text))
    return out


def parse_jsonl(content: str) -> tuple[list[Utterance], list[str]]:
    """Objects with `text` and optional `speaker`/`role`; returns utterances and per-line errors."""
    out, errors = [], []
    for n, raw in enumerate(content.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as exc:
            errors.append(f"line {n}: not JSON ({exc.msg})")
            continue
        if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
            errors.append(f"line {n}: expected an object with a \"text\" string")
            continue
        label = str(obj.get("speaker") or obj.get("role") or "")
        out.append(Utterance(n, _speaker(label) if label else None, obj["text"]))
    return out, errors


def agent_lines(utterances: list[Utterance]) -> list[Utterance]:
    """Only the agent's lines when the transcript is labelled; every line when it is not."""
    if any(u.speaker for u in utterances):
        return [u for u in utterances if u.speaker == "agent"]
    return utterances


def check_transcript(name: str, utterances: list[Utterance], checker: Checker) -> list[Violation]:
    found = []
    for u in agent_lines(utterances):
        for hit in checker.check(u.text):
            found.append(Violation(name, u.line, hit["start"], hit["end"], hit["text"], hit["phrase"],
                                   hit["severity"], hit["entry_id"], " / ".join(hit["instead"][:2])))
    return found


def format_report(violations: list[Violation], fmt: str) -> str:
    if fmt == "json":
        return json.dumps([asdict(v) for v in violations], ensure_ascii=False, indent=2)
    if fmt == "csv":
        buf = io.StringIO()
        fields = list(Violation.__dataclass_fields__)
        writer = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(asdict(v) for v in violations)
        return buf.getvalue().rstrip("\n")
    lines = []
    for v in violations:
        lines.append(f"{v.file}:{v.line}: [{v.severity}] “{v.text}” ({v.entry_id}) → {v.instead}")
    return "\n".join(lines)
