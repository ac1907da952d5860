"""The entry schema: one pydantic model per entry type, plus the vocabulary and source registry."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, model_validator

from .messages import model_error

ID_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _no_control(text: str) -> str:
    # A NUL or other control character passes YAML (as an escape) but breaks the site, PDF and JSON.
    if m := _CONTROL.search(text):
        raise model_error("control_char", code=f"{ord(m.group()):04X}")
    return text


EntryId = Annotated[str, StringConstraints(pattern=ID_PATTERN, max_length=80)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000),
                 AfterValidator(_no_control)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
                      AfterValidator(_no_control)]

Channel = Literal["hotline", "hall", "field", "online"]
CHANNELS: tuple[str, ...] = ("hotline", "hall", "field", "online")
CHANNEL_LABELS = {"hotline": "热线", "hall": "营业厅", "field": "上门", "online": "在线"}

EntryType = Literal["script", "process", "forbidden", "escalation", "rule"]
TYPES: tuple[str, ...] = ("script", "process", "forbidden", "escalation", "rule")
TYPE_LABELS = {
    "script": "话术",
    "process": "流程",
    "forbidden": "服务禁语",
    "escalation": "升级路径",
    "rule": "规则与时限",
}

Severity = Literal["red-line", "serious", "discouraged"]
SEVERITY_LABELS = {"red-line": "高压线", "serious": "严重", "discouraged": "不提倡"}

# Units a limit may carry; keep in step with the unit table in docs/editing.md.
Unit = Literal[
    "秒", "分钟", "小时", "个工作小时", "天", "工作日", "个月", "年",
    "次", "次/月", "元", "%", "米", "步", "人", "个", "件", "遍",
]
UNITS: tuple[str, ...] = Unit.__args__  # type: ignore[attr-defined]
_LIMIT_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(\S+)\s*$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(Strict):
    doc: ShortText
    quote: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300),
                     AfterValidator(_no_control)]
    # Why this quote needs care, e.g. it joins neighbouring cells of a table the source scrambled.
    note: ShortText | None = None


class Limit(Strict):
    """A hard number: value + unit; written as a mapping or the shorthand "15 秒"."""

    value: float = Field(ge=0, allow_inf_nan=False)
    unit: Unit
    what: ShortText | None = None
    bound: Literal["max", "min", "exact"] = "max"
    # When the time depends on something (紧急 / 一般, 有升级倾向 …): the deadline calculator picks the
    # limit whose condition the caller names; pages show every limit with its condition.
    condition: ShortText | None = None

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        if isinstance(data, str):
            m = _LIMIT_RE.match(data)
            if not m:
                raise model_error("limit_shorthand", value=data)
            return {"value": float(m.group(1)), "unit": m.group(2)}
        return data

    def label(self) -> str:
        """Human form, e.g. '15 秒'."""
        value = int(self.value) if self.value == int(self.value) else self.value
        sep = "" if self.unit == "%" else " "
        return f"{value}{sep}{self.unit}"

    def is_time(self) -> bool:
        return self.unit in TIME_UNITS


TIME_UNITS: tuple[str, ...] = ("秒", "分钟", "小时", "个工作小时", "天", "工作日")


def _limits(value: Any) -> Any:
    """`within` may be one limit ("4 个工作小时" or a mapping) or a list of them (one per condition)."""
    return [value] if isinstance(value, str | dict) else value


Limits = Annotated[list[Limit], BeforeValidator(_limits)]


CLOCK_PATTERN = r"^(?:[01]\d|2[0-3]):[0-5]\d$"  # 00:00–23:59
ClockTime = Annotated[str, StringConstraints(pattern=CLOCK_PATTERN)]


class Window(Strict):
    """A daily time window, e.g. no marketing SMS 22:00–07:00."""

    what: ShortText
    start: ClockTime
    end: ClockTime


def _as_list(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


Says = Annotated[list[Text], Field(min_length=1)]
# Similar questions and example utterances: length and uniqueness are checked in validate.py, with
# messages that name the other entry, so the model only trims them.
Utterance = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_no_control)]
QUESTION_MAX_CHARS = 30
EXAMPLE_MAX_CHARS = 60


class BaseEntry(Strict):
    id: EntryId
    type: EntryType
    title: ShortText
    summary: Text | None = None
    channels: Annotated[list[Channel], Field(min_length=1)]
    tags: list[ShortText] = []
    # 相似问法: how staff would type a search for this entry (they ask; they never state the norm).
    questions: list[Utterance] = []
    sources: Annotated[list[Source], Field(min_length=1)]
    related: list[EntryId] = []
    # Entries of other organisations that give different guidance for the same situation (其他单位的做法).
    see_also: list[EntryId] = []
    # Whose norm this is: operators named in kb/sources.yaml, or 通用 (every operator). Empty: inherited
    # from the entry's sources.
    operator: list[ShortText] = []
    # Ids this entry had before entries were merged into it: old links and eval labels still resolve.
    aliases: list[EntryId] = []
    # Hard numbers of the norm (rules mostly; scripts and forbidden entries may state a time too).
    limits: Limits = []
    notes: Text | None = None
    owner: ShortText | None = None
    reviewed: dt.date | None = None
    review_every: Annotated[int, Field(ge=1, le=3650)] | None = None  # days; default per type in settings

    @model_validator(mode="before")
    @classmethod
    def _lists(cls, data: Any) -> Any:
        # Editors often write a single string where a list is expected; accept it.
        if isinstance(data, dict):
            for key in ("say", "phrases", "instead", "tags", "channels", "allow", "questions", "examples",
                        "operator"):
                if key in data:
                    data = {**data, key: _as_list(data[key])}
        return data


class ScriptEntry(BaseEntry):
    type: Literal["script"]
    when: Text
    say: Says
    then: Text | None = None
    audience: ShortText | None = None


class Step(Strict):
    what: Text
    who: ShortText | None = None
    say: list[Text] = []
    within: Limits = []

    @model_validator(mode="before")
    @classmethod
    def _say_list(cls, data: Any) -> Any:
        if isinstance(data, dict) and "say" in data:
            data = {**data, "say": _as_list(data["say"])}
        return data


class ProcessEntry(BaseEntry):
    type: Literal["process"]
    when: Text | None = None
    steps: Annotated[list[Step], Field(min_length=1)]


class ForbiddenEntry(BaseEntry):
    type: Literal["forbidden"]
    phrases: list[ShortText] = []
    behaviour: Text | None = None
    instead: list[Text] = []
    instead_scripts: list[EntryId] = []
    why: Text
    severity: Severity
    # What an agent might really say that breaks this norm, in other words: the checker learns from them.
    examples: list[Utterance] = []
    # Look-alike correct phrases the checker must not flag (e.g. 请您再说一遍 vs 你再说一遍).
    allow: list[ShortText] = []
    # "clause": a phrase counts only as a whole clause (fillers like 哦, a bare 什么？), and XX may
    # stand for any few characters (是XX啊？). "anywhere": inside any sentence.
    match: Literal["anywhere", "clause"] = "anywhere"

    @model_validator(mode="after")
    def _something_forbidden(self) -> ForbiddenEntry:
        if not self.phrases and not self.behaviour:
            raise model_error("forbidden_what")
        if not self.instead and not self.instead_scripts:
            raise model_error("forbidden_instead")
        return self


class Hop(Strict):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    from_: ShortText = Field(alias="from")
    to: ShortText
    how: Text | None = None
    within: Limits = []


class Ticket(Strict):
    name: ShortText
    fields: list[ShortText] = []
    template: Text | None = None


class EscalationEntry(BaseEntry):
    type: Literal["escalation"]
    trigger: Text
    path: Annotated[list[Hop], Field(min_length=1)]
    authorised: Text | None = None
    ticket: Ticket | None = None


class RuleEntry(BaseEntry):
    type: Literal["rule"]
    statement: Text
    windows: list[Window] = []


Entry = Annotated[
    ScriptEntry | ProcessEntry | ForbiddenEntry | EscalationEntry | RuleEntry,
    Field(discriminator="type"),
]
ENTRY_MODELS: dict[str, type[BaseEntry]] = {
    "script": ScriptEntry,
    "process": ProcessEntry,
    "forbidden": ForbiddenEntry,
    "escalation": EscalationEntry,
    "rule": RuleEntry,
}


class SourceDoc(Strict):
    doc: ShortText
    title: ShortText
    operator: ShortText | None = None
    description: Text | None = None


class SourceRegistry(Strict):
    sources: Annotated[list[SourceDoc], Field(min_length=1)]


class Lookalikes(Strict):
    """Correct utterances: the checker's negative examples.

    `lookalikes` share words with violations (请您稍等一下); `neutral` is everyday plain speech (好的, 话费是…).
    """

    lookalikes: Annotated[list[Utterance], Field(min_length=1)]
    neutral: list[Utterance] = []


class Vocabulary(Strict):
    words: list[ShortText] = []
    roles: list[ShortText] = []
    synonyms: list[Annotated[list[ShortText], Field(min_length=2)]] = []

    def segmentation_words(self) -> list[str]:
        """Every word jieba must keep whole: words, roles and the words of synonym groups."""
        return list(dict.fromkeys([*self.words, *self.roles, *(w for g in self.synonyms for w in g)]))
