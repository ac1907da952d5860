"""Call transcripts as they really come, for `kb qa`: text exports, JSON / JSON Lines from ASR.

Text: one utterance a line, optionally `[00:00:09]` / `00:00:09` / `09:15:02` first, then a speaker
label with an id or a name (坐席8021：, 座席：, 客服小王：, 话务员：, 客户（张先生）：). JSON: a list of
objects (or an object holding one under utterances / sentences / segments / result), or one object
a line; each with the text and a role or speaker field, and optionally call and agent ids.
Lines whose speaker cannot be told are reported, never dropped or blamed on the agent.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

AGENT = "agent"
CUSTOMER = "customer"
# Longest first: 客户代表 is a telecom agent's title, 客户 the caller.
AGENT_LABELS = ("客户代表", "客服代表", "服务代表", "话务员", "话务", "坐席", "座席", "客服", "台席", "营业员",
                "工程师", "装维", "工作人员", "agent", "staff", "csr")
CUSTOMER_LABELS = ("来电人", "客户", "用户", "顾客", "来电", "customer", "caller", "user", "client")
TEXT_KEYS = ("text", "content", "transcript", "sentence", "utterance", "onebest")
ROLE_KEYS = ("role", "speaker", "speaker_role", "spk", "channel", "channel_id")
AGENT_KEYS = ("agent_id", "agent", "staff_id", "seat", "工号")
CALL_KEYS = ("call_id", "call", "session_id", "conversation_id")
TIME_KEYS = ("time", "begin_time", "start_time", "start", "bg")
LIST_KEYS = ("utterances", "sentences", "segments", "result", "dialogue", "transcript")
MAX_FILE_BYTES = 50_000_000
# Every known label with its role, longest first (客户代表 before 客户): sorted once, not per line.
_LABELS = sorted([(a, AGENT) for a in AGENT_LABELS] + [(c, CUSTOMER) for c in CUSTOMER_LABELS],
                 key=lambda kv: -len(kv[0]))

_TIME = r"\[?\s*(?P<time>(?:\d{1,2}:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?)\s*\]?"
_LABEL = r"(?P<label>[^:：\s\[\]（(]{1,16})\s*(?:[（(][^）)]{0,16}[）)])?"  # 客户（张先生）
_LINE = re.compile(rf"^\s*(?:{_TIME}\s*)?(?:{_LABEL}\s*[:：])?\s*(?P<text>.*)$")


class TranscriptError(Exception):
    """A transcript file cannot be read; the message says why."""


@dataclass(frozen=True)
class SpeakerRules:
    """How labels map to agent or customer; patterns (full match) come before the built-in labels."""

    agent_pattern: re.Pattern[str] | None = None
    customer_pattern: re.Pattern[str] | None = None
    agent_roles: tuple[str, ...] = ()  # role values of ASR exports that mean the agent (1, A, spk0 …)
    customer_roles: tuple[str, ...] = ()

    def speaker(self, label: str) -> tuple[str | None, str | None]:
        """(agent/customer/None, the agent's id or name if the label carries one) for a label."""
        text = label.strip()
        if self.agent_pattern and self.agent_pattern.fullmatch(text):
            return AGENT, text
        if self.customer_pattern and self.customer_pattern.fullmatch(text):
            return CUSTOMER, None
        if text in self.agent_roles:
            return AGENT, None
        if text in self.customer_roles:
            return CUSTOMER, None
        low = text.lower()
        for known, role in _LABELS:
            if low.startswith(known):
                rest = text[len(known):].strip(" #-_")
                return role, (rest or None) if role == AGENT else None
        return None, None


@dataclass(frozen=True)
class Utterance:
    line: int
    speaker: str | None  # "agent", "customer", or None when it cannot be told
    text: str
    label: str | None = None
    who: str | None = None  # the agent's id or name from the label (坐席8021 → 8021)
    time: str | None = None


@dataclass
class Call:
    name: str
    utterances: list[Utterance]
    agent: str | None = None
    encoding: str = "utf-8"
    errors: list[str] = field(default_factory=list)

    @property
    def labelled(self) -> bool:
        """Does any line name a speaker we know? If none does, the text is taken as the agent's own."""
        return any(u.speaker for u in self.utterances)

    def agent_lines(self) -> list[Utterance]:
        """The agent's lines; every line when nothing in the call is labelled (an agent's own text)."""
        if not self.labelled:
            return self.utterances
        return [u for u in self.utterances if u.speaker == AGENT]

    def unknown_lines(self) -> list[Utterance]:
        """Lines of a labelled call whose speaker could not be told: reported, not judged."""
        return [u for u in self.utterances if u.speaker is None] if self.labelled else []

    def agent_name(self) -> str:
        return self.agent or next((u.who for u in self.utterances if u.who), None) or "未知坐席"


def decode(raw: bytes) -> tuple[str, str]:
    """Text and encoding: UTF-8 (with or without BOM), else GB18030 (which covers GBK and GB2312)."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding), "utf-8" if encoding == "utf-8-sig" else encoding
        except UnicodeDecodeError:
            continue
    raise TranscriptError("既不是 UTF-8 也不是 GBK/GB18030 编码，请另存为 UTF-8")


def parse_text(content: str, rules: SpeakerRules = SpeakerRules()) -> list[Utterance]:
    out = []
    for n, raw in enumerate(content.splitlines(), start=1):
        if not raw.strip():
            continue
        m = _LINE.match(raw)
        assert m is not None  # every group is optional
        label, time = m.group("label"), m.group("time")
        speaker, who = rules.speaker(label) if label else (None, None)
        # A label nobody knows (注意：…) may be part of the text: keep the whole line for the report.
        text = m.group("text") if speaker else raw[m.end("time") + 1 if time else 0:].strip(" ]")
        if text.strip():
            out.append(Utterance(n, speaker, text.strip(), label, who, time))
    return out


def _first(obj: dict[str, Any], keys: Iterable[str]) -> Any:
    return next((obj[k] for k in keys if obj.get(k) not in (None, "")), None)


def _from_object(obj: Any, n: int, rules: SpeakerRules) -> tuple[Utterance | None, str | None]:
    if not isinstance(obj, dict):
        return None, f"第 {n} 条：应为对象（含文本和说话人字段）"
    text = _first(obj, TEXT_KEYS)
    if not isinstance(text, str):
        return None, f"第 {n} 条：没有文本字段（{' / '.join(TEXT_KEYS)}）"
    role = _first(obj, ROLE_KEYS)
    speaker, who = rules.speaker(str(role)) if role is not None else (None, None)
    agent = _first(obj, AGENT_KEYS)
    time = _first(obj, TIME_KEYS)
    return Utterance(n, speaker, text.strip(), None if role is None else str(role),
                     str(agent) if agent is not None else who, None if time is None else str(time)), None


def _calls(name: str, objects: Iterable[tuple[int, Any]], rules: SpeakerRules, encoding: str,
           errors: list[str]) -> list[Call]:
    """Utterance objects grouped into calls by their call id (one call when there is none)."""
    calls: dict[str, Call] = {}
    for n, obj in objects:
        utterance, error = _from_object(obj, n, rules)
        if error:
            errors.append(error)
            continue
        assert utterance is not None
        call_id = _first(obj, CALL_KEYS)
        key = f"{name}#{call_id}" if call_id is not None else name
        call = calls.setdefault(key, Call(key, [], encoding=encoding))
        call.utterances.append(utterance)
        if utterance.who and utterance.speaker == AGENT and call.agent is None:
            call.agent = utterance.who
    if not calls:
        calls[name] = Call(name, [], encoding=encoding)
    first = next(iter(calls.values()))
    first.errors = errors
    return list(calls.values())


def _json_objects(data: Any) -> Iterator[tuple[int, Any]]:
    """The utterance objects of a JSON document: a list, or a list under a known key (nested calls too)."""
    if isinstance(data, dict):
        inner = _first(data, LIST_KEYS)
        if isinstance(inner, list):
            common = {k: data[k] for k in (*CALL_KEYS, *AGENT_KEYS) if k in data}
            for n, obj in enumerate(inner, start=1):
                yield n, {**common, **obj} if isinstance(obj, dict) else obj
            return
    if isinstance(data, list):
        for n, obj in enumerate(data, start=1):
            if isinstance(obj, dict) and isinstance(_first(obj, LIST_KEYS), list):
                yield from _json_objects(obj)
            else:
                yield n, obj
        return
    yield 1, data


def parse_file(path: Path, rules: SpeakerRules = SpeakerRules()) -> list[Call]:
    """The calls of one transcript file (a JSON Lines file may hold many, by call id)."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise TranscriptError(f"文件有 {size:,} 字节，超过上限 {MAX_FILE_BYTES:,}：请拆分")
        content, encoding = decode(path.read_bytes())
    except OSError as exc:
        raise TranscriptError(f"无法读取：{exc.strerror}") from exc
    name = str(path)
    errors: list[str] = []
    if path.suffix in (".jsonl", ".ndjson"):
        objects = []
        for n, raw in enumerate(content.splitlines(), start=1):
            if not raw.strip():
                continue
            try:
                objects.append((n, json.loads(raw)))
            except json.JSONDecodeError as exc:
                errors.append(f"第 {n} 行：不是 JSON（{exc.msg}）")
        return _calls(name, objects, rules, encoding, errors)
    if path.suffix == ".json":
        try:
            data = json.loads(content)
        except json.JSONDecodeError as exc:
            raise TranscriptError(f"不是 JSON：第 {exc.lineno} 行 {exc.msg}") from exc
        return _calls(name, _json_objects(data), rules, encoding, errors)
    return [Call(name, parse_text(content, rules), encoding=encoding)]
